"""Agencies and agency types: created, corrected, never two alike at the same time."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.services import refuse_key_change, set_fields
from core.validation import (
    refuse_bad_input,
)
from districts.models import District
from districts.scope import require_district, require_province_wide
from mergers.models import (
    Agency,
    AgencyType,
    Decision,
)
from mergers.services.base import _check_version, name_key, nfc, nfc_data
from mergers.services.decisions import _decision_not_after

MSG_AGENCY_DUPLICATE = _(
    "Đã có cơ quan “%(agency)s” (mã số %(id)s) cùng tên, cùng loại, cùng đơn vị, hoạt động trong cùng thời gian."
)


def duplicate_agency(
    *,
    district: District,
    agency_type: AgencyType,
    name: str,
    established_on: datetime.date | None,
    dissolved_on: datetime.date | None,
    exclude_pk: int | None = None,
) -> Agency | None:
    """An agency of the same district and type, with the same name, active at some time the
    new one would be (periods [established, dissolved) overlap), or None."""
    if district is None or agency_type is None or not name:
        return None
    key = name_key(name)
    candidates = Agency.objects.filter(district=district, agency_type=agency_type).exclude(pk=exclude_pk)
    if dissolved_on is not None:
        candidates = candidates.filter(established_on__lt=dissolved_on)
    if established_on is not None:
        candidates = candidates.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=established_on))
    for agency in candidates.order_by("pk"):
        if name_key(agency.name) == key:
            return agency
    return None


def duplicate_agency_error(agency: Agency) -> ValidationError:
    return ValidationError(MSG_AGENCY_DUPLICATE, code="duplicate", params={"agency": agency.name, "id": agency.pk})


@transaction.atomic
def agency_create(
    *,
    district: District,
    agency_type: AgencyType,
    name: str,
    established_on: datetime.date | None,
    established_on_estimated: bool = False,
    dissolved_on: datetime.date | None = None,
    established_by: Decision | None = None,
    dissolved_by: Decision | None = None,
    user,
) -> Agency:
    """Create an agency; its establishment date is required (an estimate, flagged, if not known).
    `established_by` and `dissolved_by` cite the decisions (issued on or before the dates)."""
    require_district(user, district)
    name = nfc(name)
    refuse_bad_input(dates={"established_on": established_on, "dissolved_on": dissolved_on}, texts={"name": name})
    _refuse_no_establishment(established_on)
    same = duplicate_agency(
        district=district, agency_type=agency_type, name=name, established_on=established_on, dissolved_on=dissolved_on
    )
    if same is not None:
        raise ValidationError({"name": duplicate_agency_error(same)})
    agency = Agency(
        district=district,
        agency_type=agency_type,
        name=name,
        established_on=established_on,
        established_on_estimated=established_on_estimated,
        dissolved_on=dissolved_on,
        established_by=established_by,
        dissolved_by=dissolved_by,
    )
    _refuse_agency_decisions_after(agency)
    agency.full_clean()
    agency.save()
    return agency


AGENCY_EDITABLE_FIELDS = (
    "agency_type",
    "name",
    "established_on",
    "established_on_estimated",
    "dissolved_on",
    "established_by",
    "dissolved_by",
)


def _refuse_agency_decisions_after(agency: Agency) -> None:
    errors = {
        **_decision_not_after(agency.established_by, agency.established_on, "established_by"),
        **_decision_not_after(agency.dissolved_by, agency.dissolved_on, "dissolved_by"),
    }
    if errors:
        raise ValidationError(errors)


MSG_ESTABLISHED_REQUIRED = _(
    "Cần ghi ngày thành lập của cơ quan. Nếu không biết chính xác, hãy ghi ngày ước tính và đánh dấu “ước tính”."
)


def _refuse_no_establishment(established_on) -> None:
    if established_on is None:
        raise ValidationError({"established_on": ValidationError(MSG_ESTABLISHED_REQUIRED, code="required")})


@transaction.atomic
def agency_update(*, agency: Agency, data: dict, user, expected_version: int | None = None) -> Agency:
    """Change an agency's own fields. Its district never changes: create a new agency."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    require_district(user, agency.district)
    _check_version(agency, expected_version)
    data = nfc_data(data)
    refuse_bad_input(
        dates={f: data.get(f) for f in ("established_on", "dissolved_on")}, texts={"name": data.get("name")}
    )
    if "established_on" in data:
        _refuse_no_establishment(data["established_on"])
    set_fields(agency, data, AGENCY_EDITABLE_FIELDS)
    same = duplicate_agency(
        district=agency.district,
        agency_type=agency.agency_type,
        name=agency.name,
        established_on=agency.established_on,
        dissolved_on=agency.dissolved_on,
        exclude_pk=agency.pk,
    )
    if same is not None:
        raise ValidationError({"name": duplicate_agency_error(same)})
    _refuse_agency_decisions_after(agency)
    agency.full_clean()
    agency.version += 1
    agency.save()
    return agency


MSG_AGENCY_TYPE_CODE_FIXED = _("Mã loại cơ quan không thể thay đổi.")


MSG_AGENCY_TYPE_IN_USE = _("Không thể xóa loại cơ quan “%(type)s”: %(count)s cơ quan hoặc đề án đang dùng nó.")


AGENCY_TYPE_EDITABLE_FIELDS = ("name", "name_en", "sector", "in_district_quota")


@transaction.atomic
def agency_type_create(
    *, code: str, name: str, name_en: str, sector: str, in_district_quota: bool = True, user
) -> AgencyType:
    require_province_wide(user)
    code, name, name_en = nfc(code), nfc(name), nfc(name_en)
    refuse_bad_input(texts={"code": code, "name": name, "name_en": name_en})
    agency_type = AgencyType(code=code, name=name, name_en=name_en, sector=sector, in_district_quota=in_district_quota)
    agency_type.full_clean()
    agency_type.save()
    return agency_type


@transaction.atomic
def agency_type_update(*, agency_type: AgencyType, data: dict, user) -> AgencyType:
    """Change an agency type. `in_district_quota` changes every district's headcount: the
    figures computed from it follow (this service is where a summary would be refreshed)."""
    require_province_wide(user)
    agency_type = AgencyType.objects.select_for_update().get(pk=agency_type.pk)
    data = nfc_data(data)
    refuse_key_change(agency_type, data, MSG_AGENCY_TYPE_CODE_FIXED)
    refuse_bad_input(texts={f: data.get(f) for f in ("name", "name_en")})
    set_fields(agency_type, data, AGENCY_TYPE_EDITABLE_FIELDS)
    agency_type.full_clean()
    agency_type.save()
    return agency_type


@transaction.atomic
def agency_type_delete(*, agency_type: AgencyType, user) -> None:
    """Delete an agency type that no agency and no programme uses."""
    require_province_wide(user)
    agency_type = AgencyType.objects.select_for_update().get(pk=agency_type.pk)
    used = (
        agency_type.agencies.count()
        + agency_type.source_of_programmes.count()
        + agency_type.result_of_programmes.count()
    )
    if used:
        raise ValidationError(MSG_AGENCY_TYPE_IN_USE, code="in_use", params={"type": agency_type.name, "count": used})
    agency_type.delete()
