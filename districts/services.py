"""Every write to provinces and districts (the admin goes through them too).

Keyword-only, atomic, `full_clean()` before `save()`, refusals keyed by field. A district's
dissolution also ends its agencies' activity: that is mergers.services.district_dissolve,
which checks the rules written here (`dissolution_errors`) before it writes anything.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.dates import fmt_date
from core.services import refuse_key_change, set_fields
from districts.models import District, Province

MSG_SUCCESSOR_SELF = _("Một đơn vị không thể kế thừa chính nó.")
MSG_ALREADY_DISSOLVED = _("%(district)s đã giải thể ngày %(date)s.")
MSG_SUCCESSOR_OTHER_PROVINCE = _("Đơn vị kế thừa phải thuộc cùng tỉnh (%(province)s).")
MSG_SUCCESSOR_NOT_ACTIVE = _("Đơn vị kế thừa %(successor)s không hoạt động vào ngày %(date)s.")
MSG_SUCCESSOR_WITHOUT_DISSOLUTION = _("Chỉ ghi đơn vị kế thừa khi đơn vị giải thể: hãy ghi ngày giải thể.")
MSG_SUCCESSOR_AND_PROVINCE = _("Chỉ ghi một bên tiếp nhận: đơn vị cấp huyện kế thừa hoặc tỉnh tiếp nhận chức năng.")
MSG_SUCCESSOR_PROVINCE_OTHER = _("Chức năng của đơn vị chỉ chuyển về tỉnh của nó (%(province)s).")
MSG_DISSOLUTION_FIXED = _(
    "Không thể sửa hoặc bỏ việc giải thể đã ghi (ngày %(date)s): các cơ quan của đơn vị đã chấm dứt hoạt động theo đó."
)
MSG_CODE_FIXED = _("Mã GSO không thể thay đổi.")

PROVINCE_EDITABLE_FIELDS = ("name",)
DISTRICT_EDITABLE_FIELDS = ("name", "kind", "established_on")


def _fmt(day: datetime.date) -> str:
    return fmt_date(day)


# --- provinces --------------------------------------------------------------------------


@transaction.atomic
def province_create(*, code: str, name: str, user) -> Province:
    province = Province(code=code, name=name)
    province.full_clean()
    province.save()
    return province


@transaction.atomic
def province_update(*, province: Province, data: dict, user) -> Province:
    """Rename a province; its GSO code is its identifier and never changes."""
    province = Province.objects.select_for_update().get(pk=province.pk)
    refuse_key_change(province, data, MSG_CODE_FIXED)
    set_fields(province, data, PROVINCE_EDITABLE_FIELDS)
    province.full_clean()
    province.save()
    return province


# --- districts --------------------------------------------------------------------------


@transaction.atomic
def district_create(
    *,
    province: Province,
    code: str,
    name: str,
    kind: str,
    established_on: datetime.date | None = None,
    user,
) -> District:
    """A new district-level unit. It is created active: dissolving it is district_dissolve."""
    district = District(province=province, code=code, name=name, kind=kind, established_on=established_on)
    district.full_clean()
    district.save()
    return district


@transaction.atomic
def district_update(*, district: District, data: dict, user) -> District:
    """Change a district's name, kind or establishment date.

    Its code and province never change; its dissolution and successor are set once, by
    mergers.services.district_dissolve (it ends the district's agencies), and then stay.
    """
    district = District.objects.select_for_update().get(pk=district.pk)
    refuse_key_change(district, data, MSG_CODE_FIXED)
    errors: dict[str, list] = {}
    if "province" in data and data["province"] != district.province:
        errors["province"] = [ValidationError(MSG_CODE_FIXED, code="fixed")]
    for field in ("dissolved_on", "successor", "successor_province", "dissolution_decision"):
        if field in data and data[field] != getattr(district, field):
            if district.dissolved_on is not None:
                errors.setdefault(field, []).append(
                    ValidationError(MSG_DISSOLUTION_FIXED, code="fixed", params={"date": _fmt(district.dissolved_on)})
                )
            elif field != "dissolved_on":
                errors.setdefault(field, []).append(
                    ValidationError(MSG_SUCCESSOR_WITHOUT_DISSOLUTION, code="no_dissolution")
                )
    if errors:
        raise ValidationError(errors)
    set_fields(district, data, DISTRICT_EDITABLE_FIELDS)
    district.full_clean()
    district.save()
    return district


def dissolution_errors(
    *, district: District, on: datetime.date, successor: District | None, successor_province: Province | None = None
) -> dict:
    """Field -> [ValidationError] of dissolving `district` on `on` with `successor` taking over.

    Not already dissolved; the successor another district of the same province, active on
    the dissolution date (it takes the district over from that day); or, instead, the
    district's own province taking over its functions (`successor_province`: the end of the
    district tier on 2025-07-01).
    """
    errors: dict[str, list] = {}
    if district.dissolved_on is not None:
        errors["dissolved_on"] = [
            ValidationError(
                MSG_ALREADY_DISSOLVED,
                code="already_dissolved",
                params={"district": district.full_name, "date": _fmt(district.dissolved_on)},
            )
        ]
    if successor is not None and successor_province is not None:
        errors["successor_province"] = [ValidationError(MSG_SUCCESSOR_AND_PROVINCE, code="both")]
        return errors
    if successor_province is not None and successor_province.pk != district.province_id:
        errors["successor_province"] = [
            ValidationError(
                MSG_SUCCESSOR_PROVINCE_OTHER, code="other_province", params={"province": district.province.name}
            )
        ]
    if successor is None:
        return errors
    if successor.pk == district.pk:
        errors["successor"] = [ValidationError(MSG_SUCCESSOR_SELF, code="self")]
    elif successor.province_id != district.province_id:
        errors["successor"] = [
            ValidationError(
                MSG_SUCCESSOR_OTHER_PROVINCE, code="other_province", params={"province": district.province.name}
            )
        ]
    elif on is not None and not successor.is_active_on(on):
        errors["successor"] = [
            ValidationError(
                MSG_SUCCESSOR_NOT_ACTIVE,
                code="successor_not_active",
                params={"successor": successor.full_name, "date": _fmt(on)},
            )
        ]
    return errors
