"""The reports the dashboard, the exports and the report API show, assembled from the one
figures engine (figures/engine.py). Nothing here computes a figure of its own: rows carry
the engine's figures with their flags (demo, missing) and notes as named fields, so that no
page or export reads anything back from a formatted table.
"""

import dataclasses
import datetime

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from core.api.compiled import compiled_objects, compiled_rows
from core.dates import fmt_date
from districts.models import District, Province
from districts.selectors import districts_in_period
from figures.engine import (
    ActualVsAuthorised,
    AgencyRef,
    DayFigure,
    DistrictTier,
    GapFigure,
    ProgrammeFigures,
    ProgrammeTotals,
    Reconciliation,
    SeriesPoint,
    actual_vs_authorised,
    district_days,
    district_tier,
    first_decision_date,
    fold_day,
    headcount_on,
    headcount_series,
    is_official,
    minus,
    pct,
    programme_figures,
    programme_list,
    programme_totals,
    reconcile_focal_points,
    record_kind_on,
    report_period,
    series_figures,
    series_points,
    today,
    total_of,
)
from figures.selectors import merger_successor_id
from mergers.choices import MergerStatus
from mergers.models import Agency, Merger, MergerStage, Programme

__all__ = [
    "AgencyRef",
    "DistrictTier",
    "Reconciliation",
    "district_tier",
    "reconcile_focal_points",
    "ProgrammeFigures",
    "ProgrammeTotals",
    "first_decision_date",
    "headcount_series",
    "programme_figures",
    "programme_totals",
    "report_period",
    "today",
]


def _d(day: datetime.date | None) -> str:
    return fmt_date(day)


# --- the staffing report ------------------------------------------------------------------


@dataclasses.dataclass
class StaffingRow:
    """One district on the baseline and on the as-of date (or the province total)."""

    district: str  # GSO code ("" for the total)
    name: str
    kind: str
    dissolved_on: datetime.date | None
    successor: str | None
    baseline: DayFigure
    current: DayFigure
    folded: list[str] = dataclasses.field(default_factory=list)
    note: str = ""
    functions_to: str = ""  # the province that took its functions over when it ended (notes only)

    @property
    def active_baseline(self) -> bool:
        return self.baseline.active

    @property
    def active_current(self) -> bool:
        return self.current.active

    @property
    def headcount_baseline(self) -> int | None:
        return self.baseline.headcount

    @property
    def headcount_current(self) -> int | None:
        return self.current.headcount

    @property
    def agencies_baseline(self) -> int | None:
        return self.baseline.agencies

    @property
    def agencies_current(self) -> int | None:
        return self.current.agencies

    @property
    def change(self) -> int | None:
        return minus(self.headcount_current, self.headcount_baseline)

    @property
    def change_pct(self) -> float | None:
        return pct(self.change, self.headcount_baseline)

    @property
    def agencies_change(self) -> int | None:
        return minus(self.agencies_current, self.agencies_baseline)

    @property
    def demo(self) -> bool:
        """A figure shown in this row sums a record that is not official."""
        return self.baseline.demo or self.current.demo

    @property
    def missing_baseline(self) -> tuple[AgencyRef, ...]:
        return self.baseline.missing

    @property
    def missing_current(self) -> tuple[AgencyRef, ...]:
        return self.current.missing

    def figures_dict(self) -> dict:
        return {
            "headcount_baseline": self.headcount_baseline,
            "headcount_current": self.headcount_current,
            "change": self.change,
            "change_pct": self.change_pct,
            "agencies_baseline": self.agencies_baseline,
            "agencies_current": self.agencies_current,
            "agencies_change": self.agencies_change,
            "demo": self.demo,
            "missing_baseline": [_agency_dict(a) for a in self.missing_baseline],
            "missing_current": [_agency_dict(a) for a in self.missing_current],
        }

    def as_dict(self) -> dict:
        return {
            "district": self.district,
            "name": self.name,
            "kind": self.kind,
            "dissolved_on": self.dissolved_on,
            "successor": self.successor,
            "folded": self.folded,
            "note": self.note,
            **self.figures_dict(),
        }


def _agency_dict(agency: AgencyRef) -> dict:
    return {"id": agency.id, "name": agency.name, "district": agency.district}


@dataclasses.dataclass
class StaffingReport:
    baseline: datetime.date
    as_of: datetime.date
    measure: str
    like_for_like: bool
    rows: list[StaffingRow]
    total: StaffingRow
    districts: list[District] = dataclasses.field(default_factory=list)  # those of the period, by code
    # With `with_series`: the province's (or country's) headcount on every date it can change in
    # the period, `headcount_series`' points for `districts`.
    series: list[SeriesPoint] | None = None


def district_note(
    row: StaffingRow, names: dict[str, str], absorbed: list[StaffingRow], as_of: datetime.date | None = None
) -> str:
    """ "Giải thể từ 01/01/2020, sáp nhập vào Thành phố Hạ Long" / "Ngày gốc gồm cả số liệu của Huyện Hoành Bồ".

    A dissolution after `as_of` is not mentioned: the report's date did not know it yet.
    """
    notes = [
        _("Tiếp nhận %(district)s từ %(date)s")
        % {"district": names.get(other.district, other.district), "date": _d(other.dissolved_on)}
        for other in absorbed
    ]
    if row.dissolved_on and (as_of is None or row.dissolved_on <= as_of):
        if row.functions_to:
            notes.append(
                _("Giải thể từ %(date)s, chức năng chuyển về tỉnh %(province)s")
                % {"date": _d(row.dissolved_on), "province": row.functions_to}
            )
        elif row.successor:
            notes.append(
                _("Giải thể từ %(date)s, sáp nhập vào %(successor)s")
                % {"date": _d(row.dissolved_on), "successor": names.get(row.successor, row.successor)}
            )
        else:
            notes.append(_("Giải thể từ %(date)s") % {"date": _d(row.dissolved_on)})
    if row.folded:
        notes.append(
            _("Ngày gốc gồm cả số liệu của %(districts)s")
            % {"districts": ", ".join(names.get(c, c) for c in row.folded)}
        )
    return "; ".join(notes)


def _by_code(start: datetime.date, end: datetime.date, province: int | None = None):
    return districts_in_period(start, end, province=province).order_by("code")


def period_districts(start: datetime.date, end: datetime.date, *, province: Province | None) -> list[District]:
    """`districts_in_period` by code, by SQL compiled once (`core.api.compiled.compiled_objects`:
    compiling it, joined to the provinces and successors, cost more than reading it)."""
    if province is None:
        return compiled_objects(("period_districts",), _by_code, start=start, end=end)
    return compiled_objects(("period_districts", "province"), _by_code, start=start, end=end, province=province.pk)


def staffing_report(
    *,
    province: Province | None,
    baseline: datetime.date,
    as_of: datetime.date,
    measure: str = "authorised",
    like_for_like: bool = False,
    with_series: bool = False,
) -> StaffingReport:
    """Each district's headcount and focal points on `baseline` and on `as_of`, and the total.

    Every district valid at some time in the window appears; one not active on a date has
    no figures for it (by definition, not for want of data). With `like_for_like`, a
    district dissolved inside the window is folded into its successor, so that Hạ Long's
    2020 figures are compared with Hạ Long + Hoành Bồ before. Four queries.

    `with_series` (the dashboard): the report's `series` too, `headcount_series` of its
    districts over the period. Its dates include the report's two, so the figures of both are
    read in one query (one more for the dates), not one for the table and one for the chart.
    """
    period = report_period(
        province=province, baseline=baseline, as_of=as_of, measure=measure, like_for_like=like_for_like
    )
    districts = period_districts(period.baseline, period.as_of, province=province)
    series = None
    if with_series:  # the series' dates begin with the baseline and end with the as-of date
        dates, figures = series_figures(
            period.baseline,
            period.as_of,
            districts=districts,
            measure=period.measure,
            named=(period.baseline, period.as_of),
        )
        series = series_points(dates, districts=districts, figures=figures)
    else:
        figures = district_days([period.baseline, period.as_of], districts=districts, measure=period.measure)
    language = translation.get_language()  # once for the 700 names of a national report
    names = {d.code: d.full_name_in(language) for d in districts}
    rows = [
        StaffingRow(
            district=d.code,
            name=names[d.code],
            kind=d.kind,
            dissolved_on=d.dissolved_on,
            successor=d.successor.code if d.successor_id else None,
            functions_to=d.successor_province.name if d.successor_province_id else "",
            baseline=figures[(d.pk, period.baseline)],
            current=figures[(d.pk, period.as_of)],
        )
        for d in districts
    ]
    total = StaffingRow(
        district="",
        name=_("Toàn tỉnh") if province is not None else _("Toàn quốc"),
        kind="",
        dissolved_on=None,
        successor=None,
        baseline=total_of((r.baseline for r in rows), on=period.baseline),
        current=total_of((r.current for r in rows), on=period.as_of),
        note=_("Tổng các đơn vị đang hoạt động vào từng ngày"),
    )
    if like_for_like:
        rows = fold_into_successors(rows)
    absorbed: dict[str, list[StaffingRow]] = {}
    for row in rows:
        if row.dissolved_on and row.successor and not row.active_current:  # absorbed inside the window
            absorbed.setdefault(row.successor, []).append(row)
    for row in rows:
        row.note = district_note(row, names, absorbed.get(row.district, []), period.as_of)
    return StaffingReport(
        baseline=period.baseline,
        as_of=period.as_of,
        measure=period.measure,
        like_for_like=period.like_for_like,
        rows=rows,
        total=total,
        districts=districts,
        series=series,
    )


def fold_into_successors(rows: list[StaffingRow]) -> list[StaffingRow]:
    """Fold each row active at baseline but gone by the end into its successor's row.

    The successor's baseline becomes the sum of both (`fold_day`: the engine's sum rule;
    a successor created after the baseline takes its predecessors' baseline); the folded
    row disappears. Totals are unchanged. A row whose successor is not in the report stays.
    """
    by_code = {r.district: r for r in rows}
    out = []
    for row in rows:
        target = by_code.get(row.successor) if row.successor else None
        if row.active_baseline and not row.active_current and target is not None and target.active_current:
            target.folded.append(row.district)
            target.baseline = fold_day(target.baseline, row.baseline)
            continue
        out.append(row)
    return out


# --- progress -----------------------------------------------------------------------------


def progress_dict(figures: ProgrammeFigures) -> dict:
    """A programme's figures as the progress API shows them."""
    programme = figures.programme
    return {
        "programme": programme.code,
        "name": programme.name,
        "decision_number": programme.decision_number,
        "decided_on": programme.decided_on,
        "completed": figures.completed,
        "total": figures.total,
        "districts_completed": figures.districts_completed,
        "districts_pending": figures.districts_pending,
        "mergers": figures.mergers,
        "mergers_without_data": figures.mergers_without_data,
        "headcount_before": figures.headcount_before,
        "headcount_after": figures.headcount_after,
        "reduction": figures.reduction,
        "reduction_pct": figures.reduction_pct,
        "focal_points_removed": figures.focal_points_removed,
        "demo": figures.demo,
        # Where each figure comes from (official, published, demo): a published aggregate's
        # figures are the source's, never demo, even when the districts' figures behind them are.
        "source_kinds": figures.kinds,
        "published": figures.published.as_dict() if figures.published else None,
        "discrepancies": [d.as_dict() for d in figures.discrepancies],
    }


def progress_totals(figures: list[ProgrammeFigures]) -> dict:
    """The province's line of the progress report, under the programmes' names:
    `completed` and `total` count district × programme pairs (the districts active on the date
    that had completed each programme, of those districts times the programmes), the staff and
    focal-point figures are the sums over the programmes (`programme_totals`, the dashboard's
    province card), the percentage divides the sums."""
    totals = programme_totals(figures)
    return {
        "completed": sum(f.completed for f in figures),
        "total": sum(f.total for f in figures),
        "mergers": sum(f.mergers for f in figures),
        "mergers_without_data": totals.mergers_without_data,
        "headcount_before": totals.headcount_before,
        "headcount_after": totals.headcount_after,
        "reduction": totals.reduction,
        "reduction_pct": totals.reduction_pct,
        "focal_points_removed": totals.focal_points_removed,
        "demo": totals.demo,
    }


def reconciliation_terms(rec: Reconciliation) -> list[tuple[str, str, tuple]]:
    """(key, title, agencies) of each term, for the pages and the exports."""
    return [
        ("start", _("Đầu mối ngày %(date)s") % {"date": _d(rec.start)}, rec.at_start),
        ("established", _("Thành lập"), rec.established),
        ("merged_away", _("Hợp nhất vào cơ quan khác"), rec.merged_away),
        ("dissolved", _("Chấm dứt khác"), rec.dissolved),
        ("end", _("Đầu mối ngày %(date)s") % {"date": _d(rec.end)}, rec.at_end),
    ]


def tier_dict(tier: DistrictTier) -> dict:
    """The district tier on the report's date, as the report API shows it."""
    decision = tier.decision
    return {
        "on": tier.on,
        "active_districts": tier.active,
        "ended": tier.ended,
        "ended_on": tier.ended_on,
        "last_day": tier.last_day,
        "decision": (
            {
                "id": decision.pk,
                "number": decision.number,
                "date": decision.date,
                "issuer": decision.issuer,
                "title": decision.title,
            }
            if decision is not None
            else None
        ),
        "successor_province": tier.successor_province.code if tier.successor_province is not None else None,
    }


def tier_message(tier: DistrictTier, *, requested=None) -> str:
    """Why no district-level unit is active: the tier's end, its decision, the last figures' date."""
    if not tier.ended:
        return ""
    decision = tier.decision
    parts = [
        _("Ngày %(date)s không còn đơn vị hành chính cấp huyện nào hoạt động: cấp huyện đã kết thúc từ ngày %(ended)s")
        % {"date": _d(requested or tier.on), "ended": _d(tier.ended_on)}
    ]
    if decision is not None:
        parts.append(
            _("theo %(kind)s %(number)s ngày %(decided)s của %(issuer)s")
            % {
                "kind": decision.get_kind_display().lower(),
                "number": decision.number,
                "decided": _d(decision.date),
                "issuer": decision.issuer_name,
            }
        )
    if tier.successor_province is not None:
        parts.append(_("chức năng chuyển về tỉnh %(province)s") % {"province": tier.successor_province.name})
    return (
        "; ".join(parts)
        + ". "
        + _("Số liệu dưới đây là số liệu cuối cùng, ngày %(last)s.") % {"last": _d(tier.last_day)}
    )


# --- the district x programme matrix ------------------------------------------------------


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
    decision_id: int | None = None
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


_MATRIX_FIELDS = (
    "pk",
    "programme_id",
    "district_id",
    "status",
    "decision_id",
    "decision__number",
    "decision__date",
    "effective_on",
    "source_kind",
    "stage_now",
    "stage_now_on",
)


def _matrix_mergers(as_of, *, province_id=None, district_ids=None):
    """The mergers of a province's districts (or of `district_ids`), with their stage on `as_of`."""
    if district_ids is None:
        mergers = Merger.objects.filter(district__province_id=province_id)
    else:
        mergers = Merger.objects.filter(district__in=district_ids)
    queryset = mergers.annotate(
        stage_now=_latest_stage("status", as_of), stage_now_on=_latest_stage("on", as_of)
    ).order_by("pk")
    return queryset.values_list(*_MATRIX_FIELDS) if district_ids is None else queryset.values(*_MATRIX_FIELDS)


def progress_matrix(
    *,
    province: Province | None,
    as_of: datetime.date,
    start: datetime.date | None = None,
    districts: list[District] | None = None,
    programmes: list[Programme] | None = None,
) -> ProgressMatrix:
    """Every district of the period [start, as_of] x every programme: the merger's stage on `as_of`.

    A cell's stage is the merger's latest stage dated on or before `as_of` (None: nothing yet
    by then), with its date, the decision number and the merger id. A cancelled merger shows
    only when the district has no other one under that programme. Three queries; one given
    the period's `districts` (by code) and the `programme_list()` a page has read already
    (for a province, compiled once: `core.api.compiled.compiled_rows`).
    """
    if districts is None:
        districts = period_districts(min(start or as_of, as_of), as_of, province=province)
    if programmes is None:
        programmes = programme_list()
    if province is None:
        mergers = _matrix_mergers(as_of, district_ids=[d.pk for d in districts])
    else:
        # The province's mergers: a superset of its period's districts', compiled once.
        rows = compiled_rows(("progress_matrix",), _matrix_mergers, as_of=as_of, province_id=province.pk)
        mergers = [dict(zip(_MATRIX_FIELDS, row, strict=True)) for row in rows]
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
                    decision_id=m["decision_id"] if m["decision__date"] <= as_of else None,
                    decision_number=m["decision__number"] if m["decision__date"] <= as_of else "",
                    decided_on=m["decision__date"] if m["decision__date"] <= as_of else None,
                    effective_on=m["effective_on"] if m["stage_now"] == MergerStatus.COMPLETED else None,
                    is_demo=not is_official(m["source_kind"]),
                )
            )
        rows.append(MatrixRow(district=district, active=district.is_active_on(as_of), cells=cells))
    return ProgressMatrix(as_of=as_of, programmes=programmes, rows=rows)


# --- the district page ----------------------------------------------------------------


def district_detail(code: str) -> District:
    """The district with its province, successor and predecessors (two queries)."""
    return (
        District.objects.select_related("province", "successor", "successor_province", "dissolution_decision")
        .prefetch_related(Prefetch("predecessors", queryset=District.objects.order_by("code")))
        .get(code=code)
    )


def district_agencies(district: District, *, on: datetime.date, measure: str = "authorised"):
    """All the district's agencies ever, with their type and headcount on `on` (and its kind),
    and where each went when it ended (`merger_successor_id`; `successor`, `successor_province`)."""
    return (
        Agency.objects.filter(district=district)
        .select_related("agency_type", "successor__district", "successor_province", "dissolved_by")
        .annotate(merger_successor_id=merger_successor_id())
        .annotate(
            headcount_on=headcount_on(agency_ref=OuterRef("pk"), on=on, measure=measure),
            headcount_kind=record_kind_on(agency_ref=OuterRef("pk"), on=on),
        )
        .order_by(F("established_on").asc(nulls_first=True), "agency_type__sector", "name")
    )


# --- actual against authorised ------------------------------------------------------------


def actual_note(figure: GapFigure) -> str:
    """What a reader must know about the actual figure, in plain words ("" when complete)."""
    if figure.actual_status == "not_entered":
        if not figure.counted:
            return _("Không có cơ quan nào được tính vào ngày này.")
        return _("Chưa nhập số người làm việc thực tế của cơ quan nào vào ngày này.")
    if figure.actual_status == "partial":
        return _(
            "Chưa nhập số người làm việc thực tế của %(missing)s/%(counted)s cơ quan, nên tổng là không có số liệu."
        ) % {"missing": figure.counted - figure.actual_entered, "counted": figure.counted}
    return ""


def gap_dict(figure: GapFigure) -> dict:
    """A gap figure as the API and the CSV show it."""
    return {
        "authorised": figure.authorised,
        "actual": figure.actual,
        "gap": figure.gap,
        "gap_pct": figure.gap_pct,
        "counted": figure.counted,
        "actual_entered": figure.actual_entered,
        "actual_status": figure.actual_status,
        "demo": figure.demo,
        "missing_actual": [_agency_dict(a) for a in figure.missing_actual],
        "missing_authorised": [_agency_dict(a) for a in figure.missing_authorised],
        "note": actual_note(figure),
    }


def actual_report(*, province: Province | None, on: datetime.date) -> ActualVsAuthorised:
    """Authorised, actual and the gap on `on` for the province's districts active that day (the engine's)."""
    districts = districts_in_period(on, on, province=province).select_related("successor").order_by("code")
    return actual_vs_authorised(on=on, districts=list(districts))


def actual_report_dict(report: ActualVsAuthorised, *, province: Province | None) -> dict:
    return {
        "as_of": report.on,
        "province": province.code if province else None,
        "total": gap_dict(report.total),
        "districts": [{"district": d.code, "name": d.full_name, **gap_dict(figure)} for d, figure in report.districts],
        "agencies": [
            {
                "id": a.agency.id,
                "name": a.agency.name,
                "district": a.agency.district,
                "agency_type": a.agency_type,
                **gap_dict(a.figure),
            }
            for a in report.agencies
        ],
    }
