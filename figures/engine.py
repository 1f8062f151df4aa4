"""Every figure the application shows, defined once: the dashboard, the district pages, the
merger pages, the exports and the API all read through this module.

The rules, in the province's words:

- Valid on a day (districts and agencies): `districts.validity`.
- An agency's headcount on D: its latest record dated on or before D ("the day before" a
  merger: strictly before its effective date). Which measure: authorised (biên chế được
  giao) or actual (số người làm việc thực tế).
- Counted in a district's headcount on D: its agencies active on D whose type is in the
  district quota (the Labour Federation is not); only while the district itself is active.
- A sum is missing (None, "không có số liệu") when any of its parts is missing or when there
  is nothing to sum; never zero. The parts that are missing are named (`missing`).
- A figure is demo when any record it sums (or any merger it counts) is not official.
- A province's figure on D sums its districts active on D.
- Focal points (đầu mối) on D: the agencies active on D.
- A merger's reduction: its in-quota sources' headcount the day before it took effect minus
  its result's headcount on the effective date; a percentage divides by the former.
- A programme's reduction sums its completed mergers that have both figures (the others are
  counted in `mergers_without_data`); its percentage divides sums, never averages percentages.
  A merger of k agencies into one removes k - 1 focal points.
- A published aggregate (PublishedAggregate: a province-level figure of a programme from a
  published source, with its citation) describes the province on its date and holds until the
  programme's figures can next change (one of its mergers takes effect in the province, or a
  district starts or ends). While it holds, the programme's figures shown are the source's where
  it gives them (source kind published, never demo), the districts' sums elsewhere; a sum that
  disagrees with the source's figure is listed (`discrepancies`), never hidden. Each figure
  carries its source kind (`ProgrammeFigures.kinds`).
- Like-for-like: a district dissolved inside the period is folded into its successor, so
  that the successor's baseline includes it.
- The report period: baseline (default: the first decision) on or before as of (default:
  today); like-for-like unless asked otherwise.

There is no second copy of these rules (no summary table): everything is computed from the
agencies and their records by the queries below, a fixed number per report. tests/oracle.py
recomputes every figure in plain Python and tests/figures compare the two. Where a figure is
assembled a faster way than its definition reads (`district_days` sums `agency_day_rows` in
one statement, each record read once; a series reads the same parts by records' spans,
`_district_parts_by_spans`; `merger_derived` computes in Python what derives from
`merger_figures`, and `completed_merger_rows` sums the sources' records in Python; `compiled_rows`
runs a query compiled once with each call's values), tests/figures/test_fast_paths.py checks the
two against each other on varied data.
"""

import dataclasses
import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import prepared
from core.api.compiled import compiled_objects, compiled_rows
from districts.models import District, Province
from districts.validity import is_valid_on, valid_on_q
from mergers.choices import REAL_KINDS, MergerStatus, SourceKind
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, Programme, PublishedAggregate

# --- measures and source kinds ------------------------------------------------------------

MEASURES = ("authorised", "actual")
MEASURE_CHOICES = [("authorised", _("Biên chế được giao")), ("actual", _("Số người làm việc thực tế"))]
FAR_FUTURE = datetime.date(9999, 12, 31)

MSG_BAD_MEASURE = _("Chỉ tiêu phải là “authorised” (biên chế được giao) hoặc “actual” (số người làm việc thực tế).")
MSG_BASELINE_AFTER = _("Ngày gốc phải trước hoặc bằng ngày xem số liệu.")


def measure_field(measure: str) -> str:
    """The HeadcountRecord field holding `measure`; ValueError for anything else."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    return measure


def is_official(kind: str | None) -> bool:
    """Whether a record (or a merger's dates and number) of this source kind is real: official,
    or published (taken from the articles). Anything else (demo, synthetic) makes a figure demo."""
    return kind in REAL_KINDS


# The quota rule: an agency counts in a district's headcount when its type is in the district
# quota (the Labour Federation's is not). For an Agency queryset.
IN_QUOTA = Q(agency_type__in_district_quota=True)


def _demo_kind_q(field: str) -> Q:
    """SQL twin of `not is_official(kind)` for a kind that is present.

    One reference to `field` (COALESCE(kind, 'official') NOT IN the real kinds): when `field` is
    a correlated subquery, each reference is evaluated again for every row.
    """
    official = Value(SourceKind.OFFICIAL)
    return ~Q(In(Coalesce(F(field), official), list(REAL_KINDS)))


# --- sums with missing parts --------------------------------------------------------------


def complete_sum(total: int | None, parts: int, known: int) -> int | None:
    """The sum of `parts` values of which `known` are present: None unless all are, or if none."""
    if parts == 0 or known != parts:
        return None
    return total or 0


def complete_sum_sql(total, parts, known) -> Case:
    """`complete_sum` in SQL (tests/figures/test_rules.py checks that the two agree)."""
    return Case(
        When(Q(**{f"{parts}__gt": 0}) & Q(**{parts: F(known)}), then=Coalesce(F(total), Value(0))),
        default=None,
        output_field=IntegerField(),
    )


def sum_or_missing(values: Iterable[int | None]) -> int | None:
    values = list(values)
    present = [v for v in values if v is not None]
    return complete_sum(sum(present), len(values), len(present))


def minus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def pct(part: int | None, whole: int | None) -> float | None:
    """part / whole in percent, rounded to 2 decimals; None when either is missing or whole is 0."""
    if part is None or whole is None or whole == 0:
        return None
    return round(part * 100.0 / whole, 2)


# --- one agency ---------------------------------------------------------------------------


def _record_on(agency_ref, on, *, strictly_before: bool = False):
    lookup = "as_of__lt" if strictly_before else "as_of__lte"
    return HeadcountRecord.objects.filter(agency=agency_ref, **{lookup: on}).order_by("-as_of")


def headcount_on(*, agency_ref, on, measure: str = "authorised", strictly_before: bool = False) -> Subquery:
    """The agency's `measure` from its latest record on (or strictly before) `on`; NULL without one.

    `agency_ref` and `on` may be values or outer references.
    """
    return Subquery(
        _record_on(agency_ref, on, strictly_before=strictly_before).values(measure_field(measure))[:1],
        output_field=IntegerField(),
    )


def record_kind_on(*, agency_ref, on, strictly_before: bool = False) -> Subquery:
    """The source kind of the record `headcount_on` reads."""
    return Subquery(_record_on(agency_ref, on, strictly_before=strictly_before).values("source_kind")[:1])


# --- districts on a day -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AgencyRef:
    """An agency named in a figure's explanation (which record is missing)."""

    id: int
    name: str
    district: str  # GSO code


@dataclasses.dataclass(frozen=True)
class DayFigure:
    """A district's (or a sum of districts') figures on one day.

    `active`: the district existed that day (False: every figure is None, by definition
    rather than for want of data). `headcount`: the sum over counted agencies, None when one
    lacks a record (named in `missing`) or when there is none to count (`counted` == 0).
    `agencies`: focal points. `demo`: the headcount shown sums a record that is not official.
    """

    on: datetime.date
    active: bool
    headcount: int | None = None
    agencies: int | None = None
    counted: int = 0
    demo: bool = False
    missing: tuple[AgencyRef, ...] = ()
    empty_districts: tuple[str, ...] = ()  # active districts with no agency to count

    @property
    def is_missing(self) -> bool:
        return self.active and self.headcount is None


def _inactive(day: datetime.date) -> DayFigure:
    return DayFigure(on=day, active=False)


def _agencies_on(day: datetime.date, district_ids: Sequence[int]):
    """The agencies of `district_ids` active on `day`, with their district, the day and whether
    they count in the quota (`_district`, `_on`, `_counted`): the rows a district's figures sum."""
    return Agency.objects.filter(valid_on_q(day), district_id__in=district_ids).annotate(
        _district=F("district_id"),
        _on=Value(day, output_field=DateField()),
        _counted=ExpressionWrapper(IN_QUOTA, output_field=BooleanField()),
    )


def agency_day_rows(day: datetime.date, measure: str, district_ids: Sequence[int]):
    """The parts of a district's figures on `day`, one row per agency active that day:
    (district id, day, counted in the quota, its `measure` (None: no record), its record is demo).

    `district_days` sums these rows by district; tests/figures/test_rules.py checks that its
    sums equal `complete_sum` and `total_of`'s rules over these rows read one by one. Each row
    reads the agency's record through two correlated subqueries (the figure and its kind).
    """
    return (
        _agencies_on(day, district_ids)
        .annotate(
            _hc=headcount_on(agency_ref=OuterRef("pk"), on=day, measure=measure),
            _kind=record_kind_on(agency_ref=OuterRef("pk"), on=day),
            _demo=ExpressionWrapper(_demo_kind_q("_kind"), output_field=BooleanField()),
        )
        .order_by()
        .values_list("_district", "_on", "_counted", "_hc", "_demo")
    )


# A record's source, in three classes: real and official, real and published (the articles),
# not real (demo, synthetic: `is_official` is false). `_record_packed_on` packs it with the figure.
OFFICIAL_CLASS, PUBLISHED_CLASS, DEMO_CLASS = 0, 1, 2
_PACK = 4


def _record_packed_on(*, agency_ref, on, measure: str, strictly_before: bool = False) -> Subquery:
    """`headcount_on` and the class of that record's source, read by one index lookup instead of
    two: `measure` × 4 plus the class (`record_kind_on`'s kind, by the `_demo_kind_q` rule); NULL
    when the agency has no record then or the record lacks `measure`. Figures are never negative
    (a database constraint), so `unpack` gives both back (and `value / 4`, `value % 4` in SQL)."""
    kind_class = Case(
        When(source_kind=SourceKind.PUBLISHED, then=Value(PUBLISHED_CLASS)),
        When(_demo_kind_q("source_kind"), then=Value(DEMO_CLASS)),
        default=Value(OFFICIAL_CLASS),
        output_field=IntegerField(),
    )
    return Subquery(
        _record_on(agency_ref, on, strictly_before=strictly_before)
        .annotate(_packed=F(measure_field(measure)) * _PACK + kind_class)
        .values("_packed")[:1],
        output_field=IntegerField(),
    )


def unpack(packed: int | None) -> tuple[int | None, int | None]:
    """(figure, source class) from `_record_packed_on`'s value; (None, None) for NULL."""
    return (None, None) if packed is None else divmod(packed, _PACK)


def _packed_day_rows(day: datetime.date, measure: str, district_ids: Sequence[int]):
    """`agency_day_rows` with the figure and its source's class packed in one column (`_packed`,
    see `_record_packed_on`): (district id, day, counted in the quota, packed). What
    `_district_parts` sums; tests/figures/test_fast_paths.py checks its sums against the rows."""
    return (
        _agencies_on(day, district_ids)
        .annotate(_packed=_record_packed_on(agency_ref=OuterRef("pk"), on=day, measure=measure))
        .order_by()
        .values_list("_district", "_on", "_counted", "_packed")
    )


def _missing_parts(day: datetime.date, measure: str, district_ids: Sequence[int]):
    """The counted agencies without a `measure` on `day`."""
    return (
        Agency.objects.filter(IN_QUOTA, valid_on_q(day), district_id__in=district_ids)
        .annotate(
            _hc=headcount_on(agency_ref=OuterRef("pk"), on=day, measure=measure),
            _on=Value(day, output_field=DateField()),
        )
        .filter(_hc__isnull=True)
        .order_by()
        .values_list("district_id", "_on", "pk", "name")
    )


# A day no record, agency or district carries: the placeholder of a query compiled once and
# run for many days (`_for_days`).
_ANY_DAY = datetime.date(1, 1, 2)
_FOR_DAYS: dict[tuple, tuple] = {}
_FOR_DAYS_MAX = 512  # shapes kept; beyond, compiled each time


def _for_days(build, days: Sequence[datetime.date], key: tuple) -> tuple[str, list]:
    """`build(day)` for each of `days` as one UNION ALL, compiled by the ORM once (compiling
    the same queryset for each of 120 days of a series cost more than running it): the SQL of
    `build(_ANY_DAY)`, its parameters with `_ANY_DAY` replaced by each day in turn. The SQL of
    `build` depends on `key` alone (with everything `build` reads but the day), and is kept per
    key (`_FOR_DAYS`): a report asked again compiles nothing."""
    cache_key = (connection.vendor, connection.alias, "for_days", key)
    compiled = _FOR_DAYS.get(cache_key)
    if compiled is None:
        compiled = build(_ANY_DAY).query.sql_with_params()
        if len(_FOR_DAYS) < _FOR_DAYS_MAX:
            _FOR_DAYS[cache_key] = compiled
    sql, params = compiled
    placeholders = {_ANY_DAY: lambda d: d, _ANY_DAY.isoformat(): lambda d: d.isoformat()}  # SQLite: text
    all_params = []
    for day in days:
        all_params.extend(placeholders[p](day) if _is_placeholder(p) else p for p in params)
    return " UNION ALL ".join([sql] * len(days)), all_params


def _is_placeholder(param) -> bool:
    return (isinstance(param, datetime.date) and param == _ANY_DAY) or param == _ANY_DAY.isoformat()


def _fenced(sql: str) -> str:
    """`sql` as a derived table that the planner evaluates once, row by row: without the fence,
    PostgreSQL pulls a simple subquery up and evaluates its correlated subqueries again for
    each reference to their column."""
    return f"({sql} {'OFFSET 0' if connection.vendor == 'postgresql' else 'LIMIT -1 OFFSET 0'})"


def _district_parts(days: Sequence[datetime.date], measure: str, district_ids: Sequence[int]) -> list[tuple]:
    """(district id, day, agencies, counted, known, total, demo) per district with active
    agencies on each day: `agency_day_rows` summed by district, each agency's record read once
    (`_packed_day_rows`). One query. `demo`: a counted figure read is demo (a record without the
    measure leaves the headcount missing, and a missing figure is never demo)."""
    rows_sql, params = _for_days(
        lambda day: _packed_day_rows(day, measure, district_ids), days, ("packed", measure, tuple(district_ids))
    )
    sql = (
        'SELECT "_district", "_on", COUNT(*), '
        'SUM(CASE WHEN "_counted" THEN 1 ELSE 0 END), '
        'SUM(CASE WHEN "_counted" AND "_packed" IS NOT NULL THEN 1 ELSE 0 END), '
        f'SUM(CASE WHEN "_counted" THEN "_packed" / {_PACK} END), '
        f'MAX(CASE WHEN "_counted" AND "_packed" %% {_PACK} = {DEMO_CLASS} THEN 1 ELSE 0 END) '  # %%: a % in SQL
        f'FROM {_fenced(rows_sql)} AS "_rows" GROUP BY "_district", "_on"'
    )
    with connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, params)
        return cursor.fetchall()


def _district_parts_by_spans(days: Sequence[datetime.date], measure: str, district_ids: Sequence[int]) -> list[tuple]:
    """`_district_parts`' rows read another way, for a series of many days: each record holds
    from its date until the agency's next record, so the record an agency has on a day is the
    one whose span covers it. One join for every agency and day, where `agency_day_rows` looks
    the record up twice per agency and day, and one statement to plan rather than one per day
    (a province's series of 25 days spent longer planning than running).
    tests/figures/test_fast_paths.py checks its rows against `_district_parts`' on varied data."""
    if not days or not district_ids:
        return []
    ops, q = connection.ops, connection.ops.quote_name
    agency, record, kind = Agency._meta.db_table, HeadcountRecord._meta.db_table, AgencyType._meta.db_table
    ids = ", ".join(["%s"] * len(district_ids))
    day_rows = " UNION ALL ".join(["SELECT %s AS day"] * len(days))
    official = ", ".join(["%s"] * len(REAL_KINDS))
    # The validity rule (districts.validity) and the demo rule (`_demo_kind_q`), as the rows read them.
    sql = f"""
        WITH days AS ({day_rows}),
        spans AS (
            SELECT r.agency_id, r.as_of, r.{q(measure_field(measure))} AS value, r.source_kind,
                   LEAD(r.as_of) OVER (PARTITION BY r.agency_id ORDER BY r.as_of) AS until
            FROM {q(record)} r INNER JOIN {q(agency)} a ON a.id = r.agency_id
            WHERE a.district_id IN ({ids}) AND r.as_of <= %s
        )
        SELECT a.district_id, days.day, COUNT(*),
               SUM(CASE WHEN t.in_district_quota THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.in_district_quota AND s.value IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.in_district_quota THEN s.value END),
               MAX(CASE WHEN t.in_district_quota AND s.value IS NOT NULL
                         AND COALESCE(s.source_kind, %s) NOT IN ({official}) THEN 1 ELSE 0 END)
        FROM days
        INNER JOIN {q(agency)} a ON (a.established_on IS NULL OR a.established_on <= days.day)
            AND (a.dissolved_on IS NULL OR a.dissolved_on > days.day)
        INNER JOIN {q(kind)} t ON t.id = a.agency_type_id
        LEFT JOIN spans s ON s.agency_id = a.id AND s.as_of <= days.day AND (s.until IS NULL OR s.until > days.day)
        WHERE a.district_id IN ({ids})
        GROUP BY a.district_id, days.day
    """
    adapted = [ops.adapt_datefield_value(day) for day in days]
    params = [
        *adapted,
        *district_ids,
        ops.adapt_datefield_value(max(days)),
        SourceKind.OFFICIAL,
        *REAL_KINDS,
        *district_ids,
    ]
    with connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, params)
        return cursor.fetchall()


def _missing_rows(days: Sequence[datetime.date], measure: str, district_ids: Sequence[int]) -> list[tuple]:
    sql, params = _for_days(
        lambda day: _missing_parts(day, measure, district_ids), days, ("missing", measure, tuple(district_ids))
    )
    with connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, params)
        return cursor.fetchall()


# SQLite allows 500 terms in one compound SELECT; a series has at most SERIES_MAX_POINTS dates.
_UNION_CHUNK = 200


def district_days(
    days: Sequence[datetime.date],
    *,
    districts: Sequence[District],
    measure: str = "authorised",
    with_missing: bool = True,
    parts_of=None,
    missing_on: Iterable[datetime.date] | None = None,
) -> dict[tuple[int, datetime.date], DayFigure]:
    """{(district pk, day): DayFigure} for every district and day given.

    One query for the figures (and, when a figure is missing, one naming the agencies that
    lack a record), whatever the number of districts and days (up to 200 days a query).
    `parts_of`: how the figures' parts are read, `_district_parts` unless given (a series
    reads them by `_district_parts_by_spans`). `missing_on`: the days whose missing agencies
    are named, when not all of them (a report's two dates among its series' days); on the
    others a figure is missing all the same, its `missing` left empty.
    """
    parts_of = parts_of or _district_parts
    days = sorted(set(days))
    named = set(days) if missing_on is None else set(missing_on)
    ids = [d.pk for d in districts]
    parts: dict[tuple[int, datetime.date], tuple] = {}
    missing: dict[tuple[int, datetime.date], list[AgencyRef]] = {}
    codes = {d.pk: d.code for d in districts}
    if ids and days:
        for start in range(0, len(days), _UNION_CHUNK):
            chunk = days[start : start + _UNION_CHUNK]
            incomplete = set()
            for district_id, on, *row in parts_of(chunk, measure, ids):
                on = _as_date(on)
                parts[(district_id, on)] = row
                if row[1] != row[2] and on in named:  # counted != known
                    incomplete.add(on)
            if with_missing and incomplete:
                for district_id, on, pk, name in _missing_rows(sorted(incomplete), measure, ids):
                    missing.setdefault((district_id, _as_date(on)), []).append(
                        AgencyRef(id=pk, name=name, district=codes[district_id])
                    )
    out = {}
    for district in districts:
        pk = district.pk
        for day in days:
            if not district.is_active_on(day):
                out[(pk, day)] = _inactive(day)
                continue
            agencies, counted, known, total, demo = parts.get((pk, day), (0, 0, 0, None, 0))
            headcount = complete_sum(total, counted, known)
            out[(pk, day)] = DayFigure(
                on=day,
                active=True,
                headcount=headcount,
                agencies=agencies,
                counted=counted,
                demo=bool(demo) and headcount is not None,
                missing=_named(missing.get((pk, day))),
                empty_districts=(district.code,) if counted == 0 else (),
            )
    return out


def _named(agencies: list[AgencyRef] | None) -> tuple[AgencyRef, ...]:
    """The agencies a figure lacks, by name."""
    return tuple(sorted(agencies, key=lambda a: (a.name, a.id))) if agencies else ()


def _as_date(value) -> datetime.date:
    # SQLite returns a constant date column of a compound SELECT as text.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def total_of(figures: Iterable[DayFigure], *, on: datetime.date) -> DayFigure:
    """The sum of districts' figures on one day: over those active, missing if any is."""
    active = [f for f in figures if f.active]
    if not active:
        return _inactive(on)
    headcount = sum_or_missing(f.headcount for f in active)
    return DayFigure(
        on=on,
        active=True,
        headcount=headcount,
        agencies=sum(f.agencies or 0 for f in active),
        counted=sum(f.counted for f in active),
        demo=headcount is not None and any(f.demo for f in active),
        missing=tuple(a for f in active for a in f.missing),
        empty_districts=tuple(c for f in active for c in f.empty_districts),
    )


# --- series over time ---------------------------------------------------------------------

SERIES_MAX_POINTS = 120


@dataclasses.dataclass(frozen=True)
class SeriesPoint:
    on: datetime.date
    headcount: int | None
    is_demo: bool
    active: bool = True


def thin_dates(dates: list[datetime.date], limit: int) -> list[datetime.date]:
    """At most `limit` of `dates` (sorted), evenly spaced by position, first and last kept."""
    if len(dates) <= limit:
        return list(dates)
    step = (len(dates) - 1) / (limit - 1)
    return sorted({dates[round(i * step)] for i in range(limit)})


def change_dates(start: datetime.date, end: datetime.date, *, districts: Sequence[District]) -> list[datetime.date]:
    """`start`, `end` and every date strictly between on which a figure of these districts can
    change: a record takes effect, an agency or one of the districts starts or ends."""
    ids = [d.pk for d in districts]
    dates = [day for (day,) in compiled_rows(("change_dates",), _change_dates_query, start=start, end=end, ids=ids)]
    district_dates = {
        day for d in districts for day in (d.established_on, d.dissolved_on) if day is not None and start < day < end
    }
    return sorted({start, end, *dates, *district_dates})


def _change_dates_query(start, end, ids):
    """The dates strictly between `start` and `end` on which a record of the districts `ids` takes
    effect or one of their agencies starts or ends (`change_dates`, compiled once)."""
    agencies = Agency.objects.filter(district_id__in=ids)
    return (
        HeadcountRecord.objects.filter(agency__district_id__in=ids, as_of__gt=start, as_of__lt=end)
        .order_by()
        .values_list("as_of")
        .union(
            agencies.filter(established_on__gt=start, established_on__lt=end).order_by().values_list("established_on"),
            agencies.filter(dissolved_on__gt=start, dissolved_on__lt=end).order_by().values_list("dissolved_on"),
        )
    )


def series_dates(start, end, *, districts, dates=None) -> list[datetime.date]:
    """The dates of a series: `dates`, or every change date in [start, end]; at most SERIES_MAX_POINTS."""
    if dates is None:
        dates = change_dates(min(start, end), max(start, end), districts=districts)
    return thin_dates(sorted(dates), SERIES_MAX_POINTS)


def headcount_series(
    *,
    start: datetime.date,
    end: datetime.date,
    districts: Sequence[District],
    measure: str = "authorised",
    dates: list[datetime.date] | None = None,
) -> list[SeriesPoint]:
    """The summed headcount of `districts` on every date it can change in [start, end].

    The same figures as the staffing table, date by date (`district_days` and `total_of`).
    Two queries. Beyond SERIES_MAX_POINTS change dates, an evenly spaced selection.
    """
    districts = list(districts)
    dates, figures = series_figures(start, end, districts=districts, measure=measure, dates=dates)
    return series_points(dates, districts=districts, figures=figures)


def series_figures(
    start: datetime.date,
    end: datetime.date,
    *,
    districts: Sequence[District],
    measure: str = "authorised",
    dates: list[datetime.date] | None = None,
    named: Sequence[datetime.date] = (),
) -> tuple[list[datetime.date], dict[tuple[int, datetime.date], DayFigure]]:
    """The dates of a series (`series_dates`: `start` and `end` among them) and the districts'
    `district_days` figures on each, their parts read by records' spans; the missing agencies
    are named on the days `named` only (a report's two dates). One query for the figures."""
    dates = series_dates(start, end, districts=districts, dates=dates)
    if not dates or not districts:
        return [], {}
    figures = district_days(
        dates,
        districts=districts,
        measure=measure,
        with_missing=bool(named),
        parts_of=_district_parts_by_spans,
        missing_on=named,
    )
    return dates, figures


def series_points(dates: Sequence[datetime.date], *, districts: Sequence[District], figures: dict) -> list[SeriesPoint]:
    """The series of `districts` on `dates` from their `district_days` figures: each day's total."""
    points = []
    for day in dates:
        total = total_of((figures[(d.pk, day)] for d in districts), on=day)
        points.append(SeriesPoint(on=day, headcount=total.headcount, is_demo=total.demo, active=total.active))
    return points


# --- like-for-like ------------------------------------------------------------------------


def fold_day(into: DayFigure, other: DayFigure) -> DayFigure:
    """`into` with `other` added, as one district: the sum rule of `total_of`."""
    return total_of([into, other], on=into.on)


# --- mergers ------------------------------------------------------------------------------


def merger_figures(measure: str = "authorised") -> dict:
    """Annotations for a Merger queryset, each computed once per merger: `headcount_before`,
    `headcount_after`, `sources_count`, `before_demo` (a record the sources' figure sums is
    not official) and `after_kind` (the kind of the result's record).

    Before: the in-quota sources' headcount strictly before the effective date (an open
    merger: their latest); after: the result's headcount on the effective date. What derives
    from them (`reduction`, `reduction_pct`, `figures_demo`) is `merger_derived`, in Python:
    in SQL, each reference to `headcount_before` evaluated its subquery again (five times a
    row). `with_merger_figures` applies both.
    """
    effective = Coalesce(OuterRef(OuterRef("effective_on")), Value(FAR_FUTURE, output_field=DateField()))
    sources = Agency.objects.filter(IN_QUOTA, absorbing_mergers=OuterRef("pk"))
    before_rows = (
        sources.annotate(
            _hc=headcount_on(agency_ref=OuterRef("pk"), on=effective, measure=measure, strictly_before=True)
        )
        .order_by()
        .values("absorbing_mergers")
        .annotate(_total=Sum("_hc"), _parts=Count("pk"), _known=Count("_hc"))
        .annotate(_value=complete_sum_sql("_total", "_parts", "_known"))
        .values("_value")
    )
    before_demo = Exists(
        sources.annotate(_kind=record_kind_on(agency_ref=OuterRef("pk"), on=effective, strictly_before=True)).filter(
            _demo_kind_q("_kind")
        )
    )
    after_kind = Subquery(
        HeadcountRecord.objects.filter(agency=OuterRef("result_agency"), as_of__lte=OuterRef("effective_on"))
        .order_by("-as_of")
        .values("source_kind")[:1]
    )
    sources_count = Subquery(
        Merger.source_agencies.through.objects.filter(merger=OuterRef("pk"))
        .order_by()
        .values("merger")
        .annotate(c=Count("pk"))
        .values("c"),
        output_field=IntegerField(),
    )
    return {
        "headcount_before": Subquery(before_rows, output_field=IntegerField()),
        "headcount_after": headcount_on(
            agency_ref=OuterRef("result_agency"), on=OuterRef("effective_on"), measure=measure
        ),
        "sources_count": Coalesce(sources_count, Value(0)),
        "before_demo": before_demo,
        "after_kind": after_kind,
    }


def records_read_by_mergers_sql(records: Sequence[tuple[int, str]]) -> tuple[str, list]:
    """An SQL condition true when some merger's figures (`merger_figures`) may read one of the
    headcount `records` ((agency id, ISO date) pairs), and its parameters: the record of a
    source dated strictly before the merger's effective date (an open merger: any date), or of
    its result dated on or before it. Wider than what is read (every source, in the quota or
    not; any such record, the latest or not): where it is false, no merger's figures change
    (tests/figures/test_merger_records.py). core.readcache renews the merger figures' stamp by it."""
    merger = Merger._meta.db_table
    sources = Merger.source_agencies.through._meta.db_table
    one = (
        f"EXISTS (SELECT 1 FROM {merger} m WHERE m.result_agency_id = %s AND m.effective_on >= %s) OR "  # noqa: S608 (constants)
        f"EXISTS (SELECT 1 FROM {sources} s JOIN {merger} m ON m.id = s.merger_id "
        "WHERE s.agency_id = %s AND (m.effective_on IS NULL OR m.effective_on > %s))"
    )
    params = []
    for agency, day in records:
        params.extend((agency, day, agency, day))
    return "(" + " OR ".join([one] * len(records)) + ")", params


@dataclasses.dataclass(frozen=True)
class MergerDerived:
    reduction: int | None
    reduction_pct: float | None
    figures_demo: bool


def merger_derived(
    *, headcount_before: int | None, headcount_after: int | None, source_kind: str, before_demo: bool, after_kind
) -> MergerDerived:
    """A merger's reduction (before − after), its percentage of before, and whether its figures
    are demo: its dates and number are, or a record a figure shown sums is."""
    reduction = minus(headcount_before, headcount_after)
    demo = (
        not is_official(source_kind)
        or (headcount_before is not None and bool(before_demo))
        or (headcount_after is not None and not is_official(after_kind or SourceKind.OFFICIAL))
    )
    return MergerDerived(reduction=reduction, reduction_pct=pct(reduction, headcount_before), figures_demo=demo)


def merger_order_aliases() -> dict:
    """`reduction` and `reduction_pct` in SQL, to sort a list by (`merger_derived` computes the
    values shown; tests/figures/test_rules.py checks that both orders agree). Aliases: they
    are evaluated only when a list is sorted by them."""
    return {
        "reduction": ExpressionWrapper(F("headcount_before") - F("headcount_after"), output_field=IntegerField()),
        "reduction_pct": Case(
            When(
                headcount_before__gt=0,
                then=ExpressionWrapper(
                    (F("headcount_before") - F("headcount_after")) * Value(100.0) / F("headcount_before"),
                    output_field=FloatField(),
                ),
            ),
            default=None,
            output_field=FloatField(),
        ),
    }


class _MergersWithFigures(ModelIterable):
    """Mergers with `merger_derived`'s figures set on each (`reduction`, `reduction_pct`, `figures_demo`)."""

    def __iter__(self):
        for merger in super().__iter__():
            derived = merger_derived(
                headcount_before=merger.headcount_before,
                headcount_after=merger.headcount_after,
                source_kind=merger.source_kind,
                before_demo=merger.before_demo,
                after_kind=merger.after_kind,
            )
            merger.reduction = derived.reduction
            merger.reduction_pct = derived.reduction_pct
            merger.figures_demo = derived.figures_demo
            yield merger


def with_merger_figures(queryset, measure: str = "authorised"):
    """`queryset` (of mergers) with every figure of a merger: `merger_figures` in SQL, sortable
    by `reduction` and `reduction_pct`, and `merger_derived` on each merger read."""
    queryset = queryset.annotate(**merger_figures(measure)).alias(**merger_order_aliases())
    queryset._iterable_class = _MergersWithFigures
    return queryset


# --- programmes ---------------------------------------------------------------------------


class Reduction:
    """Staff saved: the headcount before minus after, and its share of before (missing: None)."""

    headcount_before: int | None
    headcount_after: int | None

    @property
    def reduction(self) -> int | None:
        return minus(self.headcount_before, self.headcount_after)

    @property
    def reduction_pct(self) -> float | None:
        return pct(self.reduction, self.headcount_before)


# Province-level figures a published source may give for a programme (PublishedAggregate).
PUBLISHED_FIGURES = (
    "completed",
    "total",
    "headcount_before",
    "headcount_after",
    "reduction_pct",
    "focal_points_removed",
)
FIGURE_LABELS = {
    "completed": _("Số đơn vị đã hoàn thành"),
    "total": _("Tổng số đơn vị"),
    "headcount_before": _("Biên chế trước hợp nhất"),
    "headcount_after": _("Biên chế sau hợp nhất"),
    "reduction_pct": _("Tỷ lệ tinh giản biên chế"),
    "focal_points_removed": _("Đầu mối giảm"),
}
# Those that count authorised headcount: they stand for no other measure.
AUTHORISED_ONLY = ("headcount_before", "headcount_after", "reduction_pct")


def combined_kind(*kinds: str | None) -> str | None:
    """The source kind of a figure computed from figures of these kinds: demo when any is made up,
    else published when any is, else official (None when there is no part)."""
    present = [k for k in kinds if k is not None]
    if not present:
        return None
    if any(not is_official(k) for k in present):
        return SourceKind.DEMO
    return SourceKind.PUBLISHED if SourceKind.PUBLISHED in present else SourceKind.OFFICIAL


@dataclasses.dataclass(frozen=True)
class PublishedSource:
    """A published aggregate in force on the report's date: where its figures come from."""

    id: int
    on: datetime.date
    source: str
    source_kind: str
    decision: str | None  # the decision's number
    decision_id: int | None
    figures: dict  # {figure: value} that the source gives (for the report's measure)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "on": self.on,
            "source": self.source,
            "source_kind": self.source_kind,
            "decision": self.decision,
            "decision_id": self.decision_id,
            "figures": dict(self.figures),
        }


@dataclasses.dataclass(frozen=True)
class Discrepancy:
    """A published figure and the sum of the districts' figures that disagrees with it."""

    figure: str
    published: float | int
    districts: float | int | None  # None: the districts' figures are missing

    def as_dict(self) -> dict:
        return {"figure": self.figure, "published": self.published, "districts": self.districts}


@dataclasses.dataclass
class ProgrammeFigures(Reduction):
    """A programme's progress and results in a province (or everywhere) on a date.

    The `districts_*` fields are the sums over the districts' mergers; the figures shown
    (`total`, `completed`, `headcount_before`, ...) are those of the published aggregate in
    force on the date (`published`) where it gives them, else those sums. `kinds` says where
    each shown figure comes from (official, published, demo); `discrepancies` lists the
    published figures the districts' sums disagree with (never hidden).
    """

    programme: Programme
    districts_total: int  # districts active on the date
    districts_completed: list[str]
    districts_pending: list[str]
    mergers: int
    mergers_without_data: int
    districts_headcount_before: int | None
    districts_headcount_after: int | None
    districts_focal_points_removed: int
    districts_demo: bool
    districts_published: bool = False  # a sum reads a published record (no made-up one)
    published: PublishedSource | None = None

    def _shown(self, name: str, computed):
        figures = self.published.figures if self.published else {}
        return figures.get(name, computed)

    @property
    def districts_kind(self) -> str:
        if self.districts_demo:
            return SourceKind.DEMO
        return SourceKind.PUBLISHED if self.districts_published else SourceKind.OFFICIAL

    @property
    def total(self) -> int:
        return self._shown("total", self.districts_total)

    @property
    def completed(self) -> int:
        return self._shown("completed", len(self.districts_completed))

    @property
    def headcount_before(self) -> int | None:
        return self._shown("headcount_before", self.districts_headcount_before)

    @property
    def headcount_after(self) -> int | None:
        return self._shown("headcount_after", self.districts_headcount_after)

    @property
    def focal_points_removed(self) -> int:
        return self._shown("focal_points_removed", self.districts_focal_points_removed)

    @property
    def districts_reduction_pct(self) -> float | None:
        return pct(
            minus(self.districts_headcount_before, self.districts_headcount_after), self.districts_headcount_before
        )

    @property
    def reduction_pct(self) -> float | None:
        return self._shown("reduction_pct", pct(self.reduction, self.headcount_before))

    @property
    def kinds(self) -> dict[str, str | None]:
        """{figure: source kind} of each figure shown (None: the figure is missing)."""
        given = self.published.figures if self.published else {}

        def kind(name):
            if name in given:
                return self.published.source_kind
            return self.districts_kind if getattr(self, name) is not None else None

        out = {name: kind(name) for name in ("completed", "total", "headcount_before", "headcount_after")}
        out["focal_points_removed"] = kind("focal_points_removed")
        out["reduction"] = (
            combined_kind(out["headcount_before"], out["headcount_after"]) if self.reduction is not None else None
        )
        if "reduction_pct" in given:
            out["reduction_pct"] = self.published.source_kind
        else:
            out["reduction_pct"] = out["reduction"] if self.reduction_pct is not None else None
        return out

    @property
    def demo(self) -> bool:
        """A figure shown is made up (or computed from one that is)."""
        return any(k is not None and not is_official(k) for k in self.kinds.values())

    @property
    def discrepancies(self) -> tuple[Discrepancy, ...]:
        if self.published is None:
            return ()
        computed = {
            "completed": len(self.districts_completed),
            "total": self.districts_total,
            "headcount_before": self.districts_headcount_before,
            "headcount_after": self.districts_headcount_after,
            "reduction_pct": self.districts_reduction_pct,
            "focal_points_removed": self.districts_focal_points_removed,
        }
        return tuple(
            Discrepancy(figure=name, published=value, districts=computed[name])
            for name, value in self.published.figures.items()
            if computed[name] != value
        )


@dataclasses.dataclass
class ProgrammeTotals(Reduction):
    headcount_before: int | None
    headcount_after: int | None
    focal_points_removed: int
    mergers_without_data: int
    demo: bool


def programmes_ordered():
    """Programmes in decision order, undated ones last (the same on SQLite and PostgreSQL)."""
    return Programme.objects.select_related("decision").order_by(F("decision__date").asc(nulls_last=True), "code")


def programme_list() -> list[Programme]:
    """`programmes_ordered()`, read by SQL compiled once (`compiled_objects`): every report reads them."""
    return compiled_objects(("programmes_ordered",), programmes_ordered)


def _codes_and_dates(province: int | None = None):
    in_scope = District.objects.all() if province is None else District.objects.filter(province_id=province)
    return in_scope.order_by("code").only("code", "established_on", "dissolved_on")


def _published_up_to(as_of: datetime.date, province: int):
    # Unordered: `published_in_force` takes the latest (the model's ordering joined two more tables).
    return PublishedAggregate.objects.filter(province_id=province, on__lte=as_of).order_by().select_related("decision")


def _sum_with_data(values: list[int]) -> int | None:
    return sum(values) if values else None


def figures_published(
    *, source_kind: str, headcount_before, before_published: bool, headcount_after, after_kind
) -> bool:
    """Whether a merger's figures come (partly) from a published source: its dates and number,
    or a record a figure shown sums (`merger_derived`'s demo rule, for the published kind)."""
    return (
        source_kind == SourceKind.PUBLISHED
        or (headcount_before is not None and before_published)
        or (headcount_after is not None and after_kind == SourceKind.PUBLISHED)
    )


# A source class's representative kind, for the rules that read a kind (`merger_derived`).
_CLASS_KIND = {OFFICIAL_CLASS: SourceKind.OFFICIAL, PUBLISHED_CLASS: SourceKind.PUBLISHED, DEMO_CLASS: SourceKind.DEMO}


def _completed_mergers(as_of: datetime.date, province_id: int | None = None, *, prefix: str = ""):
    """The mergers completed by `as_of` in a province (or everywhere), as filters on a queryset
    of mergers (`prefix` "") or of rows pointing at one (`prefix` "merger__")."""
    filters = {f"{prefix}status": MergerStatus.COMPLETED, f"{prefix}effective_on__lte": as_of}
    if province_id is not None:
        filters[f"{prefix}district__province_id"] = province_id
    return filters


def completed_merger_rows(*, as_of: datetime.date, province: Province | None, measure: str) -> list[tuple]:
    """The mergers completed by `as_of` in `province` (or everywhere) as (merger id, programme id,
    district code, source kind, headcount before, headcount after, sources, figures demo, figures
    published, effective on), by district code: `merger_figures` with `merger_derived`'s demo and
    `figures_published`, each agency's record in force read by one index lookup
    (`_record_packed_on`) and summed here by `complete_sum`. Two queries whatever the number of
    mergers, each compiled once (`compiled_rows`); tests/figures/test_fast_paths.py checks them
    against `merger_figures`."""
    before_day = Coalesce(OuterRef("merger__effective_on"), Value(FAR_FUTURE, output_field=DateField()))

    def build_sources(as_of, province_id=None):
        return (
            Merger.source_agencies.through.objects.filter(**_completed_mergers(as_of, province_id, prefix="merger__"))
            .annotate(
                _packed=_record_packed_on(
                    agency_ref=OuterRef("agency_id"), on=before_day, measure=measure, strictly_before=True
                )
            )
            .values_list("merger_id", "agency__agency_type__in_district_quota", "_packed")
        )

    def build_mergers(as_of, province_id=None):
        return (
            Merger.objects.filter(**_completed_mergers(as_of, province_id))
            .annotate(
                _after=_record_packed_on(
                    agency_ref=OuterRef("result_agency"), on=OuterRef("effective_on"), measure=measure
                )
            )
            .order_by("district__code")
            .values_list("pk", "programme_id", "district__code", "source_kind", "effective_on", "_after")
        )

    values = {"as_of": as_of} if province is None else {"as_of": as_of, "province_id": province.pk}
    shape = (measure, province is None)
    sources: dict[int, list] = {}
    for merger_id, counted, packed in compiled_rows(("completed_merger_sources", *shape), build_sources, **values):
        sources.setdefault(merger_id, []).append((counted, packed))
    rows = compiled_rows(("completed_mergers", *shape), build_mergers, **values)
    out = []
    for pk, programme_id, code, kind, effective_on, after_packed in rows:
        merger_sources = sources.get(pk, [])
        counted = [unpack(packed) for in_quota, packed in merger_sources if in_quota]
        known = [(value, cls) for value, cls in counted if value is not None]
        before = complete_sum(sum(value for value, _ in known), len(counted), len(known))
        after, after_class = unpack(after_packed)
        after_kind = _CLASS_KIND.get(after_class)
        demo = merger_derived(
            headcount_before=before,
            headcount_after=after,
            source_kind=kind,
            before_demo=any(cls == DEMO_CLASS for _, cls in known),
            after_kind=after_kind,
        ).figures_demo
        published = figures_published(
            source_kind=kind,
            headcount_before=before,
            before_published=any(cls == PUBLISHED_CLASS for _, cls in known),
            headcount_after=after,
            after_kind=after_kind,
        )
        out.append((pk, programme_id, code, kind, before, after, len(merger_sources), demo, published, effective_on))
    return out


def published_in_force(aggregates, *, as_of, change_dates) -> object | None:
    """The latest of `aggregates` (one programme's, in one province) dated on or before `as_of`,
    provided none of `change_dates` (when the programme's figures can change: its mergers'
    effective dates, the province's districts' start and end) falls after it and on or before
    `as_of`: a source's figure describes the province on its date, until then."""
    dated = [a for a in aggregates if a.on <= as_of]
    if not dated:
        return None
    latest = max(dated, key=lambda a: a.on)
    if any(latest.on < day <= as_of for day in change_dates):
        return None
    return latest


def _published_source(aggregate, measure: str) -> PublishedSource:
    figures = {k: v for k, v in aggregate.figures().items() if measure == "authorised" or k not in AUTHORISED_ONLY}
    decision = aggregate.decision
    return PublishedSource(
        id=aggregate.pk,
        on=aggregate.on,
        source=aggregate.source,
        source_kind=aggregate.source_kind,
        decision=decision.number if decision else None,
        decision_id=decision.pk if decision else None,
        figures=figures,
    )


def programme_figures(
    *,
    as_of: datetime.date,
    province: Province | None = None,
    measure: str = "authorised",
    programmes: Sequence[Programme] | None = None,
) -> list[ProgrammeFigures]:
    """Each programme's completion (x of the districts active on `as_of`), and the staff
    reduction and focal points removed by all its mergers completed by then; for a province,
    the figures of a published aggregate in force on `as_of` instead where it gives them
    (`published_in_force`). Four queries (three for every province at once), and one more
    without the `programmes_ordered()` a page has read already."""
    if province is None:
        districts = compiled_objects(("codes_and_dates",), _codes_and_dates)
    else:
        districts = compiled_objects(("codes_and_dates", "province"), _codes_and_dates, province=province.pk)
    active_codes = [d.code for d in districts if d.is_active_on(as_of)]
    # Results count every merger completed by then, in a district since dissolved too (Hoành
    # Bồ's mergers removed focal points); completion counts the districts active on the date.
    by_programme: dict[int, list[tuple]] = {}
    for _pk, programme_id, *merger in completed_merger_rows(as_of=as_of, province=province, measure=measure):
        by_programme.setdefault(programme_id, []).append(tuple(merger))
    aggregates: dict[int, list] = {}
    if province is not None:
        for aggregate in compiled_objects(("published_up_to",), _published_up_to, as_of=as_of, province=province.pk):
            aggregates.setdefault(aggregate.programme_id, []).append(aggregate)
    district_changes = [day for d in districts for day in (d.established_on, d.dissolved_on) if day is not None]
    out = []
    for programme in programme_list() if programmes is None else programmes:
        mergers = by_programme.get(programme.pk, [])
        with_data = [m for m in mergers if m[2] is not None and m[3] is not None]
        done = {m[0] for m in mergers}
        in_force = published_in_force(
            aggregates.get(programme.pk, []), as_of=as_of, change_dates=[*district_changes, *(m[7] for m in mergers)]
        )
        published = _published_source(in_force, measure) if in_force is not None else None
        out.append(
            ProgrammeFigures(
                programme=programme,
                districts_total=len(active_codes),
                districts_completed=[c for c in active_codes if c in done],
                districts_pending=[c for c in active_codes if c not in done],
                mergers=len(mergers),
                mergers_without_data=len(mergers) - len(with_data),
                districts_headcount_before=_sum_with_data([m[2] for m in with_data]),
                districts_headcount_after=_sum_with_data([m[3] for m in with_data]),
                districts_focal_points_removed=sum(max(m[4] - 1, 0) for m in mergers),
                districts_demo=any(m[5] for m in mergers),
                districts_published=any(m[6] for m in mergers),
                published=published if published is not None and published.figures else None,
            )
        )
    return out


def programme_totals(figures: list[ProgrammeFigures]) -> ProgrammeTotals:
    """The province's results over its programmes: sums, and the percentage of the sums."""
    with_data = [f for f in figures if f.headcount_before is not None and f.headcount_after is not None]
    return ProgrammeTotals(
        headcount_before=_sum_with_data([f.headcount_before for f in with_data]),
        headcount_after=_sum_with_data([f.headcount_after for f in with_data]),
        focal_points_removed=sum(f.focal_points_removed for f in figures),
        mergers_without_data=sum(f.mergers_without_data for f in figures),
        demo=any(f.demo for f in figures),
    )


# --- the report period --------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def first_decision_date(province: Province | None = None) -> datetime.date | None:
    """The earliest programme or merger decision concerning the province: the default baseline. One query."""
    mergers = Merger.objects.all() if province is None else Merger.objects.filter(district__province=province)
    dates = mergers.aggregate(merger=Min("decision__date"), programme=Min("programme__decision__date"))
    known = [d for d in dates.values() if d is not None]
    return min(known) if known else None


# Leaders compare like with like by default: Hạ Long in 2020 against Hạ Long + Hoành Bồ in 2015.
DEFAULT_LIKE_FOR_LIKE = True


@dataclasses.dataclass(frozen=True)
class ReportPeriod:
    baseline: datetime.date
    as_of: datetime.date
    measure: str = "authorised"
    like_for_like: bool = DEFAULT_LIKE_FOR_LIKE


def default_as_of(province: Province | None = None) -> datetime.date:
    """Today; or, once the district tier has ended (2025-07-01), its last day (2025-06-30):
    the last figures, never those of units that no longer exist. One query."""
    return tier_default_as_of(province, today())


def default_baseline(province: Province | None, as_of: datetime.date) -> datetime.date:
    """The first decision concerning the province, or `as_of` when it is later or there is none."""
    first = first_decision_date(province)
    return min(first, as_of) if first is not None else as_of


def report_period(
    *,
    province: Province | None,
    baseline: datetime.date | None = None,
    as_of: datetime.date | None = None,
    measure: str | None = None,
    like_for_like: bool | None = None,
) -> ReportPeriod:
    """The period a report covers, defaults filled in; ValidationError naming the field otherwise.

    The web pages and the API both read their period through this.
    """
    measure = measure or "authorised"
    if measure not in MEASURES:
        raise ValidationError({"measure": ValidationError(MSG_BAD_MEASURE, code="invalid")})
    as_of = as_of or default_as_of(province)
    if baseline is None:
        baseline = default_baseline(province, as_of)
    elif baseline > as_of:
        raise ValidationError({"baseline": ValidationError(MSG_BASELINE_AFTER, code="after_as_of")})
    if like_for_like is None:
        like_for_like = DEFAULT_LIKE_FOR_LIKE
    return ReportPeriod(baseline=baseline, as_of=as_of, measure=measure, like_for_like=like_for_like)


# --- actual against authorised ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GapFigure:
    """Authorised and actual headcount of one agency, a district or a province on one day.

    Each side follows the engine's rules (`district_days`, `total_of`): an actual figure that
    was not entered is missing (None), never 0, and so is any sum it is part of. The gap is
    actual − authorised (negative: posts not filled), missing when either side is; its
    percentage divides by the authorised headcount. `counted` agencies are summed, of which
    `actual_entered` have an actual figure; `missing_actual` names the others.
    """

    on: datetime.date
    authorised: int | None
    actual: int | None
    counted: int
    actual_entered: int
    authorised_demo: bool = False
    actual_demo: bool = False
    missing_authorised: tuple[AgencyRef, ...] = ()
    missing_actual: tuple[AgencyRef, ...] = ()

    @property
    def gap(self) -> int | None:
        return minus(self.actual, self.authorised)

    @property
    def gap_pct(self) -> float | None:
        return pct(self.gap, self.authorised)

    @property
    def demo(self) -> bool:
        """A figure shown sums a record that is not official."""
        return (self.authorised is not None and self.authorised_demo) or (self.actual is not None and self.actual_demo)

    @property
    def actual_status(self) -> str:
        """ "complete", "partial" (some agencies have no actual figure) or "not_entered" (none has)."""
        if self.counted and self.actual_entered == self.counted:
            return "complete"
        return "partial" if self.actual_entered else "not_entered"


def gap_of(authorised: DayFigure, actual: DayFigure) -> GapFigure:
    """The gap figure of one district (or a sum of districts) from its two `DayFigure`s."""
    return GapFigure(
        on=authorised.on,
        authorised=authorised.headcount,
        actual=actual.headcount,
        counted=actual.counted,
        actual_entered=actual.counted - len(actual.missing),
        authorised_demo=authorised.demo,
        actual_demo=actual.demo,
        missing_authorised=authorised.missing,
        missing_actual=actual.missing,
    )


@dataclasses.dataclass(frozen=True)
class AgencyGap:
    agency: AgencyRef
    agency_type: str  # code
    figure: GapFigure


@dataclasses.dataclass(frozen=True)
class ActualVsAuthorised:
    on: datetime.date
    agencies: list[AgencyGap]
    districts: list[tuple[District, GapFigure]]
    total: GapFigure


def actual_vs_authorised(*, on: datetime.date, districts: Sequence[District]) -> ActualVsAuthorised:
    """Authorised, actual and the gap on `on`: per counted agency, per district active that day,
    and their total. At most five queries, whatever the number of districts."""
    districts = [d for d in districts if d.is_active_on(on)]
    authorised = district_days([on], districts=districts, measure="authorised")
    actual = district_days([on], districts=districts, measure="actual")
    rows = (
        Agency.objects.filter(IN_QUOTA, valid_on_q(on), district__in=[d.pk for d in districts])
        .annotate(
            _authorised=headcount_on(agency_ref=OuterRef("pk"), on=on, measure="authorised"),
            _actual=headcount_on(agency_ref=OuterRef("pk"), on=on, measure="actual"),
            _kind=record_kind_on(agency_ref=OuterRef("pk"), on=on),
        )
        .order_by("district__code", "agency_type__sector", "name", "pk")
        .values_list("pk", "name", "district__code", "agency_type__code", "_authorised", "_actual", "_kind")
    )
    agencies = []
    for pk, name, code, type_code, auth, act, kind in rows:
        ref = AgencyRef(id=pk, name=name, district=code)
        demo = kind is not None and not is_official(kind)
        agencies.append(
            AgencyGap(
                agency=ref,
                agency_type=type_code,
                figure=GapFigure(
                    on=on,
                    authorised=auth,
                    actual=act,
                    counted=1,
                    actual_entered=int(act is not None),
                    authorised_demo=demo,
                    actual_demo=demo,
                    missing_authorised=() if auth is not None else (ref,),
                    missing_actual=() if act is not None else (ref,),
                ),
            )
        )
    total = gap_of(
        total_of((authorised[(d.pk, on)] for d in districts), on=on),
        total_of((actual[(d.pk, on)] for d in districts), on=on),
    )
    return ActualVsAuthorised(
        on=on,
        agencies=agencies,
        districts=[(d, gap_of(authorised[(d.pk, on)], actual[(d.pk, on)])) for d in districts],
        total=total,
    )


# --- the end of the district tier ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DistrictTier:
    """The district tier of a province (or of every province) on a day.

    `active`: district-level units active that day. `ended_on`: when none is active although
    some were before, the day the last ones ended (the tier ended: 2025-07-01 in Quảng Ninh),
    with the decision that ended them and the province that took their functions over.
    """

    on: datetime.date
    active: int
    ended_on: datetime.date | None = None
    decision: object = None  # mergers.models.Decision
    successor_province: Province | None = None

    @property
    def ended(self) -> bool:
        return self.ended_on is not None

    @property
    def last_day(self) -> datetime.date | None:
        """The last day the tier existed: its figures are the last ones."""
        return self.ended_on - datetime.timedelta(days=1) if self.ended_on else None

    @property
    def figures_on(self) -> datetime.date:
        """The day whose figures stand for `on`: `on`, or the tier's last day once it has ended
        (`tier_default_as_of`, without its query)."""
        return self.last_day if self.ended else self.on


def _districts_of(province: Province | None):
    return District.objects.all() if province is None else District.objects.filter(province=province)


def _tier_counts_query(on: datetime.date, province: int | None = None):
    """The districts (of a province) as one row: how many are active on `on`, and their last
    dissolution on or before it (an aggregate over every row: no grouping)."""
    districts = District.objects.all() if province is None else District.objects.filter(province_id=province)
    return (
        districts.order_by()
        .annotate(_all=Value(1, output_field=IntegerField()))
        .values("_all")
        .annotate(
            active=Count("pk", filter=valid_on_q(on)),
            last_end=Max("dissolved_on", filter=Q(dissolved_on__lte=on)),
        )
        .values_list("active", "last_end")
    )


def _tier_counts(province: Province | None, on: datetime.date) -> tuple[int, datetime.date | None]:
    """(districts active on `on`, the last dissolution on or before `on`). One query, compiled once
    (`compiled_rows`: compiling it was a tenth of a province's staffing report)."""
    if province is None:
        ((active, last_end),) = compiled_rows(("tier_counts", "country"), _tier_counts_query, on=on)
    else:
        ((active, last_end),) = compiled_rows(("tier_counts",), _tier_counts_query, on=on, province=province.pk)
    return active, last_end


def district_tier(province: Province | None, on: datetime.date) -> DistrictTier:
    """Whether the district tier exists on `on`; when it has ended, when and by which decision.
    One query, two when it has ended."""
    active, last_end = _tier_counts(province, on)
    if active or last_end is None:
        return DistrictTier(on=on, active=active)
    last = (
        _districts_of(province)
        .filter(dissolved_on=last_end)
        .select_related("dissolution_decision", "successor_province")
        .order_by(F("dissolution_decision_id").asc(nulls_last=True), "code")
        .first()
    )
    return DistrictTier(
        on=on,
        active=0,
        ended_on=last_end,
        decision=last.dissolution_decision,
        successor_province=last.successor_province,
    )


def within_tier(period, province: Province | None):
    """(the period whose figures a report shows, the district tier on the date asked).

    The one rule of the web pages and the API: once the district tier has ended (2025-07-01), a
    later as-of date shows the last figures, of its last day (2025-06-30), never those of units
    that no longer exist; the baseline moves too when it was later. The tier says why. One
    query, two when the tier has ended.
    """
    tier = district_tier(province, period.as_of)
    if not tier.ended:
        return period, tier
    last = tier.last_day
    return dataclasses.replace(period, as_of=last, baseline=min(period.baseline, last)), tier


def tier_default_as_of(province: Province | None, day: datetime.date) -> datetime.date:
    """`day`, or the last day of the district tier when it had ended by then."""
    active, last_end = _tier_counts(province, day)
    if active or last_end is None:
        return day
    return last_end - datetime.timedelta(days=1)


# --- focal-point reconciliation ----------------------------------------------------------
# For a period (start, end] and a district or a province: the agencies active on the start
# date, plus those established in the period, minus those merged away (into a merger's result
# or, when their district joined another, into the receiving district's agency of the same
# function), minus those dissolved otherwise (their functions to the province, or no
# successor), are those active on the end date. Each term lists its agencies.


@dataclasses.dataclass(frozen=True)
class ReconciledAgency:
    """An agency in one term of a reconciliation, with how and where it went (or came from)."""

    id: int
    name: str
    district: str  # GSO code
    on: datetime.date | None  # the day it was established or ended (None: start and end lists)
    cause: str = ""  # "merger" (a programme's merger), "district" (a district change), "other"
    programme: str | None = None
    merger: int | None = None
    decision: str | None = None  # the decision's number
    decision_id: int | None = None
    successor: AgencyRef | None = None
    successor_province: str | None = None  # GSO code

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "district": self.district,
            "date": self.on,
            "cause": self.cause or None,
            "programme": self.programme,
            "merger": self.merger,
            "decision": self.decision,
            "decision_id": self.decision_id,
            "successor": _agency_ref_dict(self.successor),
            "successor_province": self.successor_province,
            "url": f"/agencies/{self.id}/",
        }


def _agency_ref_dict(ref: AgencyRef | None) -> dict | None:
    if ref is None:
        return None
    return {"id": ref.id, "name": ref.name, "district": ref.district, "url": f"/agencies/{ref.id}/"}


@dataclasses.dataclass(frozen=True)
class ReconciliationCause:
    """One line of the explanation: a programme's mergers, a district change's decision, or the rest."""

    cause: str  # "merger", "district", "other"
    label: str
    programme: str | None
    decision: str | None
    established: int
    merged_away: int
    dissolved: int

    @property
    def net(self) -> int:
        return self.established - self.merged_away - self.dissolved

    def as_dict(self) -> dict:
        return {
            "cause": self.cause,
            "label": self.label,
            "programme": self.programme,
            "decision": self.decision,
            "established": self.established,
            "merged_away": self.merged_away,
            "dissolved": self.dissolved,
            "net": self.net,
        }


@dataclasses.dataclass(frozen=True)
class Reconciliation:
    start: datetime.date
    end: datetime.date
    province: str | None
    district: str | None
    at_start: tuple[ReconciledAgency, ...]
    established: tuple[ReconciledAgency, ...]
    merged_away: tuple[ReconciledAgency, ...]
    dissolved: tuple[ReconciledAgency, ...]
    at_end: tuple[ReconciledAgency, ...]
    causes: tuple[ReconciliationCause, ...]

    @property
    def start_count(self) -> int:
        return len(self.at_start)

    @property
    def end_count(self) -> int:
        return len(self.at_end)

    @property
    def balanced(self) -> bool:
        """start + established − merged away − dissolved otherwise = end."""
        return self.start_count + len(self.established) - len(self.merged_away) - len(self.dissolved) == self.end_count

    @property
    def change(self) -> int:
        return self.end_count - self.start_count

    def as_dict(self) -> dict:
        def term(agencies):
            return {"count": len(agencies), "agencies": [a.as_dict() for a in agencies]}

        return {
            "baseline": self.start,
            "as_of": self.end,
            "province": self.province,
            "district": self.district,
            "start": term(self.at_start),
            "established": term(self.established),
            "merged_away": term(self.merged_away),
            "dissolved": term(self.dissolved),
            "end": term(self.at_end),
            "change": self.change,
            "balanced": self.balanced,
            "causes": [c.as_dict() for c in self.causes],
        }


_RECONCILED_FIELDS = (
    "pk",
    "name",
    "established_on",
    "dissolved_on",
    "established_by_id",
    "dissolved_by_id",
    "successor_id",
    "created_by",
    "absorbed_by",
)
_RECONCILED_ALIASES = {
    "code": "district__code",
    "established_number": "established_by__number",
    "dissolved_number": "dissolved_by__number",
    "successor_name": "successor__name",
    "province_code": "successor_province__code",
}


def _reconciled_agencies(start, end, district_id=None, province_id=None):
    """Every agency a reconciliation names: active on either date, or established or ended in the
    period, with its decisions, its successor and the completed mergers that created it and
    absorbed it (the latest of each, by id). Rows, not instances: with their decisions, successors
    and districts, they made a thousand model instances on the province's dashboard."""
    if district_id is not None:
        agencies = Agency.objects.filter(district_id=district_id)
    elif province_id is not None:
        agencies = Agency.objects.filter(district__province_id=province_id)  # the district is joined for its code
    else:
        agencies = Agency.objects.all()
    completed = Merger.objects.filter(status=MergerStatus.COMPLETED)
    born = Q(established_on__gt=start, established_on__lte=end)
    gone = Q(dissolved_on__gt=start, dissolved_on__lte=end)
    return (
        agencies.filter(valid_on_q(start) | valid_on_q(end) | born | gone)
        .annotate(
            # Looked up only for the agencies that need them (those born, those gone in the period):
            # a province's dashboard names 180 agencies, 40 of them born.
            created_by=Case(
                When(
                    born, then=Subquery(completed.filter(result_agency=OuterRef("pk")).order_by("-pk").values("pk")[:1])
                )
            ),
            absorbed_by=Case(
                When(
                    gone,
                    then=Subquery(
                        Merger.source_agencies.through.objects.filter(
                            agency=OuterRef("pk"), merger__status=MergerStatus.COMPLETED
                        )
                        .order_by("-merger_id")
                        .values("merger_id")[:1]
                    ),
                )
            ),
            # By its key, not by a join: the join read every district of the country for 4 successors.
            successor_code=Subquery(
                District.objects.filter(pk=OuterRef("successor__district_id")).order_by().values("code")[:1]
            ),
            **{alias: F(path) for alias, path in _RECONCILED_ALIASES.items()},
        )
        .order_by("district__code", "pk")
        .values_list(*_RECONCILED_FIELDS, *_RECONCILED_ALIASES, "successor_code")
    )


_RECONCILED_MERGER_FIELDS = (
    "pk",
    "result_agency_id",
    "decision_id",
    "programme_code",
    "decision_number",
    "result_name",
    "result_code",
)


def _reconciled_mergers(ids):
    """The mergers a reconciliation names (`ids`): their programme, decision and result."""
    return (
        Merger.objects.filter(pk__in=ids)
        .annotate(
            programme_code=F("programme__code"),
            decision_number=F("decision__number"),
            result_name=F("result_agency__name"),
            result_code=F("result_agency__district__code"),
        )
        .order_by()
        .values_list(*_RECONCILED_MERGER_FIELDS)
    )


def reconcile_focal_points(
    *,
    start: datetime.date,
    end: datetime.date,
    province: Province | None = None,
    district: District | None = None,
    programmes: Sequence[Programme] | None = None,
) -> Reconciliation:
    """The focal points of `district` (or of the province's districts, or of all) on `start`,
    how each term changed them until `end`, and those on `end`. One query for the agencies
    (`_reconciled_agencies`, compiled once), one for the mergers they name when there are any
    (one more without the `programmes_ordered()` a page has read already). The validity rule in
    Python (districts.validity) is tested equal to valid_on_q."""
    if district is not None:
        scope, values = "district", {"district_id": district.pk}
    elif province is not None:
        scope, values = "province", {"province_id": province.pk}
    else:
        scope, values = "all", {}
    names = (*_RECONCILED_FIELDS, *_RECONCILED_ALIASES, "successor_code")
    rows = [
        dict(zip(names, row, strict=True))
        for row in compiled_rows(("reconciled_agencies", scope), _reconciled_agencies, start=start, end=end, **values)
    ]
    at_start, at_end = [], []
    for row in rows:
        for day, term in ((start, at_start), (end, at_end)):
            if is_valid_on(row["established_on"], row["dissolved_on"], day):
                term.append(ReconciledAgency(id=row["pk"], name=row["name"], district=row["code"], on=None))
    born = sorted((a for a in rows if a["established_on"] and start < a["established_on"] <= end), key=_born_key)
    gone = sorted((a for a in rows if a["dissolved_on"] and start < a["dissolved_on"] <= end), key=_gone_key)
    merger_ids = {a["created_by"] for a in born} | {a["absorbed_by"] for a in gone}
    merger_ids.discard(None)
    mergers = {
        row[0]: dict(zip(_RECONCILED_MERGER_FIELDS, row, strict=True))
        for row in compiled_rows(("reconciled_mergers",), _reconciled_mergers, ids=sorted(merger_ids))
    }
    created_by = {a["pk"]: mergers[a["created_by"]] for a in born if a["created_by"] is not None}
    absorbed_by = {a["pk"]: mergers[a["absorbed_by"]] for a in gone if a["absorbed_by"] is not None}

    def decision_of(agency: dict, key: str, merger: dict | None) -> tuple[str | None, int | None]:
        """The agency's own decision (established_by or dissolved_by), else its merger's."""
        if agency[f"{key}_by_id"]:
            return agency[f"{key}_number"], agency[f"{key}_by_id"]
        return (merger["decision_number"], merger["decision_id"]) if merger else (None, None)

    established = []
    for agency in born:
        merger = created_by.get(agency["pk"])
        number, decision_id = decision_of(agency, "established", merger)
        established.append(
            ReconciledAgency(
                id=agency["pk"],
                name=agency["name"],
                district=agency["code"],
                on=agency["established_on"],
                cause="merger" if merger else "other",
                programme=merger["programme_code"] if merger else None,
                merger=merger["pk"] if merger else None,
                decision=number,
                decision_id=decision_id,
            )
        )
    merged_away, dissolved = [], []
    for agency in gone:
        merger = absorbed_by.get(agency["pk"])
        number, decision_id = decision_of(agency, "dissolved", merger)
        common = {
            "id": agency["pk"],
            "name": agency["name"],
            "district": agency["code"],
            "on": agency["dissolved_on"],
            "decision": number,
            "decision_id": decision_id,
        }
        if merger is not None and merger["result_agency_id"]:
            merged_away.append(
                ReconciledAgency(
                    **common,
                    cause="merger",
                    programme=merger["programme_code"],
                    merger=merger["pk"],
                    successor=AgencyRef(
                        id=merger["result_agency_id"], name=merger["result_name"], district=merger["result_code"]
                    ),
                )
            )
        elif agency["successor_id"]:
            merged_away.append(
                ReconciledAgency(
                    **common,
                    cause="district",
                    successor=AgencyRef(
                        id=agency["successor_id"], name=agency["successor_name"], district=agency["successor_code"]
                    ),
                )
            )
        else:
            dissolved.append(
                ReconciledAgency(
                    **common,
                    cause="district" if agency["province_code"] is not None else "other",
                    successor_province=agency["province_code"],
                )
            )
    return Reconciliation(
        start=start,
        end=end,
        province=province.code if province is not None else None,
        district=district.code if district is not None else None,
        at_start=tuple(at_start),
        established=tuple(established),
        merged_away=tuple(merged_away),
        dissolved=tuple(dissolved),
        at_end=tuple(at_end),
        causes=tuple(_causes(established, merged_away, dissolved, programmes)),
    )


def _born_key(agency: dict):
    return (agency["established_on"], agency["pk"])


def _gone_key(agency: dict):
    return (agency["dissolved_on"], agency["pk"])


def _causes(established, merged_away, dissolved, programmes=None) -> list[ReconciliationCause]:
    """Each term's agencies grouped by what moved them: a programme (its mergers, in decision
    order), a decision that merged or ended districts (by date), or anything else."""
    groups: dict[tuple, list[list]] = {}
    for index, items in enumerate((established, merged_away, dissolved)):
        for item in items:
            if item.cause == "merger":
                key = ("merger", item.programme, None)
            elif item.cause == "district":
                key = ("district", None, item.decision)
            else:
                key = ("other", None, None)
            groups.setdefault(key, [[], [], []])[index].append(item)
    names = {p.code: p.name for p in (programme_list() if programmes is None else programmes)}
    order = {code: i for i, code in enumerate(names)}

    def sort_key(entry):
        (cause, programme, _decision), terms = entry
        first = min((i.on for term in terms for i in term if i.on), default=FAR_FUTURE)
        return ({"merger": 0, "district": 1, "other": 2}[cause], order.get(programme, 0), first)

    out = []
    for (cause, programme, decision), (born, merged, ended) in sorted(groups.items(), key=sort_key):
        if cause == "merger":
            label = names.get(programme, programme)
        elif cause == "district":
            what = []
            if merged:
                what.append(_("đơn vị cấp huyện sáp nhập: cơ quan hợp nhất vào cơ quan cùng chức năng"))
            if any(i.successor_province for i in ended):
                what.append(_("cấp huyện kết thúc: chức năng chuyển về tỉnh"))
            if any(not i.successor_province for i in ended):
                what.append(_("đơn vị cấp huyện giải thể"))
            label = "; ".join(str(w) for w in what)
            label = f"{label[:1].upper()}{label[1:]}" + (f" ({decision})" if decision else "")
        else:
            label = _("Thành lập hoặc chấm dứt khác")
        out.append(
            ReconciliationCause(
                cause=cause,
                label=str(label),
                programme=programme,
                decision=decision,
                established=len(born),
                merged_away=len(merged),
                dissolved=len(ended),
            )
        )
    return out
