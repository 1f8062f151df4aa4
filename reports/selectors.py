"""Report figures, computed in the database, shared by the report API and the dashboard.

- A district's headcount on D: the sum over its active in-quota agencies of their latest
  record on or before D; NULL when any of them has no record (missing is never zero).
- Focal points on D: the number of active agencies.
- Percentages are always computed from sums, never averaged.
"""

import dataclasses
import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from districts.choices import DistrictKind
from districts.models import District, Province
from districts.selectors import active_on_q, districts_in_period
from mergers.choices import MergerStatus, SourceKind
from mergers.models import Agency, HeadcountRecord, Merger, MergerStage, Programme
from mergers.selectors import _measure, latest_headcount, merger_figures_annotations, summed_headcount
from reports.models import DistrictFigure


def pct(part: int | None, whole: int | None) -> float | None:
    """part / whole in percent, rounded to 2 decimals; None when either is missing or whole is 0."""
    if part is None or whole is None or whole == 0:
        return None
    return round(part * 100.0 / whole, 2)


def _minus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def first_decision_date(province: Province | None = None) -> datetime.date | None:
    """The earliest programme or merger decision concerning the province: the default baseline."""
    mergers = Merger.objects.all() if province is None else Merger.objects.filter(district__province=province)
    dates = [
        mergers.aggregate(d=Min("decided_on"))["d"],
        Programme.objects.filter(mergers__in=mergers).aggregate(d=Min("decided_on"))["d"],
    ]
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


def today() -> datetime.date:
    return timezone.localdate()


@dataclasses.dataclass
class StaffingRow:
    district: str
    name: str
    kind: str
    dissolved_on: datetime.date | None
    successor: str | None
    active_baseline: bool
    active_current: bool
    headcount_baseline: int | None
    headcount_current: int | None
    agencies_baseline: int | None
    agencies_current: int | None
    folded: list[str] = dataclasses.field(default_factory=list)

    @property
    def change(self) -> int | None:
        return _minus(self.headcount_current, self.headcount_baseline)

    @property
    def change_pct(self) -> float | None:
        return pct(self.change, self.headcount_baseline)

    @property
    def agencies_change(self) -> int | None:
        return _minus(self.agencies_current, self.agencies_baseline)

    def as_dict(self) -> dict:
        return {
            "district": self.district,
            "name": self.name,
            "kind": self.kind,
            "dissolved_on": self.dissolved_on,
            "successor": self.successor,
            "folded": self.folded,
            "headcount_baseline": self.headcount_baseline,
            "headcount_current": self.headcount_current,
            "change": self.change,
            "change_pct": self.change_pct,
            "agencies_baseline": self.agencies_baseline,
            "agencies_current": self.agencies_current,
            "agencies_change": self.agencies_change,
        }


@dataclasses.dataclass
class StaffingReport:
    baseline: datetime.date
    as_of: datetime.date
    measure: str
    like_for_like: bool
    rows: list[StaffingRow]

    @property
    def total(self) -> dict:
        """Sums over the districts active on each date; NULL if any of them lacks data."""

        def total_of(attr: str, active: str) -> int | None:
            values = [getattr(r, attr) for r in self.rows if getattr(r, active)]
            return None if any(v is None for v in values) else sum(values)

        hb = total_of("headcount_baseline", "active_baseline")
        hc = total_of("headcount_current", "active_current")
        ab = total_of("agencies_baseline", "active_baseline")
        ac = total_of("agencies_current", "active_current")
        return {
            "headcount_baseline": hb,
            "headcount_current": hc,
            "change": _minus(hc, hb),
            "change_pct": pct(_minus(hc, hb), hb),
            "agencies_baseline": ab,
            "agencies_current": ac,
            "agencies_change": _minus(ac, ab),
        }


def district_figures_direct(day: datetime.date, measure: str) -> dict:
    """District annotations `headcount` and `agencies` on `day`, from the agencies and records.

    The definition itself; the reports read the same figures from the summary
    (`district_figures`), which tests compare with this.
    """
    agencies = Agency.objects.filter(active_on_q(day), district=OuterRef("pk"))
    count = Subquery(
        agencies.order_by().values("district").annotate(c=Count("pk")).values("c"), output_field=IntegerField()
    )
    return {
        "headcount": summed_headcount(agencies, group_by="district", measure=measure, on=day),
        "agencies": Coalesce(count, Value(0)),
    }


def district_figures(day: datetime.date, measure: str) -> dict:
    """District annotations `headcount` and `agencies` on `day`, from reports.DistrictFigure.

    One index probe per district and figure, whatever the number of headcount records.
    """
    row = DistrictFigure.objects.filter(district=OuterRef("pk"), valid_from__lte=day).order_by("-valid_from")
    return {
        "headcount": Subquery(row.values(_measure(measure))[:1], output_field=IntegerField()),
        "agencies": Coalesce(Subquery(row.values("agencies")[:1], output_field=IntegerField()), Value(0)),
    }


def staffing_report(
    *,
    province: Province | None,
    baseline: datetime.date,
    as_of: datetime.date,
    measure: str = "authorised",
    like_for_like: bool = False,
) -> StaffingReport:
    """Each district's headcount and focal points on `baseline` and on `as_of`.

    Every district valid at some time in the window appears. A district that is not active
    on a date has NULL figures for it. With `like_for_like`, a district dissolved inside the
    window is folded into its successor, so that Hạ Long's 2020 figures are compared with
    Hạ Long + Hoành Bồ before.
    """
    base = {f"{k}_baseline": v for k, v in district_figures(baseline, measure).items()}
    curr = {f"{k}_current": v for k, v in district_figures(as_of, measure).items()}
    districts = (
        districts_in_period(min(baseline, as_of), max(baseline, as_of), province=province)
        .annotate(**base, **curr)
        .order_by("code")
        .values(
            "code",
            "name",
            "kind",
            "established_on",
            "dissolved_on",
            "successor__code",
            *base,
            *curr,
        )
    )

    def active(d: dict, day: datetime.date) -> bool:
        return (d["established_on"] is None or d["established_on"] <= day) and (
            d["dissolved_on"] is None or d["dissolved_on"] > day
        )

    rows = []
    for d in districts:
        active_b, active_c = active(d, baseline), active(d, as_of)
        rows.append(
            StaffingRow(
                district=d["code"],
                name=f"{DistrictKind(d['kind']).label} {d['name']}",
                kind=d["kind"],
                dissolved_on=d["dissolved_on"],
                successor=d["successor__code"],
                active_baseline=active_b,
                active_current=active_c,
                headcount_baseline=d["headcount_baseline"] if active_b else None,
                headcount_current=d["headcount_current"] if active_c else None,
                agencies_baseline=d["agencies_baseline"] if active_b else None,
                agencies_current=d["agencies_current"] if active_c else None,
            )
        )
    if like_for_like:
        rows = fold_into_successors(rows)
    return StaffingReport(baseline=baseline, as_of=as_of, measure=measure, like_for_like=like_for_like, rows=rows)


def fold_into_successors(rows: list[StaffingRow]) -> list[StaffingRow]:
    """Fold each row active at baseline but gone by the end into its successor's row.

    The successor's baseline becomes the sum of both; the folded row disappears. Totals
    are unchanged. A row whose successor is not in the report stays as it is.
    """
    by_code = {r.district: r for r in rows}
    out = []
    for row in rows:
        target = by_code.get(row.successor) if row.successor else None
        if row.active_baseline and not row.active_current and target is not None and target.active_current:
            target.folded.append(row.district)
            if target.active_baseline:
                target.headcount_baseline = _plus(target.headcount_baseline, row.headcount_baseline)
                target.agencies_baseline = _plus(target.agencies_baseline, row.agencies_baseline)
            else:
                # A successor created after the baseline: its like-for-like baseline is its
                # predecessors' (found by tests/reports/test_properties.py: it used to vanish).
                target.active_baseline = True
                target.headcount_baseline = row.headcount_baseline
                target.agencies_baseline = row.agencies_baseline
            continue
        out.append(row)
    return out


def _plus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


@dataclasses.dataclass
class ProgrammeProgress:
    programme: str
    name: str
    decision_number: str
    decided_on: datetime.date | None
    total: int
    districts_completed: list[str]
    districts_pending: list[str]

    @property
    def completed(self) -> int:
        return len(self.districts_completed)

    def as_dict(self) -> dict:
        return {
            "programme": self.programme,
            "name": self.name,
            "decision_number": self.decision_number,
            "decided_on": self.decided_on,
            "completed": self.completed,
            "total": self.total,
            "districts_completed": self.districts_completed,
            "districts_pending": self.districts_pending,
        }


def progress_report(*, province: Province | None, as_of: datetime.date) -> list[ProgrammeProgress]:
    """For each programme: the districts active on `as_of` that had completed it by then.

    Three queries whatever the number of districts and programmes.
    """
    districts = District.objects.filter(active_on_q(as_of))
    if province is not None:
        districts = districts.filter(province=province)
    active_codes = list(districts.order_by("code").values_list("code", flat=True))
    done = (
        Merger.objects.filter(status=MergerStatus.COMPLETED, effective_on__lte=as_of, district__in=districts)
        .order_by("district__code")
        .values_list("programme_id", "district__code")
    )
    completed: dict[int, list[str]] = {}
    for programme_id, code in done:
        completed.setdefault(programme_id, []).append(code)
    out = []
    for programme in Programme.objects.order_by("decided_on", "code"):
        codes = completed.get(programme.pk, [])
        done_codes = set(codes)
        out.append(
            ProgrammeProgress(
                programme=programme.code,
                name=programme.name,
                decision_number=programme.decision_number,
                decided_on=programme.decided_on,
                total=len(active_codes),
                districts_completed=codes,
                districts_pending=[c for c in active_codes if c not in done_codes],
            )
        )
    return out


def programme_reduction(
    *,
    programme: Programme,
    as_of: datetime.date,
    province: Province | None = None,
    districts=None,
    measure: str = "authorised",
) -> dict:
    """Staff reduction of a programme's mergers completed by `as_of`, from sums.

    Mergers without complete figures are left out of the sums and counted in
    `mergers_without_data`, so a partial total is never passed off as a full one.
    """
    mergers = Merger.objects.filter(programme=programme, status=MergerStatus.COMPLETED, effective_on__lte=as_of)
    if province is not None:
        mergers = mergers.filter(district__province=province)
    if districts is not None:
        mergers = mergers.filter(district__code__in=districts)
    figures = mergers.annotate(**merger_figures_annotations(measure))
    complete = Q(headcount_before__isnull=False, headcount_after__isnull=False)
    agg = figures.aggregate(
        mergers=Count("pk"),
        with_data=Count("pk", filter=complete),
        before=Sum("headcount_before", filter=complete),
        after=Sum("headcount_after", filter=complete),
    )
    # Counted apart: joining the sources here would multiply the sums above.
    sources = Agency.objects.filter(absorbing_mergers__in=mergers).count()
    reduction = _minus(agg["before"], agg["after"])
    return {
        "programme": programme.code,
        "mergers": agg["mergers"],
        "mergers_without_data": agg["mergers"] - agg["with_data"],
        "headcount_before": agg["before"],
        "headcount_after": agg["after"],
        "reduction": reduction,
        "reduction_pct": pct(reduction, agg["before"]),
        "focal_points_removed": sources - agg["mergers"],
    }


# --- issue 5: dashboard, district page and exports ------------------------------------
# Everything below costs a fixed number of queries whatever the number of districts.


def programmes_ordered():
    """Programmes in decision order, undated ones last (the same on SQLite and PostgreSQL)."""
    return Programme.objects.order_by(F("decided_on").asc(nulls_last=True), "code")


def _latest_stage(field: str, as_of: datetime.date) -> Subquery:
    return Subquery(
        MergerStage.objects.filter(merger=OuterRef("pk"), on__lte=as_of).order_by("-on", "-id").values(field)[:1]
    )


@dataclasses.dataclass
class MatrixCell:
    merger_id: int | None = None
    stage: str | None = None
    stage_label: str = ""
    stage_on: datetime.date | None = None
    decision_number: str = ""
    decided_on: datetime.date | None = None
    effective_on: datetime.date | None = None
    is_demo: bool = False


@dataclasses.dataclass
class MatrixRow:
    district: District
    active: bool
    cells: list[MatrixCell]


@dataclasses.dataclass
class ProgressMatrix:
    as_of: datetime.date
    programmes: list[Programme]
    rows: list[MatrixRow]

    @property
    def has_demo(self) -> bool:
        return any(cell.is_demo for row in self.rows for cell in row.cells)


def progress_matrix(
    *, province: Province | None, as_of: datetime.date, start: datetime.date | None = None
) -> ProgressMatrix:
    """Every district of the period [start, as_of] x every programme: the merger's stage on `as_of`.

    A cell's stage is the merger's latest stage dated on or before `as_of` (None: nothing yet
    by then), with its date, the decision number and the merger id. A cancelled merger shows
    only when the district has no other one under that programme. Three queries.
    """
    districts = list(districts_in_period(min(start or as_of, as_of), as_of, province=province).order_by("code"))
    programmes = list(programmes_ordered())
    mergers = (
        Merger.objects.filter(district__in=[d.pk for d in districts])
        .annotate(stage_now=_latest_stage("status", as_of), stage_now_on=_latest_stage("on", as_of))
        .order_by("pk")
        .values(
            "pk",
            "programme_id",
            "district_id",
            "status",
            "decision_number",
            "decided_on",
            "effective_on",
            "source_kind",
            "stage_now",
            "stage_now_on",
        )
    )
    chosen: dict[tuple[int, int], dict] = {}
    for m in mergers:
        key = (m["district_id"], m["programme_id"])
        if key not in chosen or chosen[key]["status"] == MergerStatus.CANCELLED:
            chosen[key] = m
    labels = dict(MergerStatus.choices)
    rows = []
    for district in districts:
        cells = []
        for programme in programmes:
            m = chosen.get((district.pk, programme.pk))
            if m is None:
                cells.append(MatrixCell())
                continue
            cells.append(
                MatrixCell(
                    merger_id=m["pk"],
                    stage=m["stage_now"],
                    stage_label=str(labels.get(m["stage_now"], "")),
                    stage_on=m["stage_now_on"],
                    # A decision taken after `as_of` was not known then.
                    decision_number=m["decision_number"] if m["decided_on"] <= as_of else "",
                    decided_on=m["decided_on"] if m["decided_on"] <= as_of else None,
                    effective_on=m["effective_on"] if m["stage_now"] == MergerStatus.COMPLETED else None,
                    is_demo=m["source_kind"] != SourceKind.OFFICIAL,
                )
            )
        rows.append(MatrixRow(district=district, active=district.is_active_on(as_of), cells=cells))
    return ProgressMatrix(as_of=as_of, programmes=programmes, rows=rows)


def _in_quota_agencies(day, *, province: Province | None = None, district: District | None = None):
    agencies = Agency.objects.filter(active_on_q(day), agency_type__in_district_quota=True)
    if province is not None:
        agencies = agencies.filter(district__province=province)
    if district is not None:
        agencies = agencies.filter(district=district)
    return agencies


def _total_on(day, *, measure: str, province=None, district=None) -> Subquery:
    """Uncorrelated subquery: the summed headcount on `day`, NULL when an agency lacks a record."""
    rows = (
        _in_quota_agencies(day, province=province, district=district)
        .annotate(_hc=latest_headcount(agency_ref=OuterRef("pk"), on=day, measure=measure))
        .annotate(_all=Value(1))
        .order_by()
        .values("_all")
        .annotate(_total=Sum("_hc"), _n=Count("pk"), _with=Count("_hc"))
        .annotate(_safe=Case(When(_n=F("_with"), then=F("_total")), default=None, output_field=IntegerField()))
        .values("_safe")
    )
    return Subquery(rows[:1], output_field=IntegerField())


def _latest_kind(day) -> Subquery:
    """The source_kind of the agency's (OuterRef pk) record in force on `day`."""
    records = HeadcountRecord.objects.filter(agency=OuterRef("pk"), as_of__lte=day)
    return Subquery(records.order_by("-as_of").values("source_kind")[:1])


def _demo_on(day, *, province=None, district=None) -> Exists:
    """Whether a record in force on `day` for an in-quota active agency is demo (or synthetic)."""
    return Exists(
        _in_quota_agencies(day, province=province, district=district)
        .annotate(_kind=_latest_kind(day))
        .exclude(_kind=SourceKind.OFFICIAL)
        .exclude(_kind__isnull=True)
    )


@dataclasses.dataclass
class SeriesPoint:
    on: datetime.date
    headcount: int | None
    is_demo: bool


SERIES_MAX_POINTS = 120


def thin_dates(dates: list[datetime.date], limit: int) -> list[datetime.date]:
    """At most `limit` of `dates` (sorted), evenly spaced by position, first and last kept."""
    if len(dates) <= limit:
        return list(dates)
    step = (len(dates) - 1) / (limit - 1)
    return sorted({dates[round(i * step)] for i in range(limit)})


def change_dates(
    start: datetime.date, end: datetime.date, *, province: Province | None = None, district: District | None = None
) -> list[datetime.date]:
    """`start`, `end` and every date in between on which a headcount record or an agency starts or ends."""
    agencies = Agency.objects.all()
    records = HeadcountRecord.objects.all()
    if province is not None:
        agencies = agencies.filter(district__province=province)
        records = records.filter(agency__district__province=province)
    if district is not None:
        agencies, records = agencies.filter(district=district), records.filter(agency__district=district)
    dates = (
        records.filter(as_of__gt=start, as_of__lt=end)
        .order_by()
        .values_list("as_of", flat=True)
        .union(
            agencies.filter(established_on__gt=start, established_on__lt=end)
            .order_by()
            .values_list("established_on", flat=True),
            agencies.filter(dissolved_on__gt=start, dissolved_on__lt=end)
            .order_by()
            .values_list("dissolved_on", flat=True),
        )
    )
    return sorted({start, end, *dates})


def series_dates(start, end, *, province=None, district=None, dates=None) -> list[datetime.date]:
    """The dates of a series: `dates`, or every change date in [start, end]; at most SERIES_MAX_POINTS."""
    if dates is None:
        dates = change_dates(min(start, end), max(start, end), province=province, district=district)
    return thin_dates(dates, SERIES_MAX_POINTS)


def headcount_series(
    *,
    start: datetime.date,
    end: datetime.date,
    measure: str = "authorised",
    province: Province | None = None,
    district: District | None = None,
    dates: list[datetime.date] | None = None,
) -> list[SeriesPoint]:
    """The headcount of the province (or of one district) on every date it changes in [start, end].

    Read from the summary (reports.DistrictFigure): two queries (the dates unless given, then
    the districts' steps up to `end`), whatever the number of headcount records. Beyond
    `SERIES_MAX_POINTS` change dates, an evenly spaced selection of them (first and last kept).
    Equal, date by date, to `headcount_series_direct` (tests/reports/test_summary.py).

    On a date: the sum over the districts that have in-quota agencies then; missing when any
    of them lacks a figure, or when no district has any; demo when any figure in force is.
    """
    dates = series_dates(start, end, province=province, district=district, dates=dates)
    if not dates:
        return []
    figures = DistrictFigure.objects.filter(valid_from__lte=dates[-1])
    if province is not None:
        figures = figures.filter(district__province=province)
    if district is not None:
        figures = figures.filter(district=district)
    steps: dict[int, list[tuple]] = {}
    for district_id, *step in figures.order_by("district_id", "valid_from").values_list(
        "district_id", "valid_from", _measure(measure), "quota_agencies", "demo"
    ):
        steps.setdefault(district_id, []).append(step)
    if not steps:
        return []  # no district at all: nothing to draw, rather than a line of missing points
    cursor = dict.fromkeys(steps, -1)
    points = []
    for day in dates:
        total, missing, counted, demo = 0, False, False, False
        for district_id, rows in steps.items():
            i = cursor[district_id]
            while i + 1 < len(rows) and rows[i + 1][0] <= day:
                i += 1
            cursor[district_id] = i
            if i < 0 or rows[i][2] == 0:
                continue  # no in-quota agency in this district on that day: nothing to count
            _valid_from, value, _quota, district_demo = rows[i]
            counted, demo = True, demo or district_demo
            if value is None:
                missing = True
            else:
                total += value
        points.append(SeriesPoint(on=day, headcount=total if counted and not missing else None, is_demo=demo))
    return points


def headcount_series_direct(
    *,
    start: datetime.date,
    end: datetime.date,
    measure: str = "authorised",
    province: Province | None = None,
    district: District | None = None,
    dates: list[datetime.date] | None = None,
) -> list[SeriesPoint]:
    """`headcount_series` from the agencies and their records: the definition the summary is tested against.

    Two queries, but the second holds a subquery over the headcount records per date.
    """
    dates = series_dates(start, end, province=province, district=district, dates=dates)
    if not dates:
        return []
    annotations = {}
    for i, day in enumerate(dates):
        annotations[f"hc{i}"] = _total_on(day, measure=measure, province=province, district=district)
        annotations[f"demo{i}"] = _demo_on(day, province=province, district=district)
    row = Province.objects.order_by("pk").annotate(**annotations).values(*annotations).first()
    if row is None:
        return []
    return [SeriesPoint(on=day, headcount=row[f"hc{i}"], is_demo=bool(row[f"demo{i}"])) for i, day in enumerate(dates)]


def district_demo_flags(
    *, province: Province | None, baseline: datetime.date, as_of: datetime.date
) -> dict[str, tuple[bool, bool]]:
    """{district code: (baseline figure uses demo values, as_of figure uses demo values)}. One query."""

    def flag(day):
        return Exists(
            Agency.objects.filter(active_on_q(day), district=OuterRef("pk"), agency_type__in_district_quota=True)
            .annotate(_kind=_latest_kind(day))
            .exclude(_kind=SourceKind.OFFICIAL)
            .exclude(_kind__isnull=True)
        )

    rows = districts_in_period(min(baseline, as_of), max(baseline, as_of), province=province).annotate(
        demo_b=flag(baseline), demo_c=flag(as_of)
    )
    return {code: (b, c) for code, b, c in rows.values_list("code", "demo_b", "demo_c")}


def programme_figures_demo(*, as_of: datetime.date, province: Province | None = None) -> dict[str, bool]:
    """{programme code: whether its completed mergers by `as_of` or their headcounts include demo values}."""
    counted = Merger.objects.filter(programme=OuterRef("pk"), status=MergerStatus.COMPLETED, effective_on__lte=as_of)
    if province is not None:
        counted = counted.filter(district__province=province)
    demo_records = HeadcountRecord.objects.filter(as_of__lte=as_of).exclude(source_kind=SourceKind.OFFICIAL)
    rows = Programme.objects.annotate(
        demo=Exists(counted.exclude(source_kind=SourceKind.OFFICIAL))
        | Exists(demo_records.filter(agency__absorbing_mergers__in=counted))
        | Exists(demo_records.filter(agency__resulting_mergers__in=counted))
    )
    return dict(rows.values_list("code", "demo"))


@dataclasses.dataclass
class Headline:
    programme: Programme
    completed: int
    total: int
    districts_pending: list[str]
    reduction: dict
    is_demo: bool


def dashboard_headlines(
    *, province: Province | None, as_of: datetime.date, measure: str = "authorised"
) -> list[Headline]:
    """Each programme's completion (x/active districts), staff reduction and focal points removed.

    3 + 2 per programme + 1 queries: fixed whatever the number of districts.
    """
    progress = {p.programme: p for p in progress_report(province=province, as_of=as_of)}
    demo = programme_figures_demo(as_of=as_of, province=province)
    out = []
    for programme in programmes_ordered():
        p = progress[programme.code]
        out.append(
            Headline(
                programme=programme,
                completed=p.completed,
                total=p.total,
                districts_pending=p.districts_pending,
                reduction=programme_reduction(programme=programme, as_of=as_of, province=province, measure=measure),
                is_demo=demo.get(programme.code, False),
            )
        )
    return out


def headlines_total(headlines: list[Headline]) -> dict:
    """Province totals over the programmes: sums, and the percentage of the sums."""
    with_data = [h.reduction for h in headlines if h.reduction["headcount_before"] is not None]
    before = sum(r["headcount_before"] for r in with_data) if with_data else None
    after = sum(r["headcount_after"] for r in with_data) if with_data else None
    reduction = _minus(before, after)
    return {
        "headcount_before": before,
        "headcount_after": after,
        "reduction": reduction,
        "reduction_pct": pct(reduction, before),
        "focal_points_removed": sum(h.reduction["focal_points_removed"] for h in headlines),
        "mergers_without_data": sum(h.reduction["mergers_without_data"] for h in headlines),
        "is_demo": any(h.is_demo for h in headlines),
    }


# District page


def district_detail(code: str) -> District:
    """The district with its province, successor and predecessors (two queries)."""
    return (
        District.objects.select_related("province", "successor")
        .prefetch_related(Prefetch("predecessors", queryset=District.objects.order_by("code")))
        .get(code=code)
    )


def district_agencies(district: District, *, on: datetime.date, measure: str = "authorised"):
    """All the district's agencies ever, with their type and headcount on `on` (and its kind)."""
    return (
        Agency.objects.filter(district=district)
        .select_related("agency_type")
        .annotate(
            headcount_on=latest_headcount(agency_ref=OuterRef("pk"), on=on, measure=measure),
            headcount_kind=_latest_kind(on),
        )
        .order_by(F("established_on").asc(nulls_first=True), "agency_type__sector", "name")
    )
