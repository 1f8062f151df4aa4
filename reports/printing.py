"""The one-page report for a meeting (A4 portrait): the province's, or one district's.

Title, period, each programme's progress, staff and focal points, the headcount chart, demo
notes, sources and the date printed, all from the report selectors (the one figures engine).
The same page is printed by the browser (static/css/print-report.css) and rendered as PDF on
the server by WeasyPrint, which draws the inline SVG chart with the stylesheet's rules copied
into it (WeasyPrint styles an inline SVG from its own <style> only).
"""

import dataclasses
import datetime
from functools import cache

from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import fmt_date
from districts.models import District, Province
from figures.engine import MEASURE_CHOICES, ReportPeriod, headcount_series, report_period
from figures.selectors import merger_list
from mergers.choices import MergerStatus
from reports.charts import headcount_line_chart
from reports.opendata import SOURCES
from reports.selectors import programme_figures, programme_totals, progress_matrix, staffing_report

PRINT_CSS = "css/print-report.css"


@dataclasses.dataclass
class ProgrammeLine:
    """One programme on the page: for the province x/N districts, for a district its merger's stage."""

    name: str
    decision: str
    progress: str
    headcount_before: int | None
    headcount_after: int | None
    reduction: int | None
    reduction_pct: float | None
    focal_points_removed: int | None
    demo: bool
    # For the province: where each figure comes from, the published aggregate in force and what
    # the districts' sums disagree with (figures.engine.ProgrammeFigures). A district's line: none.
    kinds: dict = dataclasses.field(default_factory=dict)
    published: object = None
    discrepancies: tuple = ()


def district_period(district: District, *, baseline, as_of, measure, like_for_like) -> ReportPeriod:
    """A district's period: by default it ends on the district's last day when it was dissolved."""
    if as_of is None and district.dissolved_on is not None:
        as_of = min(timezone.localdate(), district.dissolved_on - datetime.timedelta(days=1))
    return report_period(
        province=district.province, baseline=baseline, as_of=as_of, measure=measure, like_for_like=like_for_like
    )


def _province_lines(province: Province, period: ReportPeriod) -> tuple[list[ProgrammeLine], object]:
    figures = programme_figures(as_of=period.as_of, province=province, measure=period.measure)
    lines = [
        ProgrammeLine(
            name=f.programme.name,
            decision=f.programme.decision_number,
            progress=_("%(completed)s/%(total)s đơn vị") % {"completed": f.completed, "total": f.total},
            headcount_before=f.headcount_before,
            headcount_after=f.headcount_after,
            reduction=f.reduction,
            reduction_pct=f.reduction_pct,
            focal_points_removed=f.focal_points_removed,
            demo=f.demo,
            kinds=f.kinds,
            published=f.published,
            discrepancies=f.discrepancies,
        )
        for f in figures
    ]
    return lines, programme_totals(figures)


def _district_lines(district: District, period: ReportPeriod) -> list[ProgrammeLine]:
    matrix = progress_matrix(province=district.province, as_of=period.as_of, start=period.baseline)
    row = next((r for r in matrix.rows if r.district.pk == district.pk), None)
    mergers = {
        m.pk: m
        for m in merger_list(measure=period.measure).filter(
            district=district, status=MergerStatus.COMPLETED, effective_on__lte=period.as_of
        )
    }
    lines = []
    for index, programme in enumerate(matrix.programmes):
        cell = row.cells[index] if row else None
        merger = mergers.get(cell.merger_id) if cell and cell.merger_id else None
        if cell is None or cell.stage is None:
            progress = _("Chưa có")
        elif cell.stage == MergerStatus.COMPLETED and cell.effective_on:
            progress = _("%(stage)s từ %(date)s") % {"stage": cell.stage_label, "date": fmt_date(cell.effective_on)}
        else:
            progress = cell.stage_label
        lines.append(
            ProgrammeLine(
                name=programme.name,
                decision=cell.decision_number if cell else "",
                progress=progress,
                headcount_before=merger.headcount_before if merger else None,
                headcount_after=merger.headcount_after if merger else None,
                reduction=merger.reduction if merger else None,
                reduction_pct=round(merger.reduction_pct, 2) if merger and merger.reduction_pct is not None else None,
                focal_points_removed=max(merger.sources_count - 1, 0) if merger else None,
                demo=bool(cell and cell.is_demo) or bool(merger and merger.figures_demo),
            )
        )
    return lines


def dissolution_note(district: District) -> str:
    """ "Huyện Hoành Bồ giải thể từ 01/01/2020, sáp nhập vào Thành phố Hạ Long, theo nghị quyết
    837/NQ-UBTVQH14 ngày 17/12/2019 của Ủy ban Thường vụ Quốc hội.": said whatever the report's
    date, since a district's report defaults to its last day, before the dissolution ("" while active)."""
    if district.dissolved_on is None:
        return ""
    values = {"district": district.full_name, "date": fmt_date(district.dissolved_on)}
    if district.successor_id:
        text = _("%(district)s giải thể từ %(date)s, sáp nhập vào %(successor)s") % {
            **values,
            "successor": district.successor.full_name,
        }
    elif district.successor_province_id:
        text = _("%(district)s giải thể từ %(date)s, chức năng chuyển về tỉnh %(province)s") % {
            **values,
            "province": district.successor_province.name,
        }
    else:
        text = _("%(district)s giải thể từ %(date)s") % values
    decision = district.dissolution_decision
    if decision is not None:
        text += _(", theo %(kind)s %(number)s ngày %(decided)s của %(issuer)s") % {
            "kind": decision.get_kind_display().lower(),
            "number": decision.number,
            "decided": fmt_date(decision.date),
            "issuer": decision.issuer_name,
        }
    return f"{text}."


def report_context(*, province: Province, district: District | None, period: ReportPeriod) -> dict:
    """Everything the one-page report shows."""
    # The province's series is its report's districts' (`with_series`: read with the table's dates).
    report = staffing_report(province=province, **dataclasses.asdict(period), with_series=district is None)
    if district is None:
        staff = report.total
        lines, totals = _province_lines(province, period)
        focal_removed = totals.focal_points_removed
        series = report.series
        title = _("Báo cáo hợp nhất cơ quan cấp huyện – Tỉnh %(name)s") % {"name": province.name}
        chart_title = _("Biên chế toàn tỉnh theo thời gian")
    else:
        staff = next((r for r in report.rows if r.district == district.code), None)
        if staff is None:  # folded into its successor: the district as it was
            unfolded = staffing_report(province=province, **{**dataclasses.asdict(period), "like_for_like": False})
            staff = next(r for r in unfolded.rows if r.district == district.code)
        lines = _district_lines(district, period)
        focal_removed = sum(line.focal_points_removed or 0 for line in lines)
        series_districts = [district, *(d for d in district.predecessors.all() if period.like_for_like)]
        series = headcount_series(
            start=period.baseline, end=period.as_of, measure=period.measure, districts=series_districts
        )
        title = _("Báo cáo hợp nhất cơ quan cấp huyện – %(name)s") % {"name": district.full_name}
        chart_title = _("Biên chế %(district)s theo thời gian") % {"district": district.full_name}
    measure_label = dict(MEASURE_CHOICES)[period.measure]
    demo = staff.demo or any(line.demo for line in lines) or any(p.is_demo for p in series)
    return {
        "title": title,
        "province": province,
        "district": district,
        "period": period,
        "measure_label": measure_label,
        "lines": lines,
        "staff": staff,
        "focal_removed": focal_removed,
        "chart": headcount_line_chart(
            series, chart_id="chart-print-headcount", title=f"{chart_title} ({measure_label})"
        ),
        "chart_title": chart_title,
        "demo": demo,
        "published": any(line.published for line in lines),
        "sources": [s["title"] for s in SOURCES],
        "decisions": sorted(
            {line.decision for line in lines if line.decision}
            | ({district.dissolution_decision.number} if district and district.dissolution_decision else set())
        ),
        "dissolution": dissolution_note(district) if district else "",
        "printed_at": timezone.localtime(),
    }


@cache
def _print_css() -> str:
    with open(finders.find(PRINT_CSS), encoding="utf-8") as handle:
        return handle.read()


def render_pdf(html: str) -> bytes:
    """The page as PDF (WeasyPrint), with the print stylesheet, its rules also inside each SVG."""
    from weasyprint import CSS, HTML

    css = _print_css()
    html = html.replace(
        'xmlns="http://www.w3.org/2000/svg">', f'xmlns="http://www.w3.org/2000/svg"><style>{css}</style>'
    )
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=css)])
