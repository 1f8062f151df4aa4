"""Headcount records: one, a district's on one date (all or none), and the plausibility warnings.

The warnings are for figures that are possible but unlikely: more people at work than the
agency's quota, or a jump of more than half between an agency's consecutive records (a typo such
as 150 for 15). They are not refused outright: the editor confirms them (`confirm=True`), on every
entry path.
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from core.dates import fmt_date
from core.errors import MSG_STALE_VERSION
from core.validation import (
    bad_input_errors,
    refuse_bad_input,
)
from districts.models import District
from districts.scope import require_district
from mergers.choices import (
    SourceKind,
)
from mergers.models import (
    Agency,
    HeadcountRecord,
)
from mergers.services.base import _check_version, count_errors, nfc

MSG_HEADCOUNT_NOT_ACTIVE = _("Cơ quan “%(agency)s” không hoạt động vào ngày %(date)s.")


MSG_HEADCOUNT_EXISTS = _("Cơ quan “%(agency)s” đã có số liệu biên chế ngày %(date)s.")


MSG_HEADCOUNT_NO_FIGURE = _("Cần ít nhất một số liệu: biên chế được giao hoặc thực tế.")


MSG_SOURCE_REQUIRED = _("Cần ghi nguồn của số liệu.")


def _validate_headcount(*, agency: Agency, as_of: datetime.date, authorised, actual, source: str) -> dict:
    errors = bad_input_errors(
        dates={"as_of": as_of}, counts={"authorised": authorised, "actual": actual}, texts={"source": source}
    )
    if errors.get("as_of"):
        return errors  # a date out of range: nothing else can be checked against it
    if not agency.is_active_on(as_of):
        errors.setdefault("as_of", []).append(
            ValidationError(
                MSG_HEADCOUNT_NOT_ACTIVE,
                code="agency_not_active",
                params={"agency": agency.name, "date": fmt_date(as_of)},
            )
        )
    if authorised is None and actual is None:
        errors.setdefault("authorised", []).append(ValidationError(MSG_HEADCOUNT_NO_FIGURE, code="no_figure"))
    for field, value in (("authorised", authorised), ("actual", actual)):
        if value is not None and value < 0:
            errors.setdefault(field, []).extend(count_errors(value))
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
    confirm: bool = False,
    user,
) -> HeadcountRecord:
    """Record an agency's headcount on a date (one record per agency per date).

    Implausible figures (see `headcount_warnings`) are refused with HeadcountWarnings unless
    `confirm` says the editor has seen the warnings and keeps the figures.
    """
    agency = Agency.objects.select_related("district").get(pk=agency.pk)
    require_district(user, agency.district)
    source = nfc(source)
    errors = _validate_headcount(agency=agency, as_of=as_of, authorised=authorised, actual=actual, source=source)
    if HeadcountRecord.objects.filter(agency=agency, as_of=as_of).exists():
        errors.setdefault("as_of", []).append(
            ValidationError(
                MSG_HEADCOUNT_EXISTS, code="duplicate", params={"agency": agency.name, "date": fmt_date(as_of)}
            )
        )
    if errors:
        raise ValidationError(errors)
    if not confirm:
        refuse_unconfirmed(headcount_warnings(agency=agency, as_of=as_of, authorised=authorised, actual=actual))
    return _headcount_insert(
        agency=agency, as_of=as_of, authorised=authorised, actual=actual, source=source, source_kind=source_kind
    )


def _headcount_insert(
    *, agency: Agency, as_of: datetime.date, authorised, actual, source: str, source_kind: str, concurrent: bool = True
) -> HeadcountRecord:
    """Insert a validated record (inside the caller's transaction). `agency` was just read, so its
    existence is not checked again, and the constraints were checked by `_validate_headcount` and
    the duplicate test (the database enforces them all). `concurrent=False`: no other transaction
    can insert the same agency and date (an agency created in this transaction), so no savepoint."""
    record = HeadcountRecord(
        agency=agency,
        as_of=as_of,
        authorised=authorised,
        actual=actual,
        source=source.strip(),
        source_kind=source_kind,
    )
    record.full_clean(exclude=["agency"], validate_constraints=False)
    if not concurrent:
        record.save()
        return record
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:  # a concurrent insert of the same agency and date
        raise ValidationError(
            {"as_of": ValidationError(MSG_HEADCOUNT_EXISTS % {"agency": agency.name, "date": fmt_date(as_of)})}
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
    confirm: bool = False,
    user,
    expected_version: int | None = None,
) -> HeadcountRecord:
    """Correct a headcount record's figures (its agency and date never change).

    Implausible figures are refused with HeadcountWarnings unless `confirm` (as headcount_record).
    """
    record = HeadcountRecord.objects.select_for_update().select_related("agency__district").get(pk=record.pk)
    require_district(user, record.agency.district)
    _check_version(record, expected_version)
    source = nfc(source)
    errors = _validate_headcount(
        agency=record.agency, as_of=record.as_of, authorised=authorised, actual=actual, source=source
    )
    if errors:
        raise ValidationError(errors)
    if not confirm:
        changed = {f for f, v in (("authorised", authorised), ("actual", actual)) if getattr(record, f) != v}
        refuse_unconfirmed(
            headcount_warnings(
                agency=record.agency, as_of=record.as_of, authorised=authorised, actual=actual, changed=changed
            )
        )
    record.authorised, record.actual = authorised, actual
    record.source, record.source_kind = source.strip(), source_kind
    # The agency was just read; the constraints (one record per agency and date: neither changes;
    # figures not negative, one at least, a source) were checked by _validate_headcount, and the
    # database enforces them: checking them again would cost 16 queries.
    record.full_clean(exclude=["agency"], validate_constraints=False)
    record.version += 1
    record.save()
    return record


@transaction.atomic
def headcount_delete(*, record: HeadcountRecord, user) -> None:
    """Delete a headcount record entered by mistake (the admin only; the history keeps it)."""
    record = HeadcountRecord.objects.select_for_update().select_related("agency__district").get(pk=record.pk)
    require_district(user, record.agency.district)
    record.delete()


MSG_HEADCOUNT_ROW_OTHER_DISTRICT = _("Cơ quan “%(agency)s” không thuộc %(district)s.")


MSG_HEADCOUNT_ROW_TWICE = _("Cơ quan “%(agency)s” có nhiều hơn một dòng.")


MSG_HEADCOUNT_NO_ROWS = _("Chưa nhập số liệu nào.")


def row_errors(error_dict: dict) -> tuple[dict[int, dict[str, list]], dict[str, list]]:
    """A refusal of `headcount_record_many` split into its rows' errors (index -> field ->
    errors, from the keys "rows.<index>.<field>") and the others (key -> errors)."""
    rows: dict[int, dict[str, list]] = {}
    others: dict[str, list] = {}
    for key, errors in error_dict.items():
        if key.startswith("rows."):
            _rows, index, field = key.split(".", 2)
            rows.setdefault(int(index), {})[field] = errors
        else:
            others[key] = errors
    return rows, others


@transaction.atomic
def validate_headcount_many(
    *,
    district: District,
    as_of: datetime.date,
    rows: Sequence[dict],
    source: str = "",
    confirm: bool = False,
    user,
) -> dict[int, HeadcountRecord]:
    """Every refusal `headcount_record_many` gives for these rows, writing nothing (then its
    warnings, HeadcountWarnings, unless `confirm`); else the records that exist on `as_of`, by
    agency id, locked for the rest of the caller's transaction. The workbook import checks a
    file with it even when some of its lines could not be read, so that every problem is listed
    at once."""
    require_district(user, district)
    source = nfc(source)
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
        row_source = nfc(row.get("source")) or source
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
    if not confirm:
        warnings: dict[str, list] = {}
        for index, row in enumerate(rows):
            row_warnings = headcount_warnings(
                agency=row["agency"], as_of=as_of, authorised=row.get("authorised"), actual=row.get("actual")
            )
            for field, messages in row_warnings.items():
                warnings[f"rows.{index}.{field}"] = messages
        refuse_unconfirmed(warnings)
    return existing


@transaction.atomic
def headcount_record_many(
    *,
    district: District,
    as_of: datetime.date,
    rows: Sequence[dict],
    source: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    confirm: bool = False,
    user,
) -> list[HeadcountRecord]:
    """Record the headcounts of several agencies of one district on one date, all or none.

    Each row is a dict with `agency`, `authorised`, `actual` and optionally `source`,
    `source_kind` (default: the arguments) and `expected_version`: the version of the
    agency's record on `as_of` that the user saw, 0 if he saw none; when given, a record
    created or changed meanwhile refuses the row instead of being overwritten. Every row is
    checked first (`validate_headcount_many`); a refusal lists each bad row under the key
    "rows.<index>.<field>" (index into `rows`; `row_errors` splits them). An agency that
    already has a record on `as_of` has it corrected; otherwise a record is created. When
    every row is valid, the rows' plausibility warnings (keyed the same way) refuse the whole
    entry with HeadcountWarnings unless `confirm`.
    """
    source = nfc(source)
    rows = [{**row, "source": nfc(row.get("source"))} if row.get("source") else row for row in rows]
    existing = validate_headcount_many(
        district=district, as_of=as_of, rows=rows, source=source, confirm=confirm, user=user
    )

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
            saved.append(headcount_update(record=existing[agency.pk], user=user, confirm=True, **kwargs))
        else:
            saved.append(headcount_record(agency=agency, as_of=as_of, user=user, confirm=True, **kwargs))
    return saved


MSG_ACTUAL_ABOVE_AUTHORISED = _("Số người làm việc thực tế (%(actual)s) lớn hơn biên chế được giao (%(authorised)s).")


MSG_BIG_CHANGE = _("%(measure)s thay đổi hơn một nửa so với số liệu ngày %(date)s: %(before)s → %(after)s.")


MSG_CONFIRM_WARNINGS = _(
    "Số liệu có điểm bất thường (xem cảnh báo). Hãy kiểm tra lại; nếu số liệu đúng, hãy xác nhận để lưu."
)


MEASURE_LABELS = {"authorised": _("Biên chế được giao"), "actual": _("Số người làm việc thực tế")}


class HeadcountWarnings(ValidationError):
    """Plausibility warnings, keyed by field like a refusal, plus "confirm": saved only once confirmed."""

    def warnings(self) -> dict[str, list[str]]:
        """The warnings alone (without the "confirm" request): field -> messages."""
        return {key: messages for key, messages in self.message_dict.items() if key != "confirm"}


def _big_change(before: int, after: int) -> bool:
    """More than half of the earlier figure (from 0, any rise)."""
    return abs(after - before) * 2 > before


def headcount_warnings(
    *,
    agency: Agency,
    as_of: datetime.date,
    authorised: int | None,
    actual: int | None,
    changed: set[str] | None = None,
) -> dict[str, list[ValidationError]]:
    """Field -> warnings for a record of `agency` on `as_of` with these figures.

    The neighbours are the agency's records just before and just after `as_of` (any record on
    `as_of` itself is the one being replaced). `changed` (a correction): only the figures it
    names are questioned, so that a figure confirmed before is not questioned again. One query.
    """
    warnings: dict[str, list] = {}
    if changed is not None and not changed:
        return warnings
    if authorised is not None and actual is not None and actual > authorised:
        warnings["actual"] = [
            ValidationError(
                MSG_ACTUAL_ABOVE_AUTHORISED,
                code="actual_above_authorised",
                params={"actual": actual, "authorised": authorised},
            )
        ]
    others = list(
        HeadcountRecord.objects.filter(agency=agency)
        .exclude(as_of=as_of)
        .order_by("as_of")
        .values_list("as_of", "authorised", "actual")
    )
    previous = [r for r in others if r[0] < as_of][-1:]
    following = [r for r in others if r[0] > as_of][:1]
    figures = {"authorised": authorised, "actual": actual}
    for index, field in ((1, "authorised"), (2, "actual")):
        value = figures[field]
        if value is None or (changed is not None and field not in changed):
            continue
        for neighbour, is_before in ((previous, True), (following, False)):
            if not neighbour or neighbour[0][index] is None:
                continue
            other = neighbour[0][index]
            before, after = (other, value) if is_before else (value, other)
            if _big_change(before, after):
                warnings.setdefault(field, []).append(
                    ValidationError(
                        MSG_BIG_CHANGE,
                        code="big_change",
                        params={
                            "measure": MEASURE_LABELS[field],
                            "date": fmt_date(neighbour[0][0]),
                            "before": before,
                            "after": after,
                        },
                    )
                )
    return warnings


def refuse_unconfirmed(warnings: dict) -> None:
    """Raise HeadcountWarnings (the warnings plus a request to confirm) when there are any."""
    if warnings:
        raise HeadcountWarnings({**warnings, "confirm": [ValidationError(MSG_CONFIRM_WARNINGS, code="unconfirmed")]})
