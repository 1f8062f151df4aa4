"""Mergers: planned, advanced stage by stage, completed (the sources end, the result begins) or cancelled."""

import datetime
import inspect
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.audit import history_reason, save_new_with_links
from core.dates import fmt_date
from core.errors import MergerStateConflict
from core.validation import (
    bad_input_errors,
    refuse_bad_input,
)
from districts.models import District
from districts.scope import require_district
from mergers.choices import (
    OPEN_STATUSES,
    STAGE_ORDER,
    MergerStatus,
    SourceKind,
)
from mergers.models import (
    Agency,
    Decision,
    HeadcountRecord,
    Merger,
    MergerStage,
    Programme,
)
from mergers.services.agencies import duplicate_agency, duplicate_agency_error
from mergers.services.base import _check_version, _real_user, count_errors, nfc
from mergers.services.decisions import (
    MSG_DECISION_DATE_REQUIRED,
    MSG_DECISION_NUMBER_REQUIRED,
    MSG_DECISION_UNDATED,
    _decision_not_after,
    decision_register,
)
from mergers.services.headcounts import _headcount_insert, _validate_headcount, headcount_update

MSG_TOO_FEW_SOURCES = _("Cần ít nhất hai cơ quan để hợp nhất.")


MSG_SOURCE_OTHER_DISTRICT = _("Cơ quan “%(agency)s” không thuộc %(district)s.")


MSG_SOURCE_NOT_ACTIVE = _("Cơ quan “%(agency)s” không hoạt động vào ngày %(date)s.")


MSG_SOURCE_WRONG_TYPE = _("Cơ quan “%(agency)s” không thuộc loại cơ quan mà đề án này hợp nhất.")


MSG_SOURCE_IN_OTHER_MERGER = _("Cơ quan “%(agency)s” đã thuộc một hợp nhất khác chưa bị hủy.")


MSG_DISTRICT_NOT_ACTIVE = _("%(district)s không hoạt động vào ngày %(date)s.")


MSG_MERGER_EXISTS = _("%(district)s đã có một hợp nhất theo đề án này.")


MSG_EFFECTIVE_BEFORE_DECISION = _("Ngày hiệu lực không được trước ngày quyết định (%(date)s).")


MSG_ALREADY_COMPLETED = _("Hợp nhất này đã hoàn thành.")


MSG_CANCELLED = _("Hợp nhất này đã bị hủy.")


MSG_STAGE_NOT_FORWARD = _("Không thể chuyển từ giai đoạn “%(current)s” sang “%(target)s”.")


MSG_STAGE_USE_OPERATION = _("Dùng thao tác “Hoàn thành” hoặc “Hủy” cho giai đoạn này.")


MSG_STAGE_DATE_BEFORE_LAST = _("Ngày này không được trước giai đoạn gần nhất (%(date)s).")


MSG_RESULT_OTHER_DISTRICT = _("Cơ quan sau hợp nhất phải thuộc %(district)s.")


MSG_RESULT_IS_SOURCE = _("Cơ quan sau hợp nhất không được là một trong các cơ quan hợp nhất.")


MSG_RESULT_NOT_ACTIVE = _("Cơ quan sau hợp nhất không hoạt động vào ngày %(date)s.")


MSG_RESULT_NAME_AND_AGENCY = _("Chỉ nhập tên cơ quan mới hoặc chọn cơ quan có sẵn, không cả hai.")


def _source_errors(
    *,
    programme: Programme,
    district: District,
    sources: Sequence[Agency],
    day: datetime.date,
    exclude_merger: Merger | None = None,
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    if len(sources) < 2:
        errors.append(ValidationError(MSG_TOO_FEW_SOURCES, code="too_few_sources"))
    allowed_types = set(programme.source_types.values_list("id", flat=True))
    for agency in sources:
        params = {"agency": agency.name, "district": district.full_name, "date": fmt_date(day)}
        if agency.district_id != district.id:
            errors.append(ValidationError(MSG_SOURCE_OTHER_DISTRICT, code="source_other_district", params=params))
        elif not agency.is_active_on(day):
            errors.append(ValidationError(MSG_SOURCE_NOT_ACTIVE, code="source_not_active", params=params))
        if allowed_types and agency.agency_type_id not in allowed_types:
            errors.append(ValidationError(MSG_SOURCE_WRONG_TYPE, code="source_wrong_type", params=params))
    busy = Agency.objects.filter(
        pk__in=[a.pk for a in sources], absorbing_mergers__status__in=OPEN_STATUSES + [MergerStatus.COMPLETED]
    )
    if exclude_merger is not None:
        busy = busy.exclude(absorbing_mergers=exclude_merger)
    for agency in busy.distinct():
        errors.append(
            ValidationError(MSG_SOURCE_IN_OTHER_MERGER, code="source_in_other_merger", params={"agency": agency.name})
        )
    return errors


def _add_stage(
    *,
    merger: Merger,
    status: str,
    on: datetime.date,
    note: str,
    user,
    decision: Decision | None = None,
    skipped: Sequence[str] = (),
    skip_reason: str = "",
) -> MergerStage:
    stage = MergerStage(
        merger=merger,
        status=status,
        on=on,
        note=note or "",
        decision=decision,
        skipped=list(skipped),
        skip_reason=(skip_reason or "").strip() if skipped else "",
        created_by=_real_user(user),
    )
    stage.save()
    return stage


def _last_stage_date(merger: Merger) -> datetime.date | None:
    return merger.stages.order_by("-on", "-id").values_list("on", flat=True).first()


def merger_create_errors(
    *,
    programme: Programme,
    district: District,
    source_agencies: Sequence[Agency],
    decision: Decision | None = None,
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    planned_on: datetime.date | None = None,
    planned_decision: Decision | None = None,
    note: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    source: str = "",
    user,
) -> dict[str, list]:
    """Field -> [ValidationError]: every rule `merger_create` checks, without writing anything.

    The form calls it too, so that an editor sees the service's refusals in the same round as
    the form's own (a missing decision number and a source of the wrong type together).
    """
    require_district(user, district)
    decision_number, note, source = nfc(decision_number), nfc(note), nfc(source)
    errors = bad_input_errors(
        dates={"decided_on": decided_on, "planned_on": planned_on},
        texts={"decision_number": decision_number, "source": source},
        multiline={"note": note},
    )
    if decision is not None:
        decided_on = decision.date
        if decided_on is None:
            errors["decision"] = [
                ValidationError(MSG_DECISION_UNDATED, code="undated", params={"number": decision.number})
            ]
    else:
        if not (decision_number or "").strip():
            errors.setdefault("decision_number", []).append(
                ValidationError(MSG_DECISION_NUMBER_REQUIRED, code="required")
            )
        elif len(decision_number.strip()) > 50:
            errors.setdefault("decision_number", []).append(
                ValidationError(_("Số quyết định tối đa 50 ký tự."), code="max_length")
            )
        if decided_on is None and "decided_on" not in errors:
            errors["decided_on"] = [ValidationError(MSG_DECISION_DATE_REQUIRED, code="required")]
    if errors.get("decided_on") or errors.get("decision") or decided_on is None:
        return errors  # nothing else can be checked without a date in range
    if not district.is_active_on(decided_on):
        errors["district"] = [
            ValidationError(
                MSG_DISTRICT_NOT_ACTIVE,
                code="district_not_active",
                params={"district": district.full_name, "date": fmt_date(decided_on)},
            )
        ]
    elif Merger.objects.filter(programme=programme, district=district).exclude(status=MergerStatus.CANCELLED).exists():
        errors["district"] = [
            ValidationError(MSG_MERGER_EXISTS, code="merger_exists", params={"district": district.full_name})
        ]
    source_errors = _source_errors(programme=programme, district=district, sources=source_agencies, day=decided_on)
    if source_errors:
        errors["source_agencies"] = source_errors
    if not errors.get("planned_on"):
        errors.update(_decision_not_after(planned_decision, planned_on or decided_on, "planned_decision"))
    return errors


MSG_STAGE_NOT_IN_PROGRAMME = _("Đề án này không có giai đoạn “%(stage)s” (các giai đoạn: %(stages)s).")


MSG_STAGE_SKIP_NEEDS_REASON = _("Bỏ qua giai đoạn %(stages)s của đề án: cần ghi lý do.")


def _stage_labels(stages) -> str:
    return ", ".join(f"“{MergerStatus(s).label}”" for s in stages)


def stage_rule(*, merger: Merger, target: str, skip_reason: str = "") -> tuple[list[str], dict]:
    """The programme's stages a move from the merger's stage to `target` goes past (without
    passing them), and the refusals: a stage the programme does not have, or a skip without a
    reason. A programme without stages sets no rule."""
    stages = list(merger.programme.stages or [])
    if not stages:
        return [], {}
    errors: dict[str, list] = {}
    if target not in stages:
        errors["status"] = [
            ValidationError(
                MSG_STAGE_NOT_IN_PROGRAMME,
                code="not_in_programme",
                params={"stage": MergerStatus(target).label, "stages": _stage_labels(stages)},
            )
        ]
        return [], errors
    here, there = STAGE_ORDER.index(merger.status), STAGE_ORDER.index(target)
    skipped = [s for s in stages if here < STAGE_ORDER.index(s) < there]
    if skipped and not (skip_reason or "").strip():
        errors["skip_reason"] = [
            ValidationError(
                MSG_STAGE_SKIP_NEEDS_REASON, code="skip_needs_reason", params={"stages": _stage_labels(skipped)}
            )
        ]
    return skipped, errors


@transaction.atomic
def merger_create(**arguments) -> Merger:
    """Plan a merger of two or more agencies of one district under a programme.

    It cites `decision` (an entry of the register, with a date), or the register's entry for
    `decision_number` and `decided_on` (created when there is none, as official as the merger:
    `source_kind`, `source`). `planned_on` dates the "planned" stage (default: the decision
    date); title unification often came years before the decision, so it may be earlier. The
    stage cites `planned_decision`, or the merger's decision when issued by then. Its arguments
    (keywords) and their rules are `merger_create_errors`'s: one signature for both.
    """
    plan = inspect.signature(merger_create_errors).bind(**arguments)  # TypeError as a signature gives
    plan.apply_defaults()
    a = plan.arguments
    programme, district, decision, user = a["programme"], a["district"], a["decision"], a["user"]
    decided_on, planned_on, planned_decision = a["decided_on"], a["planned_on"], a["planned_decision"]
    source_kind, source, note = a["source_kind"], nfc(a["source"]), nfc(a["note"])
    require_district(user, district)
    # Read the sources afresh (and lock them): callers may hold stale instances.
    sources = list(
        Agency.objects.select_for_update().filter(pk__in={s.pk for s in a["source_agencies"]}).order_by("pk")
    )
    errors = merger_create_errors(**{**a, "source_agencies": sources})
    if errors:
        raise ValidationError(errors)
    if decision is not None:
        decided_on = decision.date
    planned_on = planned_on or decided_on
    if decision is None:
        decision = decision_register(
            number=nfc(a["decision_number"]),
            date=decided_on,
            district=district,
            source=source,
            source_kind=source_kind,
            user=user,
        )
    merger = Merger(
        programme=programme,
        district=district,
        decision=decision,
        status=MergerStatus.PLANNED,
        source_kind=source_kind,
        source=source,
    )
    try:
        merger.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    try:
        with transaction.atomic():
            save_new_with_links(merger, {"source_agencies": sources})
    except IntegrityError as exc:  # a concurrent creation for the same programme and district
        raise ValidationError({"district": MSG_MERGER_EXISTS % {"district": district.full_name}}) from exc
    if planned_decision is None and decision.date <= planned_on:
        planned_decision = decision
    _add_stage(
        merger=merger, status=MergerStatus.PLANNED, on=planned_on, note=note, user=user, decision=planned_decision
    )
    return merger


merger_create.__signature__ = inspect.signature(merger_create_errors).replace(return_annotation=Merger)


def _lock(merger: Merger) -> Merger:
    return (
        Merger.objects.select_for_update()
        .select_related("programme__result_type", "district", "decision")
        .get(pk=merger.pk)
    )


def _refuse_closed(merger: Merger) -> None:
    if merger.status == MergerStatus.COMPLETED:
        raise MergerStateConflict({"status": ValidationError(MSG_ALREADY_COMPLETED, code="already_completed")})
    if merger.status == MergerStatus.CANCELLED:
        raise MergerStateConflict({"status": ValidationError(MSG_CANCELLED, code="cancelled")})


def _refuse_date_before_last(merger: Merger, on: datetime.date, field: str) -> None:
    last = _last_stage_date(merger)
    if last is not None and on < last:
        raise ValidationError(
            {
                field: ValidationError(
                    MSG_STAGE_DATE_BEFORE_LAST, code="date_before_last", params={"date": fmt_date(last)}
                )
            }
        )


@transaction.atomic
def merger_advance(
    *,
    merger: Merger,
    status: str,
    on: datetime.date,
    note: str = "",
    decision: Decision | None = None,
    skip_reason: str = "",
    user,
    expected_version: int | None = None,
) -> Merger:
    """Move an open merger forward to "titles unified" or "approved".

    The stage cites `decision` (issued on or before `on`); an approval cites the merger's own
    decision by default, when issued by then. When the programme lists its stages, the target
    must be one of them, and going past one needs `skip_reason` (recorded with the stage).
    """
    merger = _lock(merger)
    require_district(user, merger.district)
    note, skip_reason = nfc(note), nfc(skip_reason)
    refuse_bad_input(dates={"on": on}, multiline={"note": note, "skip_reason": skip_reason})
    _check_version(merger, expected_version)
    _refuse_closed(merger)
    if status in (MergerStatus.COMPLETED, MergerStatus.CANCELLED):
        raise ValidationError({"status": ValidationError(MSG_STAGE_USE_OPERATION, code="use_operation")})
    if status not in STAGE_ORDER or STAGE_ORDER.index(status) <= STAGE_ORDER.index(merger.status):
        raise ValidationError(
            {
                "status": ValidationError(
                    MSG_STAGE_NOT_FORWARD,
                    code="not_forward",
                    params={
                        "current": merger.get_status_display(),
                        "target": MergerStatus(status).label if status in MergerStatus.values else status,
                    },
                )
            }
        )
    _refuse_date_before_last(merger, on, "on")
    skipped, errors = stage_rule(merger=merger, target=status, skip_reason=skip_reason)
    errors.update(_decision_not_after(decision, on, "decision"))
    if errors:
        raise ValidationError(errors)
    if decision is None and status == MergerStatus.APPROVED and merger.decision.date <= on:
        decision = merger.decision
    merger.status = status
    merger.version += 1
    merger.save(update_fields=["status", "version", "updated_at"])
    _add_stage(
        merger=merger,
        status=status,
        on=on,
        note=note,
        user=user,
        decision=decision,
        skipped=skipped,
        skip_reason=skip_reason,
    )
    return merger


@transaction.atomic
def merger_cancel(
    *, merger: Merger, on: datetime.date, note: str = "", user, expected_version: int | None = None
) -> Merger:
    """Cancel an open merger; its sources become free for another merger."""
    merger = _lock(merger)
    require_district(user, merger.district)
    note = nfc(note)
    refuse_bad_input(dates={"on": on}, multiline={"note": note})
    _check_version(merger, expected_version)
    _refuse_closed(merger)
    _refuse_date_before_last(merger, on, "on")
    merger.status = MergerStatus.CANCELLED
    merger.version += 1
    merger.save(update_fields=["status", "version", "updated_at"])
    _add_stage(merger=merger, status=MergerStatus.CANCELLED, on=on, note=note, user=user)
    return merger


def default_result_name(merger: Merger) -> str:
    """ "Cơ quan Tổ chức - Nội vụ thành phố Hạ Long": the district's kind is lower-case inside a name."""
    with translation.override("vi"):  # a stored name, in Vietnamese whatever the editor's language
        full_name = merger.district.full_name
        return f"{merger.programme.result_type.name} {full_name[:1].lower()}{full_name[1:]}"


@dataclass
class Completion:
    """What completing a merger will do, as `validate_merger_complete` found it."""

    merger: Merger  # locked
    effective_on: datetime.date
    sources: list[Agency]  # locked; dissolved on the effective date
    result: Agency  # to be created (no pk yet) or linked
    decision: Decision  # cited by the completion, the sources' end and a new result's establishment
    skipped: list[str]  # the programme's stages gone past
    skip_reason: str
    note: str
    headcount_after: int | None
    actual_after: int | None
    headcount_source: str | None  # the result's record's source; None: no figure given


@transaction.atomic
def validate_merger_complete(
    *,
    merger: Merger,
    effective_on: datetime.date,
    headcount_after: int | None = None,
    actual_after: int | None = None,
    result_name: str | None = None,
    result_agency: Agency | None = None,
    headcount_source: str = "",
    note: str = "",
    decision: Decision | None = None,
    skip_reason: str = "",
    user,
    expected_version: int | None = None,
) -> Completion:
    """Every refusal `merger_complete` gives for these arguments, all in one ValidationError,
    writing nothing; else what the completion will do. The completion page's preview calls it,
    and `merger_complete` before it writes: the rules are written here only. It locks the
    merger and its sources for the rest of the caller's transaction."""
    merger = _lock(merger)
    require_district(user, merger.district)
    result_name, headcount_source, note = nfc(result_name), nfc(headcount_source), nfc(note)
    refuse_bad_input(
        dates={"effective_on": effective_on},
        counts={"headcount_after": headcount_after, "actual_after": actual_after},
        texts={"result_name": result_name, "headcount_source": headcount_source},
        multiline={"note": note, "skip_reason": skip_reason},
    )
    _check_version(merger, expected_version)
    _refuse_closed(merger)
    district = merger.district
    sources = list(merger.source_agencies.select_for_update().order_by("pk"))
    errors: dict[str, list] = {}

    if effective_on < merger.decided_on:
        errors["effective_on"] = [
            ValidationError(
                MSG_EFFECTIVE_BEFORE_DECISION, code="before_decision", params={"date": fmt_date(merger.decided_on)}
            )
        ]
    else:
        last = _last_stage_date(merger)
        if last is not None and effective_on < last:
            errors["effective_on"] = [
                ValidationError(MSG_STAGE_DATE_BEFORE_LAST, code="date_before_last", params={"date": fmt_date(last)})
            ]
    source_errors = _source_errors(
        programme=merger.programme, district=district, sources=sources, day=effective_on, exclude_merger=merger
    )
    if source_errors:
        errors["source_agencies"] = source_errors
    skipped, rule_errors = stage_rule(merger=merger, target=MergerStatus.COMPLETED, skip_reason=skip_reason)
    errors.update(rule_errors)
    errors.update(_decision_not_after(decision, effective_on, "decision"))
    decision = decision or merger.decision

    name = (result_name or "").strip()
    if result_agency is not None:
        if name:
            errors.setdefault("result_name", []).append(ValidationError(MSG_RESULT_NAME_AND_AGENCY, code="both"))
        if result_agency.district_id != district.id:
            errors.setdefault("result_agency", []).append(
                ValidationError(
                    MSG_RESULT_OTHER_DISTRICT, code="other_district", params={"district": district.full_name}
                )
            )
        elif result_agency.pk in {s.pk for s in sources}:
            errors.setdefault("result_agency", []).append(ValidationError(MSG_RESULT_IS_SOURCE, code="is_source"))
        elif not result_agency.is_active_on(effective_on):
            errors.setdefault("result_agency", []).append(
                ValidationError(MSG_RESULT_NOT_ACTIVE, code="not_active", params={"date": fmt_date(effective_on)})
            )
        result = result_agency
    else:
        result = Agency(
            district=district,
            agency_type=merger.programme.result_type,
            name=name or default_result_name(merger),
            established_on=effective_on,
            established_by=decision,
        )
        try:
            # The district and the type were read with the locked merger: no existence queries.
            # The one constraint (dissolved on or after established) holds: dissolved_on is empty.
            result.full_clean(exclude=["district", "agency_type"], validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault("result_name" if field == "name" else field, []).extend(messages)
        same = duplicate_agency(
            district=district, agency_type=result.agency_type, name=result.name, established_on=effective_on,
            dissolved_on=None,
        )  # fmt: skip
        if same is not None:
            errors.setdefault("result_name", []).append(duplicate_agency_error(same))

    source_text = None
    if headcount_after is not None or actual_after is not None:
        with translation.override("vi"):  # stored text, in Vietnamese whatever the editor's language
            source_text = str(headcount_source or _("Quyết định %(number)s") % {"number": merger.decision_number})
        for field, value in (("headcount_after", headcount_after), ("actual_after", actual_after)):
            if value is not None and value < 0:
                errors.setdefault(field, []).extend(count_errors(value))
        if not errors:  # the result's record, as headcount_record or headcount_update would check it
            errors.update(
                _validate_headcount(
                    agency=result,
                    as_of=effective_on,
                    authorised=headcount_after,
                    actual=actual_after,
                    source=source_text,
                )
            )
    if errors:
        raise ValidationError(errors)
    return Completion(
        merger=merger,
        effective_on=effective_on,
        sources=sources,
        result=result,
        decision=decision,
        skipped=skipped,
        skip_reason=skip_reason,
        note=note,
        headcount_after=headcount_after,
        actual_after=actual_after,
        headcount_source=source_text,
    )


@transaction.atomic
def merger_complete(*, headcount_source_kind: str = SourceKind.OFFICIAL, **arguments) -> Merger:
    """Complete a merger in one atomic step, once `validate_merger_complete(**arguments)`
    refuses nothing (its keywords: merger, effective_on, headcount_after, actual_after,
    result_name or result_agency, headcount_source, note, decision, skip_reason, user,
    expected_version); the result's headcount record is of `headcount_source_kind`.

    The merger row is locked, so two simultaneous completions produce one result. The
    sources are dissolved on `effective_on`; the result agency is created (named
    `result_name`, or after the programme's result type) or an existing one is linked; its
    headcount after the merger is recorded when given; the merger becomes completed. The
    completion cites `decision` (default: the merger's), and so do the sources' end and a new
    result's establishment. Going past a stage the programme lists needs `skip_reason`.
    """
    plan = validate_merger_complete(**arguments)
    merger, sources, result, decision, effective_on = (
        plan.merger, plan.sources, plan.result, plan.decision, plan.effective_on
    )  # fmt: skip
    user = arguments["user"]

    # The sources (locked) are dissolved by one UPDATE, and their history records, the same as
    # each save would make, by one INSERT.
    for source_agency in sources:
        source_agency.dissolved_on = effective_on
        source_agency.dissolved_by = decision
        source_agency.version += 1
    Agency.objects.filter(pk__in=[s.pk for s in sources]).update(
        dissolved_on=effective_on, dissolved_by=decision, version=F("version") + 1
    )
    Agency.history.bulk_history_create(sources, update=True, default_change_reason=history_reason())
    new_result = result.pk is None
    if new_result:
        result.save()
    if plan.headcount_source is not None:
        # A result created just now has no record yet.
        existing = None if new_result else HeadcountRecord.objects.filter(agency=result, as_of=effective_on).first()
        if existing is None:  # checked by validate_merger_complete, as headcount_record would, without its queries
            _headcount_insert(
                agency=result,
                as_of=effective_on,
                authorised=plan.headcount_after,
                actual=plan.actual_after,
                source=plan.headcount_source,
                source_kind=headcount_source_kind,
                concurrent=not new_result,
            )
        else:
            headcount_update(
                record=existing,
                authorised=plan.headcount_after,
                actual=plan.actual_after,
                source=plan.headcount_source,
                source_kind=headcount_source_kind,
                confirm=True,
                user=user,  # already checked on the merger's district, the result's
            )
    merger.status = MergerStatus.COMPLETED
    merger.effective_on = effective_on
    merger.result_agency = result
    merger.version += 1
    # Its programme, district and result were read (locked) or saved above; its constraints were
    # checked above (effective on or after the decision) or hold by construction (completed with
    # a result; one merger per programme and district since its creation); the database enforces
    # them all. Without these, full_clean costs 12 queries.
    merger.full_clean(exclude=["programme", "district", "result_agency"], validate_constraints=False)
    merger.save()
    _add_stage(
        merger=merger,
        status=MergerStatus.COMPLETED,
        on=effective_on,
        note=plan.note,
        user=user,
        decision=decision,
        skipped=plan.skipped,
        skip_reason=plan.skip_reason,
    )
    return merger
