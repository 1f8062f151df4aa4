"""A district's page: its agencies over time, its mergers and their lineage, its headcount series.

Its URL name is `districts:district` (reports/urls.py, config/urls.py); it sits in reports because it
shows report figures (the layers contract in pyproject.toml).
"""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.roles import REPORT_PERMISSIONS
from districts.models import District
from figures.engine import MEASURE_CHOICES, first_decision_date, headcount_series, today
from figures.selectors import merger_list
from mergers.choices import SourceKind
from reports.charts import headcount_line_chart, trim_flat_tail
from reports.selectors import (
    district_agencies,
    district_detail,
    district_tier,
    reconcile_focal_points,
    reconciliation_terms,
    tier_message,
)


class DistrictDetailView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    template_name = "districts/district_detail.html"
    permission_required = REPORT_PERMISSIONS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            district = district_detail(kwargs["code"])
        except District.DoesNotExist as exc:
            raise Http404(_("Không có đơn vị này.")) from exc
        measure = self.request.GET.get("measure")
        measure = measure if measure in dict(MEASURE_CHOICES) else "authorised"
        # The tier today (read once): today's figures, or those of its last day once it has ended.
        tier = district_tier(district.province, today())
        day = tier.figures_on
        # The series runs from the first decision (or the district's start) to today, or to its
        # last day (the last day of the district tier, 2025-06-30, when it has ended).
        start = first_decision_date() or day
        if district.established_on and district.established_on > start:
            start = district.established_on
        end = district.dissolved_on - datetime.timedelta(days=1) if district.dissolved_on else day
        start = min(start, end)
        on = end
        agencies = list(district_agencies(district, on=on, measure=measure))
        mergers = list(
            merger_list(measure=measure).filter(district=district).order_by("decision__date", "programme__code")
        )
        series = headcount_series(start=start, end=end, measure=measure, districts=[district])
        measure_label = dict(MEASURE_CHOICES)[measure]
        drawn, flat_until = trim_flat_tail(series)
        title = _("Biên chế %(district)s theo thời gian (%(measure)s)") % {
            "district": district.full_name,
            "measure": measure_label,
        }
        # The whole history of its focal points: until the day it ended, when it has.
        rec_end = district.dissolved_on or day
        rec = reconcile_focal_points(start=min(start, rec_end), end=rec_end, district=district)
        context.update(
            rec=rec,
            rec_terms=reconciliation_terms(rec),
            rec_exports=True,
            rec_export_query=f"?district={district.code}&baseline={rec.start:%Y-%m-%d}&as_of={rec.end:%Y-%m-%d}",
            tier=tier,
            tier_message=tier_message(tier, requested=today()),
            district=district,
            predecessors=list(district.predecessors.all()),
            on=on,
            measure=measure,
            measure_label=measure_label,
            agencies=agencies,
            agencies_active=sum(1 for a in agencies if a.is_active_on(on)),
            mergers=mergers,
            series=series,
            series_is_demo=any(p.is_demo for p in series),
            official=SourceKind.OFFICIAL,
            headcount_chart=headcount_line_chart(drawn, chart_id="chart-district-headcount", title=title),
            headcount_chart_narrow=headcount_line_chart(
                drawn, chart_id="chart-district-headcount-narrow", title=title, narrow=True
            ),
            flat_since=drawn[-1].on if flat_until else None,
            flat_until=flat_until,
        )
        return context
