"""Every write to agencies, programmes, mergers and headcounts.

Forms, the API, the admin and management commands all call these functions, so each rule
is written once. Each service is atomic, validates everything before it writes anything,
and refuses with a ValidationError whose keys name the offending field.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from districts.models import District
from districts.selectors import user_can_edit_district
from mergers.choices import OPEN_STATUSES, STAGE_ORDER, MergerStatus, SourceKind
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, MergerStage, Programme

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
MSG_HEADCOUNT_NOT_ACTIVE = _("Cơ quan “%(agency)s” không hoạt động vào ngày %(date)s.")
MSG_HEADCOUNT_EXISTS = _("Cơ quan “%(agency)s” đã có số liệu biên chế ngày %(date)s.")
MSG_HEADCOUNT_NO_FIGURE = _("Cần ít nhất một số liệu: biên chế được giao hoặc thực tế.")
MSG_NEGATIVE = _("Số liệu không được âm.")
MSG_SOURCE_REQUIRED = _("Cần ghi nguồn của số liệu.")
MSG_DISTRICT_NOT_ALLOWED = _("Bạn không có quyền biên tập số liệu của %(district)s.")
MSG_STALE_VERSION = _("Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại.")
MSG_SUCCESSOR_SELF = _("Một đơn vị không thể kế thừa chính nó.")
MSG_ALREADY_DISSOLVED = _("%(district)s đã giải thể ngày %(date)s.")


class MergerStateConflict(ValidationError):
    """The merger's state does not allow the operation (completed or cancelled): HTTP 409."""


class StaleVersion(ValidationError):
    """The record changed since the client read it: HTTP 409/412."""


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _require_district(user, district: District) -> None:
    if not user_can_edit_district(user, district):
        raise PermissionDenied(MSG_DISTRICT_NOT_ALLOWED % {"district": district.full_name})


def _check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleVersion(MSG_STALE_VERSION, code="stale")


# --- agencies ---------------------------------------------------------------------------


@transaction.atomic
def agency_create(
    *,
    district: District,
    agency_type: AgencyType,
    name: str,
    established_on: datetime.date | None = None,
    dissolved_on: datetime.date | None = None,
    user=None,
) -> Agency:
    _require_district(user, district)
    refuse_bad_input(dates={"established_on": established_on, "dissolved_on": dissolved_on}, texts={"name": name})
    agency = Agency(
        district=district,
        agency_type=agency_type,
        name=name,
        established_on=established_on,
        dissolved_on=dissolved_on,
    )
    agency.full_clean()
    agency.save()
    return agency


AGENCY_EDITABLE_FIELDS = ("agency_type", "name", "established_on", "dissolved_on")


@transaction.atomic
def agency_update(*, agency: Agency, data: dict, user=None, expected_version: int | None = None) -> Agency:
    """Change an agency's own fields. Its district never changes: create a new agency."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _require_district(user, agency.district)
    _check_version(agency, expected_version)
    refuse_bad_input(
        dates={f: data.get(f) for f in ("established_on", "dissolved_on")}, texts={"name": data.get("name")}
    )
    for field in AGENCY_EDITABLE_FIELDS:
        if field in data:
            setattr(agency, field, data[field])
    agency.full_clean()
    agency.version += 1
    agency.save()
    return agency


# --- programmes -------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    code: str,
    name: str,
    result_type: AgencyType,
    source_types: Iterable[AgencyType],
    name_en: str = "",
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    description: str = "",
    user=None,
) -> Programme:
    refuse_bad_input(
        dates={"decided_on": decided_on},
        texts={"code": code, "name": name, "name_en": name_en, "decision_number": decision_number},
        multiline={"description": description},
    )
    programme = Programme(
        code=code,
        name=name,
        name_en=name_en,
        decision_number=decision_number,
        decided_on=decided_on,
        description=description,
        result_type=result_type,
    )
    programme.full_clean()
    programme.save()
    programme.source_types.set(source_types)
    return programme


PROGRAMME_EDITABLE_FIELDS = ("name", "name_en", "decision_number", "decided_on", "description", "result_type")


@transaction.atomic
def programme_update(*, programme: Programme, data: dict, user=None, expected_version: int | None = None) -> Programme:
    """Change a programme; its code is its public identifier and never changes."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_version(programme, expected_version)
    refuse_bad_input(
        dates={"decided_on": data.get("decided_on")},
        texts={f: data.get(f) for f in ("name", "name_en", "decision_number")},
        multiline={"description": data.get("description")},
    )
    for field in PROGRAMME_EDITABLE_FIELDS:
        if field in data:
            setattr(programme, field, data[field])
    programme.full_clean()
    programme.version += 1
    programme.save()
    if "source_types" in data:
        programme.source_types.set(data["source_types"])
    return programme


# --- headcounts -------------------------------------------------------------------------


def _validate_headcount(*, agency: Agency, as_of: datetime.date, authorised, actual, source: str) -> dict:
    errors = bad_input_errors(
        dates={"as_of": as_of}, counts={"authorised": authorised, "actual": actual}, texts={"source": source}
    )
    if errors.get("as_of"):
        return errors  # a date out of range: nothing else can be checked against it
    if not agency.is_active_on(as_of):
        errors.setdefault("as_of", []).append(
            ValidationError(
                MSG_HEADCOUNT_NOT_ACTIVE, code="agency_not_active", params={"agency": agency.name, "date": _fmt(as_of)}
            )
        )
    if authorised is None and actual is None:
        errors.setdefault("authorised", []).append(ValidationError(MSG_HEADCOUNT_NO_FIGURE, code="no_figure"))
    for field, value in (("authorised", authorised), ("actual", actual)):
        if value is not None and value < 0:
            errors.setdefault(field, []).append(ValidationError(MSG_NEGATIVE, code="negative"))
    if not (source or "").strip():
        errors.setdefault("source", []).append(ValidationError(MSG_SOURCE_REQUIRED, code="required"))
    return errors


@transaction.atomic
def headcount_record(
    *,
    agency: Agency,
    as_of: datetime.date,
    authorised: int | None = None,
    actual: int | None = None,
    source: str,
    source_kind: str = SourceKind.OFFICIAL,
    user=None,
) -> HeadcountRecord:
    """Record an agency's headcount on a date (one record per agency per date)."""
    agency = Agency.objects.select_related("district").get(pk=agency.pk)
    _require_district(user, agency.district)
    errors = _validate_headcount(agency=agency, as_of=as_of, authorised=authorised, actual=actual, source=source)
    if HeadcountRecord.objects.filter(agency=agency, as_of=as_of).exists():
        errors.setdefault("as_of", []).append(
            ValidationError(MSG_HEADCOUNT_EXISTS, code="duplicate", params={"agency": agency.name, "date": _fmt(as_of)})
        )
    if errors:
        raise ValidationError(errors)
    record = HeadcountRecord(
        agency=agency,
        as_of=as_of,
        authorised=authorised,
        actual=actual,
        source=source.strip(),
        source_kind=source_kind,
    )
    record.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:  # a concurrent insert of the same agency and date
        raise ValidationError(
            {"as_of": ValidationError(MSG_HEADCOUNT_EXISTS % {"agency": agency.name, "date": _fmt(as_of)})}
        ) from exc
    return record


@transaction.atomic
def headcount_update(
    *,
    record: HeadcountRecord,
    authorised: int | None,
    actual: int | None,
    source: str,
    source_kind: str = SourceKind.OFFICIAL,
    user=None,
    expected_version: int | None = None,
) -> HeadcountRecord:
    """Correct a headcount record's figures (its agency and date never change)."""
    record = HeadcountRecord.objects.select_for_update().select_related("agency__district").get(pk=record.pk)
    _require_district(user, record.agency.district)
    _check_version(record, expected_version)
    errors = _validate_headcount(
        agency=record.agency, as_of=record.as_of, authorised=authorised, actual=actual, source=source
    )
    if errors:
        raise ValidationError(errors)
    record.authorised, record.actual = authorised, actual
    record.source, record.source_kind = source.strip(), source_kind
    record.full_clean()
    record.version += 1
    record.save()
    return record


# --- mergers ----------------------------------------------------------------------------


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
        params = {"agency": agency.name, "district": district.full_name, "date": _fmt(day)}
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


def _add_stage(*, merger: Merger, status: str, on: datetime.date, note: str, user) -> MergerStage:
    stage = MergerStage(merger=merger, status=status, on=on, note=note or "", created_by=_real_user(user))
    stage.save()
    return stage


def _real_user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _last_stage_date(merger: Merger) -> datetime.date | None:
    return merger.stages.order_by("-on", "-id").values_list("on", flat=True).first()


@transaction.atomic
def merger_create(
    *,
    programme: Programme,
    district: District,
    source_agencies: Sequence[Agency],
    decision_number: str,
    decided_on: datetime.date,
    planned_on: datetime.date | None = None,
    note: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    source: str = "",
    user=None,
) -> Merger:
    """Plan a merger of two or more agencies of one district under a programme.

    `planned_on` dates the "planned" stage (default: the decision date); title unification
    often came years before the decision, so it may be earlier.
    """
    _require_district(user, district)
    refuse_bad_input(
        dates={"decided_on": decided_on, "planned_on": planned_on},
        texts={"decision_number": decision_number, "source": source},
        multiline={"note": note},
    )
    # Read the sources afresh (and lock them): callers may hold stale instances.
    sources = list(Agency.objects.select_for_update().filter(pk__in={a.pk for a in source_agencies}).order_by("pk"))
    errors: dict[str, list] = {}
    if not district.is_active_on(decided_on):
        errors["district"] = [
            ValidationError(
                MSG_DISTRICT_NOT_ACTIVE,
                code="district_not_active",
                params={"district": district.full_name, "date": _fmt(decided_on)},
            )
        ]
    elif Merger.objects.filter(programme=programme, district=district).exclude(status=MergerStatus.CANCELLED).exists():
        errors["district"] = [
            ValidationError(MSG_MERGER_EXISTS, code="merger_exists", params={"district": district.full_name})
        ]
    source_errors = _source_errors(programme=programme, district=district, sources=sources, day=decided_on)
    if source_errors:
        errors["source_agencies"] = source_errors
    merger = Merger(
        programme=programme,
        district=district,
        decision_number=(decision_number or "").strip(),
        decided_on=decided_on,
        status=MergerStatus.PLANNED,
        source_kind=source_kind,
        source=source,
    )
    try:
        merger.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            merger.save()
    except IntegrityError as exc:  # a concurrent creation for the same programme and district
        raise ValidationError({"district": MSG_MERGER_EXISTS % {"district": district.full_name}}) from exc
    merger.source_agencies.set(sources)
    _add_stage(merger=merger, status=MergerStatus.PLANNED, on=planned_on or decided_on, note=note, user=user)
    return merger


def _lock(merger: Merger) -> Merger:
    return Merger.objects.select_for_update().select_related("programme__result_type", "district").get(pk=merger.pk)


def _refuse_closed(merger: Merger) -> None:
    if merger.status == MergerStatus.COMPLETED:
        raise MergerStateConflict({"status": ValidationError(MSG_ALREADY_COMPLETED, code="already_completed")})
    if merger.status == MergerStatus.CANCELLED:
        raise MergerStateConflict({"status": ValidationError(MSG_CANCELLED, code="cancelled")})


def _refuse_date_before_last(merger: Merger, on: datetime.date, field: str) -> None:
    last = _last_stage_date(merger)
    if last is not None and on < last:
        raise ValidationError(
            {field: ValidationError(MSG_STAGE_DATE_BEFORE_LAST, code="date_before_last", params={"date": _fmt(last)})}
        )


@transaction.atomic
def merger_advance(
    *,
    merger: Merger,
    status: str,
    on: datetime.date,
    note: str = "",
    user=None,
    expected_version: int | None = None,
) -> Merger:
    """Move an open merger forward to "titles unified" or "approved"."""
    merger = _lock(merger)
    _require_district(user, merger.district)
    refuse_bad_input(dates={"on": on}, multiline={"note": note})
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
    merger.status = status
    merger.version += 1
    merger.save(update_fields=["status", "version", "updated_at"])
    _add_stage(merger=merger, status=status, on=on, note=note, user=user)
    return merger


@transaction.atomic
def merger_cancel(
    *, merger: Merger, on: datetime.date, note: str = "", user=None, expected_version: int | None = None
) -> Merger:
    """Cancel an open merger; its sources become free for another merger."""
    merger = _lock(merger)
    _require_district(user, merger.district)
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
    """ "Cơ quan Tổ chức - Nội vụ Thành phố Hạ Long"."""
    with translation.override("vi"):  # a stored name, in Vietnamese whatever the editor's language
        return f"{merger.programme.result_type.name} {merger.district.full_name}"


@transaction.atomic
def merger_complete(
    *,
    merger: Merger,
    effective_on: datetime.date,
    headcount_after: int | None = None,
    actual_after: int | None = None,
    result_name: str | None = None,
    result_agency: Agency | None = None,
    headcount_source: str = "",
    headcount_source_kind: str = SourceKind.OFFICIAL,
    note: str = "",
    user=None,
    expected_version: int | None = None,
) -> Merger:
    """Complete a merger in one atomic step.

    The merger row is locked, so two simultaneous completions produce one result. The
    sources are dissolved on `effective_on`; the result agency is created (named
    `result_name`, or after the programme's result type) or an existing one is linked; its
    headcount after the merger is recorded when given; the merger becomes completed.
    """
    merger = _lock(merger)
    _require_district(user, merger.district)
    refuse_bad_input(
        dates={"effective_on": effective_on},
        counts={"headcount_after": headcount_after, "actual_after": actual_after},
        texts={"result_name": result_name, "headcount_source": headcount_source},
        multiline={"note": note},
    )
    _check_version(merger, expected_version)
    _refuse_closed(merger)
    district = merger.district
    sources = list(merger.source_agencies.select_for_update().order_by("pk"))
    errors: dict[str, list] = {}

    if effective_on < merger.decided_on:
        errors["effective_on"] = [
            ValidationError(
                MSG_EFFECTIVE_BEFORE_DECISION, code="before_decision", params={"date": _fmt(merger.decided_on)}
            )
        ]
    else:
        last = _last_stage_date(merger)
        if last is not None and effective_on < last:
            errors["effective_on"] = [
                ValidationError(MSG_STAGE_DATE_BEFORE_LAST, code="date_before_last", params={"date": _fmt(last)})
            ]
    source_errors = _source_errors(
        programme=merger.programme, district=district, sources=sources, day=effective_on, exclude_merger=merger
    )
    if source_errors:
        errors["source_agencies"] = source_errors

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
                ValidationError(MSG_RESULT_NOT_ACTIVE, code="not_active", params={"date": _fmt(effective_on)})
            )
        result = result_agency
    else:
        result = Agency(
            district=district,
            agency_type=merger.programme.result_type,
            name=name or default_result_name(merger),
            established_on=effective_on,
        )
        try:
            result.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault("result_name" if field == "name" else field, []).extend(messages)

    wants_headcount = headcount_after is not None or actual_after is not None
    if wants_headcount:
        with translation.override("vi"):  # stored text, in Vietnamese whatever the editor's language
            source_text = headcount_source or str(_("Quyết định %(number)s") % {"number": merger.decision_number})
        for field, value in (("headcount_after", headcount_after), ("actual_after", actual_after)):
            if value is not None and value < 0:
                errors.setdefault(field, []).append(ValidationError(MSG_NEGATIVE, code="negative"))
    if errors:
        raise ValidationError(errors)

    # Every check passed: write.
    for source_agency in sources:
        source_agency.dissolved_on = effective_on
        source_agency.version += 1
        source_agency.save(update_fields=["dissolved_on", "version"])
    if result.pk is None:
        result.save()
    if wants_headcount:
        existing = HeadcountRecord.objects.filter(agency=result, as_of=effective_on).first()
        if existing is not None:
            headcount_update(
                record=existing,
                authorised=headcount_after,
                actual=actual_after,
                source=str(source_text),
                source_kind=headcount_source_kind,
            )
        else:
            headcount_record(
                agency=result,
                as_of=effective_on,
                authorised=headcount_after,
                actual=actual_after,
                source=str(source_text),
                source_kind=headcount_source_kind,
            )
    merger.status = MergerStatus.COMPLETED
    merger.effective_on = effective_on
    merger.result_agency = result
    merger.version += 1
    merger.full_clean()
    merger.save()
    _add_stage(merger=merger, status=MergerStatus.COMPLETED, on=effective_on, note=note, user=user)
    return merger


# --- districts --------------------------------------------------------------------------


@transaction.atomic
def district_dissolve(*, district: District, on: datetime.date, successor: District | None, user=None) -> District:
    """Dissolve a district on `on` (exclusive) and end its agencies' activity that day.

    Its staff move to the successor's agencies: record their new headcounts there.
    """
    district = District.objects.select_for_update().get(pk=district.pk)
    _require_district(user, district)
    if district.dissolved_on is not None:
        raise ValidationError(
            {
                "dissolved_on": ValidationError(
                    MSG_ALREADY_DISSOLVED,
                    code="already_dissolved",
                    params={"district": district.full_name, "date": _fmt(district.dissolved_on)},
                )
            }
        )
    if successor is not None and successor.pk == district.pk:
        raise ValidationError({"successor": ValidationError(MSG_SUCCESSOR_SELF, code="self")})
    district.dissolved_on = on
    district.successor = successor
    district.full_clean()
    district.save()
    for agency in Agency.objects.filter(district=district, dissolved_on__isnull=True).select_for_update():
        agency.dissolved_on = on
        agency.version += 1
        agency.full_clean()
        agency.save(update_fields=["dissolved_on", "version"])
    return district


# --- issue 4: a district's headcounts on one date, all together or none ---------------------

MSG_HEADCOUNT_ROW_OTHER_DISTRICT = _("Cơ quan “%(agency)s” không thuộc %(district)s.")
MSG_HEADCOUNT_ROW_TWICE = _("Cơ quan “%(agency)s” có nhiều hơn một dòng.")
MSG_HEADCOUNT_NO_ROWS = _("Chưa nhập số liệu nào.")


@transaction.atomic
def headcount_record_many(
    *,
    district: District,
    as_of: datetime.date,
    rows: Sequence[dict],
    source: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    user=None,
) -> list[HeadcountRecord]:
    """Record the headcounts of several agencies of one district on one date, all or none.

    Each row is a dict with `agency`, `authorised`, `actual` and optionally `source`,
    `source_kind` (default: the arguments) and `expected_version`: the version of the
    agency's record on `as_of` that the user saw, 0 if he saw none; when given, a record
    created or changed meanwhile refuses the row instead of being overwritten. Every row is
    checked first; a refusal lists each bad row under the key "rows.<index>.<field>" (index
    into `rows`). An agency that already has a record on `as_of` has it corrected;
    otherwise a record is created.
    """
    _require_district(user, district)
    refuse_bad_input(dates={"as_of": as_of}, texts={"source": source})
    errors: dict[str, list] = {}
    existing = {
        r.agency_id: r
        for r in HeadcountRecord.objects.select_for_update().filter(
            agency__in=[row["agency"] for row in rows], as_of=as_of
        )
    }
    if not rows:
        errors["rows"] = [ValidationError(MSG_HEADCOUNT_NO_ROWS, code="no_rows")]
    seen: set[int] = set()
    for index, row in enumerate(rows):
        agency = row["agency"]
        row_source = row.get("source") or source
        row_errors: dict[str, list] = {}
        if agency.district_id != district.id:
            row_errors["agency"] = [
                ValidationError(
                    MSG_HEADCOUNT_ROW_OTHER_DISTRICT,
                    code="other_district",
                    params={"agency": agency.name, "district": district.full_name},
                )
            ]
        elif agency.pk in seen:
            row_errors["agency"] = [
                ValidationError(MSG_HEADCOUNT_ROW_TWICE, code="twice", params={"agency": agency.name})
            ]
        else:
            row_errors = _validate_headcount(
                agency=agency,
                as_of=as_of,
                authorised=row.get("authorised"),
                actual=row.get("actual"),
                source=row_source,
            )
            if "as_of" in row_errors:  # the agency, not the date, is what is wrong on that row
                row_errors["agency"] = row_errors.pop("as_of")
        expected = row.get("expected_version")
        current = existing[agency.pk].version if agency.pk in existing else 0
        if expected is not None and expected != current and "agency" not in row_errors:
            row_errors["agency"] = [ValidationError(MSG_STALE_VERSION, code="stale")]
        seen.add(agency.pk)
        for field, messages in row_errors.items():
            errors[f"rows.{index}.{field}"] = messages
    if errors:
        raise ValidationError(errors)

    saved = []
    for row in rows:
        agency = row["agency"]
        kwargs = {
            "authorised": row.get("authorised"),
            "actual": row.get("actual"),
            "source": row.get("source") or source,
            "source_kind": row.get("source_kind") or source_kind,
        }
        if agency.pk in existing:
            saved.append(headcount_update(record=existing[agency.pk], user=user, **kwargs))
        else:
            saved.append(headcount_record(agency=agency, as_of=as_of, user=user, **kwargs))
    return saved


# --- issue 7 (security): bad input is refused, whatever the entry point --------------------
# Forms, API, admin and import all reach these services: a date that date arithmetic or the
# reports cannot handle, a number beyond PostgreSQL's integer, a control character (NUL is
# refused by PostgreSQL in text) is a clear refusal on its field, never a 500.

MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)
MAX_COUNT = 2_147_483_647  # PostgreSQL's integer
MSG_DATE_OUT_OF_RANGE = _("Ngày phải trong khoảng từ 01/01/1900 đến 31/12/2100.")
MSG_TOO_LARGE = _("Số liệu quá lớn (tối đa 2.147.483.647).")
MSG_CONTROL_CHARACTER = _("Không được chứa ký tự điều khiển.")

_LINE_BREAKS = "\t\n\r"


def _has_control_character(text: str, *, multiline: bool) -> bool:
    return any((ord(char) < 32 and not (multiline and char in _LINE_BREAKS)) or 127 <= ord(char) < 160 for char in text)


def bad_input_errors(*, dates: dict | None = None, counts: dict | None = None, texts: dict | None = None,
                     multiline: dict | None = None) -> dict:  # fmt: skip
    """Field name -> [ValidationError] for values out of range or with control characters.

    `texts` are one-line texts (names, numbers, sources); `multiline` may hold line breaks and tabs.
    """
    errors: dict[str, list] = {}
    for field, value in (dates or {}).items():
        if value is not None and not (MIN_DATE <= value <= MAX_DATE):
            errors.setdefault(field, []).append(ValidationError(MSG_DATE_OUT_OF_RANGE, code="date_range"))
    for field, value in (counts or {}).items():
        if value is not None and value > MAX_COUNT:
            errors.setdefault(field, []).append(ValidationError(MSG_TOO_LARGE, code="too_large"))
    for kind, values in ((False, texts or {}), (True, multiline or {})):
        for field, value in values.items():
            if isinstance(value, str) and _has_control_character(value, multiline=kind):
                errors.setdefault(field, []).append(ValidationError(MSG_CONTROL_CHARACTER, code="control_character"))
    return errors


def refuse_bad_input(**kwargs) -> None:
    errors = bad_input_errors(**kwargs)
    if errors:
        raise ValidationError(errors)
