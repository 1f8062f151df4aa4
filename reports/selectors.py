"""Report figures, computed in the database, shared by the report API and the dashboard.

- A district's headcount on D: the sum over its active in-quota agencies of their latest
  record on or before D; NULL when any of them has no record (missing is never zero).
- Focal points on D: the number of active agencies.
- Percentages are always computed from sums, never averaged.
"""

import dataclasses
import datetime

from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from districts.models import District, Province
from districts.selectors import active_on_q, districts_in_period
from mergers.choices import MergerStatus
from mergers.models import Agency, Merger, Programme
from mergers.selectors import merger_figures_annotations, summed_headcount


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


def _district_figures(day: datetime.date, measure: str) -> dict:
    agencies = Agency.objects.filter(active_on_q(day), district=OuterRef("pk"))
    count = Subquery(
        agencies.order_by().values("district").annotate(c=Count("pk")).values("c"), output_field=IntegerField()
    )
    return {
        "headcount": summed_headcount(agencies, group_by="district", measure=measure, on=day),
        "agencies": Coalesce(count, Value(0)),
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
    base = {f"{k}_baseline": v for k, v in _district_figures(baseline, measure).items()}
    curr = {f"{k}_current": v for k, v in _district_figures(as_of, measure).items()}
    districts = (
        districts_in_period(min(baseline, as_of), max(baseline, as_of), province=province)
        .annotate(**base, **curr)
        .order_by("code")
    )
    rows = []
    for d in districts:
        active_b, active_c = d.is_active_on(baseline), d.is_active_on(as_of)
        rows.append(
            StaffingRow(
                district=d.code,
                name=d.full_name,
                kind=d.kind,
                dissolved_on=d.dissolved_on,
                successor=d.successor.code if d.successor_id else None,
                active_baseline=active_b,
                active_current=active_c,
                headcount_baseline=d.headcount_baseline if active_b else None,
                headcount_current=d.headcount_current if active_c else None,
                agencies_baseline=d.agencies_baseline if active_b else None,
                agencies_current=d.agencies_current if active_c else None,
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
        Merger.objects.filter(status=MergerStatus.COMPLETED, effective_on__lte=as_of, district__code__in=active_codes)
        .order_by("district__code")
        .values_list("programme_id", "district__code")
    )
    completed: dict[int, list[str]] = {}
    for programme_id, code in done:
        completed.setdefault(programme_id, []).append(code)
    out = []
    for programme in Programme.objects.order_by("decided_on", "code"):
        codes = completed.get(programme.pk, [])
        out.append(
            ProgrammeProgress(
                programme=programme.code,
                name=programme.name,
                decision_number=programme.decision_number,
                decided_on=programme.decided_on,
                total=len(active_codes),
                districts_completed=codes,
                districts_pending=[c for c in active_codes if c not in set(codes)],
            )
        )
    return out


def programme_reduction(
    *, programme: Programme, as_of: datetime.date, province: Province | None = None, districts=None
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
    figures = mergers.annotate(**merger_figures_annotations())
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
