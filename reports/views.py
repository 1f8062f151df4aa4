"""The leaders' dashboard and the exports: thin views over reports.selectors."""

import dataclasses

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from rest_framework.exceptions import AuthenticationFailed

from core import readcache
from core.api.compiled import compiled_get
from core.auth import token_user
from core.dates import fmt_date
from core.roles import REPORT_PERMISSIONS
from districts.models import District, Province
from figures.engine import MEASURE_CHOICES, ReportPeriod, default_as_of, programme_list, within_tier
from reports import exports
from reports.charts import Bar, change_bar_chart, headcount_line_chart, trim_flat_tail
from reports.forms import AsOfForm, ReportPeriodForm
from reports.printing import district_period, render_pdf, report_context
from reports.selectors import (
    actual_report,
    district_detail,
    district_tier,
    programme_figures,
    programme_totals,
    progress_matrix,
    reconcile_focal_points,
    reconciliation_terms,
    staffing_report,
    tier_message,
    today,
)

FORMATS = ("csv", "xlsx")


# The province the dashboard opens on (GSO code).
DEFAULT_PROVINCE = "22"


def _province_of(code: str) -> Province:
    """The province of a GSO code, by SQL compiled once (core.api.compiled: every report page
    reads it); Http404 when there is none."""
    return compiled_get(Province.objects.all(), "code", code, key=(_province_of,))


class ReportAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = REPORT_PERMISSIONS

    def get_province(self) -> Province | None:
        """The province shown: `?province=<GSO code>`, else Quảng Ninh (22), else the first one.

        Every figure of the page is filtered by it, so the page costs the same whatever the
        rest of the country holds. An unknown code answers 404.
        """
        if not hasattr(self, "_province"):
            code = self.request.GET.get("province")
            if code:
                self._province = _province_of(code)  # Http404
            else:
                try:
                    self._province = _province_of(DEFAULT_PROVINCE)
                except Http404:
                    self._province = Province.objects.order_by("code").first()
        return self._province

    def get_period_form(self) -> ReportPeriodForm:
        form = ReportPeriodForm(self.request.GET or None, province=self.get_province())
        if form.is_bound:
            form.is_valid()
        return form

    def get_period(self) -> tuple[ReportPeriodForm, ReportPeriod]:
        form = self.get_period_form()
        return form, form.period()

    def figures_period(self, period: ReportPeriod):
        """The period whose figures the page shows, and the district tier on its as-of date
        (`figures.engine.within_tier`: the API follows the same rule)."""
        return within_tier(period, self.get_province())


class TokenAccessMixin:
    """The exports also take the API's `Authorization: Token KEY`: an analyst's
    script downloads them as it reads the API, without a session. A bad token is a JSON 401."""

    def dispatch(self, request, *args, **kwargs):
        try:
            user = token_user(request)
        except AuthenticationFailed as exc:
            response = JsonResponse({"detail": str(exc.detail)}, status=401)
            response["WWW-Authenticate"] = "Token"
            return response
        if user is not None:
            request.user = user
        return super().dispatch(request, *args, **kwargs)


class DashboardView(ReportAccessMixin, TemplateView):
    template_name = "reports/dashboard.html"
    body_template_name = "reports/_dashboard_body.html"

    def get_context_data(self, **kwargs):
        """The page around a body that the read cache keeps until the data changes.

        The body is the same for everyone allowed to see it; the page around it (menu,
        user name, logout form) is rendered for each request.
        """
        context = super().get_context_data(**kwargs)
        province = self.get_province()  # an unknown province is a 404 before any cache lookup
        context["body"] = readcache.cached(
            ("dashboard", getattr(province, "pk", None), self.request.get_full_path()),
            # Without the request: the body needs no context processor (no user, no CSRF token).
            lambda: render_to_string(self.body_template_name, self.get_body_context()),
            province=getattr(province, "code", None),
        )
        return context

    def get_body_context(self) -> dict:
        form, requested = self.get_period()
        province = self.get_province()
        period, tier = self.figures_period(requested)
        # The table's figures and the series chart's, read together (`with_series`).
        report = staffing_report(province=province, **dataclasses.asdict(period), with_series=True)
        programmes = programme_list()  # read once for the matrix, the cards and the reconciliation
        matrix = progress_matrix(
            province=province,
            as_of=period.as_of,
            start=period.baseline,
            districts=report.districts,
            programmes=programmes,
        )
        names = {row.district.code: row.district.full_name for row in matrix.rows}
        # The cards count the districts active on the date asked: none once the tier has ended.
        headlines = programme_figures(
            as_of=requested.as_of, province=province, measure=period.measure, programmes=programmes
        )
        last_headlines = (
            {
                h.programme.code: h
                for h in programme_figures(
                    as_of=period.as_of, province=province, measure=period.measure, programmes=programmes
                )
            }
            if tier.ended
            else {}
        )
        reconciliation = reconcile_focal_points(
            start=requested.baseline, end=requested.as_of, province=province, programmes=programmes
        )
        series = report.series  # `headcount_series` of the report's districts, those of the matrix's rows
        bars = [
            Bar(
                label=f"{row.district} {row.name}",
                value=row.change,
                pct=row.change_pct,
                is_demo=row.demo,
                note=row.note,
            )
            for row in report.rows
        ]
        measure_label = dict(MEASURE_CHOICES)[period.measure]
        query = self.request.GET.urlencode()
        drawn, flat_until = trim_flat_tail(series)
        line_title = _("Biên chế toàn tỉnh theo thời gian (%(measure)s)") % {"measure": measure_label}
        bars_title = _("Thay đổi biên chế từng đơn vị, %(baseline)s – %(as_of)s") % {
            "baseline": fmt_date(period.baseline),
            "as_of": fmt_date(period.as_of),
        }
        day = today()
        clamped = not self.request.GET.get("as_of") and requested.as_of < day and not tier.ended
        return {
            "default_tier": district_tier(province, day) if clamped else None,
            "form": form,
            "requested_as_of": requested.as_of,
            "requested_baseline": requested.baseline,
            "tier": tier,
            "tier_message": tier_message(tier, requested=requested.as_of),
            "today": day,
            "rec": reconciliation,
            "rec_terms": reconciliation_terms(reconciliation),
            "rec_exports": True,
            "rec_export_query": f"?{query}" if query else "",
            "baseline": period.baseline,
            "as_of": period.as_of,
            "measure": period.measure,
            "measure_label": measure_label,
            "like_for_like": period.like_for_like,
            "report": report,
            "total": report.total,
            "matrix": matrix,
            "headlines": headlines,
            # Pending districts by name, not GSO code: leaders do not know the codes by heart.
            "headline_cards": [
                (h, [names.get(code, code) for code in h.districts_pending], last_headlines.get(h.programme.code))
                for h in headlines
            ],
            "headlines_total": programme_totals(headlines),
            "headlines_published": any(h.published for h in headlines),
            "series": series,
            "series_is_demo": any(p.is_demo for p in series),
            "headcount_chart": headcount_line_chart(drawn, chart_id="chart-province-headcount", title=line_title),
            "headcount_chart_narrow": headcount_line_chart(
                drawn, chart_id="chart-province-headcount-narrow", title=line_title, narrow=True
            ),
            "flat_since": drawn[-1].on if flat_until else None,
            "flat_until": flat_until,
            "change_chart": change_bar_chart(bars, chart_id="chart-district-change", title=bars_title),
            "change_chart_narrow": change_bar_chart(
                bars, chart_id="chart-district-change-narrow", title=bars_title, narrow=True
            ),
            "export_query": f"?{query}" if query else "",
        }


class StaffingExportView(TokenAccessMixin, ReportAccessMixin, View):
    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        _form, requested = self.get_period()
        province = self.get_province()
        period, tier = self.figures_period(requested)
        report = staffing_report(province=province, **dataclasses.asdict(period))
        headers, rows = exports.staffing_table(report)
        filename = exports.staffing_filename(report, fmt)
        if fmt == "csv":
            return exports.csv_response(headers, rows, filename)
        notes = exports.notes_rows(
            (_("Ngày gốc"), report.baseline),
            (_("Ngày xem số liệu"), report.as_of),
            (_("Chỉ tiêu"), str(dict(MEASURE_CHOICES)[report.measure])),
            (_("So sánh cùng địa bàn"), _("Có") if report.like_for_like else _("Không")),
            (_("Ô trống"), _("Không có số liệu")),
            (_("demo"), _("Số liệu minh họa (demo), không phải số liệu chính thức")),
            *tier_notes(tier, requested.as_of),
        )
        return exports.xlsx_response(headers, rows, filename, sheet_title=_("Biên chế"), notes=notes)


class ProgressExportView(TokenAccessMixin, ReportAccessMixin, View):
    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        _form, requested = self.get_period()
        period, tier = self.figures_period(requested)
        matrix = progress_matrix(province=self.get_province(), as_of=period.as_of, start=period.baseline)
        names = {row.district.code: row.district.full_name for row in matrix.rows}
        headers, rows = exports.progress_table(matrix, names=names)
        filename = exports.progress_filename(matrix, fmt)
        if fmt == "csv":
            return exports.csv_response(headers, rows, filename)
        notes = exports.notes_rows(
            (_("Ngày xem số liệu"), matrix.as_of),
            (_("Giai đoạn"), _("Giai đoạn mới nhất của hợp nhất tính đến ngày xem số liệu")),
            (_("Ô trống"), _("Không có số liệu")),
            (_("demo"), _("Số liệu minh họa (demo), không phải số liệu chính thức")),
            *tier_notes(tier, requested.as_of),
        )
        return exports.xlsx_response(headers, rows, filename, sheet_title=_("Tiến độ"), notes=notes)


class ActualReportPageView(ReportAccessMixin, TemplateView):
    """Authorised, actual and the gap on one date: the province, each district, each agency."""

    template_name = "reports/actual.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        province = self.get_province()
        form = AsOfForm(self.request.GET or None)
        as_of = form.as_of_or_default(default_as_of(province))
        report = actual_report(province=province, on=as_of)
        context.update(form=form, as_of=as_of, province=province, report=report, total=report.total)
        return context


class PrintReportView(ReportAccessMixin, TemplateView):
    """The one-page A4 report for a meeting: the province's, or a district's (`code`)."""

    template_name = "reports/print.html"

    def get_district(self):
        code = self.kwargs.get("code")
        if code is None:
            return None
        try:
            return district_detail(code)
        except District.DoesNotExist as exc:
            raise Http404(_("Không có đơn vị này.")) from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        district = self.get_district()
        province = district.province if district else self.get_province()
        if province is None:
            raise Http404(_("Chưa có tỉnh nào."))
        form = ReportPeriodForm(self.request.GET or None, province=province)
        if form.is_bound:
            form.is_valid()
        period = district_period(district, **form.valid_values()) if district else form.period()
        context.update(report_context(province=province, district=district, period=period))
        query = self.request.GET.urlencode()
        context.update(form=form, query=f"?{query}" if query else "")
        return context


class PrintReportPdfView(PrintReportView):
    """The same page as a PDF, rendered on the server (WeasyPrint)."""

    template_name = "reports/print_pdf.html"

    def render_to_response(self, context, **response_kwargs):
        html = render_to_string(self.template_name, context, request=self.request)
        period = context["period"]
        place = context["district"].code if context["district"] else context["province"].code
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        filename = f"bao-cao-hop-nhat_{place}_{period.baseline.isoformat()}_{period.as_of.isoformat()}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def tier_notes(tier, requested) -> list[tuple]:
    """The notes sheet's lines about the end of the district tier, when the date asked is after it."""
    if not tier.ended:
        return []
    return [(_("Cấp huyện đã kết thúc"), tier_message(tier, requested=requested))]


class FocalPointsExportView(ReportAccessMixin, View):
    """The focal-point reconciliation of the dashboard's period (or of `?district=`'s), as a table."""

    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        _form, period = self.get_period()
        province = self.get_province()
        district = None
        if request.GET.get("district"):
            district = get_object_or_404(District, code=request.GET["district"])
            province = district.province
        rec = reconcile_focal_points(start=period.baseline, end=period.as_of, province=province, district=district)
        headers, rows = exports.focal_points_table(rec)
        filename = exports.focal_points_filename(rec, fmt)
        if fmt == "csv":
            return exports.csv_response(headers, rows, filename)
        notes = exports.notes_rows(
            (_("Đầu kỳ"), rec.start),
            (_("Cuối kỳ"), rec.end),
            (_("Phạm vi"), district.full_name if district else (province.name if province else _("Toàn quốc"))),
            (
                _("Công thức"),
                _("Đầu mối đầu kỳ + thành lập − hợp nhất vào cơ quan khác − chấm dứt khác = đầu mối cuối kỳ"),
            ),
            (_("Khớp"), _("Có") if rec.balanced else _("Không")),
        )
        return exports.xlsx_response(headers, rows, filename, sheet_title=_("Đối chiếu đầu mối"), notes=notes)
