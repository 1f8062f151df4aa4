"""The leaders' dashboard and the exports: thin views over reports.selectors."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from districts.models import Province
from districts.selectors import districts_in_period
from reports import exports, readcache
from reports.charts import Bar, change_bar_chart, headcount_line_chart
from reports.forms import MEASURE_CHOICES, ReportPeriodForm
from reports.selectors import (
    dashboard_headlines,
    district_demo_flags,
    first_decision_date,
    headcount_series,
    headlines_total,
    progress_matrix,
    staffing_report,
    today,
)

REPORT_PERMISSIONS = ("mergers.view_merger", "mergers.view_headcountrecord", "districts.view_district")
FORMATS = ("csv", "xlsx")


# The province the dashboard opens on (GSO code).
DEFAULT_PROVINCE = "22"


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
                self._province = get_object_or_404(Province, code=code)
            else:
                self._province = (
                    Province.objects.filter(code=DEFAULT_PROVINCE).first() or Province.objects.order_by("code").first()
                )
        return self._province

    def get_period_form(self) -> ReportPeriodForm:
        form = ReportPeriodForm(
            self.request.GET or None,
            default_baseline=first_decision_date(self.get_province()) or today(),
            default_as_of=today(),
        )
        if form.is_bound:
            form.is_valid()
        return form

    def get_period(self) -> tuple[ReportPeriodForm, dict]:
        form = self.get_period_form()
        return form, form.period()


def _names(baseline: datetime.date, as_of: datetime.date, province=None) -> tuple[list, dict[str, str]]:
    districts = list(districts_in_period(baseline, as_of, province=province).order_by("code"))
    return districts, {d.code: d.full_name for d in districts}


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
        )
        return context

    def get_body_context(self) -> dict:
        context = {}
        form, period = self.get_period()
        baseline, as_of, measure = period["baseline"], period["as_of"], period["measure"]
        province = self.get_province()
        report = staffing_report(
            province=province, baseline=baseline, as_of=as_of, measure=measure, like_for_like=period["like_for_like"]
        )
        matrix = progress_matrix(province=province, as_of=as_of, start=baseline)
        names = {row.district.code: row.district.full_name for row in matrix.rows}
        demo_flags = district_demo_flags(province=province, baseline=baseline, as_of=as_of)
        headers, table = exports.staffing_table(report, names=names, demo_flags=demo_flags)
        headlines = dashboard_headlines(province=province, as_of=as_of, measure=measure)
        series = headcount_series(start=baseline, end=as_of, measure=measure, province=province)
        staffing_rows = [
            {"row": row, "note": values[2], "is_demo": values[-1] is not None}
            for row, values in zip(report.rows, table, strict=False)
        ]
        bars = [
            Bar(
                label=f"{r['row'].district} {r['row'].name}",
                value=r["row"].change,
                pct=r["row"].change_pct,
                is_demo=r["is_demo"],
                note=r["note"] or "",
            )
            for r in staffing_rows
        ]
        measure_label = dict(MEASURE_CHOICES)[measure]
        query = self.request.GET.urlencode()
        context.update(
            form=form,
            baseline=baseline,
            as_of=as_of,
            measure=measure,
            measure_label=measure_label,
            like_for_like=period["like_for_like"],
            report=report,
            total=report.total,
            total_is_demo=table[-1][-1] is not None,
            staffing_rows=staffing_rows,
            matrix=matrix,
            headlines=headlines,
            # Pending districts by name, not GSO code: leaders do not know the codes by heart.
            headline_cards=[(h, [names.get(code, code) for code in h.districts_pending]) for h in headlines],
            headlines_total=headlines_total(headlines),
            series=series,
            series_is_demo=any(p.is_demo for p in series),
            headcount_chart=headcount_line_chart(
                series,
                chart_id="chart-province-headcount",
                title=_("Biên chế toàn tỉnh theo thời gian (%(measure)s)") % {"measure": measure_label},
            ),
            change_chart=change_bar_chart(
                bars,
                chart_id="chart-district-change",
                title=_("Thay đổi biên chế từng đơn vị, %(baseline)s – %(as_of)s")
                % {"baseline": f"{baseline:%d/%m/%Y}", "as_of": f"{as_of:%d/%m/%Y}"},
            ),
            export_query=f"?{query}" if query else "",
        )
        return context


class StaffingExportView(ReportAccessMixin, View):
    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        _form, period = self.get_period()
        province = self.get_province()
        report = staffing_report(province=province, **period)
        _districts, names = _names(report.baseline, report.as_of, province=province)
        demo_flags = district_demo_flags(province=province, baseline=report.baseline, as_of=report.as_of)
        headers, rows = exports.staffing_table(report, names=names, demo_flags=demo_flags)
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
        )
        return exports.xlsx_response(headers, rows, filename, sheet_title=_("Biên chế"), notes=notes)


class ProgressExportView(ReportAccessMixin, View):
    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        _form, period = self.get_period()
        matrix = progress_matrix(province=self.get_province(), as_of=period["as_of"], start=period["baseline"])
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
        )
        return exports.xlsx_response(headers, rows, filename, sheet_title=_("Tiến độ"), notes=notes)
