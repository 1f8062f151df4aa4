"""A district's page: its agencies over time, its mergers and their lineage, its headcount series."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from districts.models import District
from mergers.choices import SourceKind
from mergers.selectors import merger_list
from reports.charts import headcount_line_chart
from reports.forms import MEASURE_CHOICES
from reports.selectors import district_agencies, district_detail, first_decision_date, headcount_series, today
from reports.views import REPORT_PERMISSIONS


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
        day = today()
        # The series runs from the first decision (or the district's start) to today or its last day.
        start = first_decision_date() or day
        if district.established_on and district.established_on > start:
            start = district.established_on
        end = district.dissolved_on - datetime.timedelta(days=1) if district.dissolved_on else day
        start = min(start, end)
        on = end
        agencies = list(district_agencies(district, on=on, measure=measure))
        mergers = list(merger_list(measure=measure).filter(district=district).order_by("decided_on", "programme__code"))
        series = headcount_series(start=start, end=end, measure=measure, district=district)
        measure_label = dict(MEASURE_CHOICES)[measure]
        context.update(
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
            headcount_chart=headcount_line_chart(
                series,
                chart_id="chart-district-headcount",
                title=_("Biên chế %(district)s theo thời gian (%(measure)s)")
                % {"district": district.full_name, "measure": measure_label},
            ),
        )
        return context
