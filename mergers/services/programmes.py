"""Merger programmes and the province-level figures a published source gives for them."""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.audit import save_new_with_links
from core.services import set_fields
from core.validation import (
    refuse_bad_input,
)
from districts.scope import require_province_wide
from mergers.choices import (
    PROGRAMME_STAGES,
    MergerStatus,
    SourceKind,
)
from mergers.models import (
    AgencyType,
    Decision,
    Programme,
    PublishedAggregate,
)
from mergers.services.base import _check_version, nfc, nfc_data
from mergers.services.decisions import decision_register


@transaction.atomic
def programme_create(
    *,
    code: str,
    name: str,
    result_type: AgencyType,
    source_types: Iterable[AgencyType],
    name_en: str = "",
    decision: Decision | None = None,
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    stages: Sequence[str] = (),
    description: str = "",
    user,
) -> Programme:
    """A programme citing `decision`, or the register's entry for `decision_number` and
    `decided_on` (created when there is none: `decision_register`). `stages`: see
    `stage_rule_errors`."""
    require_province_wide(user)
    code, name, name_en, decision_number, description = map(nfc, (code, name, name_en, decision_number, description))
    refuse_bad_input(
        dates={"decided_on": decided_on},
        texts={"code": code, "name": name, "name_en": name_en, "decision_number": decision_number},
        multiline={"description": description},
    )
    stages = _clean_stages(stages)
    if decision is None and ((decision_number or "").strip() or decided_on is not None):
        decision = decision_register(number=decision_number, date=decided_on, user=user)
    programme = Programme(
        code=code,
        name=name,
        name_en=name_en,
        decision=decision,
        stages=stages,
        description=description,
        result_type=result_type,
    )
    programme.full_clean()
    save_new_with_links(programme, {"source_types": source_types})
    return programme


@transaction.atomic
def published_aggregate_create(
    *,
    province,
    programme: Programme,
    on: datetime.date,
    source: str,
    source_kind: str = SourceKind.PUBLISHED,
    decision: Decision | None = None,
    completed: int | None = None,
    total: int | None = None,
    headcount_before: int | None = None,
    headcount_after: int | None = None,
    reduction_pct=None,
    focal_points_removed: int | None = None,
    note: str = "",
    user,
) -> PublishedAggregate:
    """Record a province-level figure of a programme from a published source (or an official
    record), with its citation. Never demo: made-up figures belong on the districts' records."""
    require_province_wide(user)
    source, note = nfc(source), nfc(note)
    counts = {
        "completed": completed,
        "total": total,
        "headcount_before": headcount_before,
        "headcount_after": headcount_after,
        "focal_points_removed": focal_points_removed,
    }
    refuse_bad_input(dates={"on": on}, counts=counts, texts={"source": source}, multiline={"note": note})
    aggregate = PublishedAggregate(
        province=province,
        programme=programme,
        on=on,
        source=(source or "").strip(),
        source_kind=source_kind,
        decision=decision,
        reduction_pct=reduction_pct,
        note=note or "",
        **counts,
    )
    aggregate.full_clean()
    aggregate.save()
    return aggregate


PROGRAMME_EDITABLE_FIELDS = ("name", "name_en", "decision", "stages", "description", "result_type")


@transaction.atomic
def programme_update(*, programme: Programme, data: dict, user, expected_version: int | None = None) -> Programme:
    """Change a programme; its code is its public identifier and never changes.

    Its decision: `decision` (an entry of the register, or None), or `decision_number` and
    `decided_on` as text (the register's entry for them; an empty number and no date: none).
    """
    require_province_wide(user)
    programme = Programme.objects.select_for_update(of=("self",)).select_related("decision").get(pk=programme.pk)
    _check_version(programme, expected_version)
    data = nfc_data(data)
    refuse_bad_input(
        dates={"decided_on": data.get("decided_on")},
        texts={f: data.get(f) for f in ("name", "name_en", "decision_number")},
        multiline={"description": data.get("description")},
    )
    data = dict(data)
    if "stages" in data:
        data["stages"] = _clean_stages(data["stages"])
    if "decision" not in data and ("decision_number" in data or "decided_on" in data):
        number = data.get("decision_number", programme.decision_number)
        day = data.get("decided_on", programme.decided_on)
        same = programme.decision_id and number == programme.decision_number and day == programme.decided_on
        if not same:
            has_any = (number or "").strip() or day is not None
            data["decision"] = decision_register(number=number, date=day, user=user) if has_any else None
    set_fields(programme, data, PROGRAMME_EDITABLE_FIELDS)
    programme.full_clean()
    programme.version += 1
    if "source_types" in data:
        # Set before the save, without a history record of its own: the save's record then holds
        # the fields and the new source types together (one change in the history, not three).
        programme.skip_history_when_saving = True
        try:
            programme.source_types.set(data["source_types"])
        finally:
            del programme.skip_history_when_saving
    programme.save()
    return programme


MSG_STAGES_UNKNOWN = _("Giai đoạn không hợp lệ: %(stage)s.")


MSG_STAGES_ORDER = _("Các giai đoạn phải theo thứ tự: nhất thể hóa chức danh, phê duyệt, hoàn thành.")


MSG_STAGES_END = _("Các giai đoạn phải kết thúc bằng “Hoàn thành”.")


def _clean_stages(stages) -> list[str]:
    """A programme's stages after "planned": a part of PROGRAMME_STAGES in its order, ending with
    "completed"; empty: the programme sets no stage rule."""
    stages = [str(s) for s in (stages or [])]
    for stage in stages:
        if stage not in PROGRAMME_STAGES:
            raise ValidationError(
                {"stages": ValidationError(MSG_STAGES_UNKNOWN, code="unknown", params={"stage": stage})}
            )
    positions = [PROGRAMME_STAGES.index(s) for s in stages]
    if positions != sorted(set(positions)):
        raise ValidationError({"stages": ValidationError(MSG_STAGES_ORDER, code="order")})
    if stages and stages[-1] != MergerStatus.COMPLETED:
        raise ValidationError({"stages": ValidationError(MSG_STAGES_END, code="end")})
    return stages
