"""The computed reports: staffing change and merger progress, from reports/selectors.py."""

from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasPermissions
from config.api.views import CachedReadMixin, JSONErrorsMixin
from reports.api.serializers import (
    ProgressParamsSerializer,
    ProgressReportSerializer,
    StaffingParamsSerializer,
    StaffingReportSerializer,
)
from reports.selectors import first_decision_date, progress_report, staffing_report, today

REPORT_PERMISSIONS = ["mergers.view_merger", "mergers.view_headcountrecord", "districts.view_district"]


class ReportView(CachedReadMixin, JSONErrorsMixin, APIView):
    permission_classes = [HasPermissions]
    required_permissions = REPORT_PERMISSIONS
    renderer_classes = [JSONRenderer]
    params_class = None

    def params(self) -> dict:
        serializer = self.params_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class StaffingReportView(ReportView):
    """Each district's headcount and focal points on a baseline date and on a later date."""

    params_class = StaffingParamsSerializer

    @extend_schema(parameters=[StaffingParamsSerializer], responses=StaffingReportSerializer)
    def get(self, request):
        params = self.params()
        province = params.get("province")
        as_of = params.get("as_of") or today()
        baseline = params.get("baseline") or first_decision_date(province) or as_of
        report = staffing_report(
            province=province,
            baseline=baseline,
            as_of=as_of,
            measure=params["measure"],
            like_for_like=params["like_for_like"],
        )
        data = {
            "baseline": report.baseline,
            "as_of": report.as_of,
            "province": province.code if province else None,
            "measure": report.measure,
            "like_for_like": report.like_for_like,
            "districts": [row.as_dict() for row in report.rows],
            "total": report.total,
        }
        # Plain values, encoded as StaffingReportSerializer describes them (dates as ISO text):
        # running the serializer over 700 rows would cost more than computing them.
        return Response(data)


class ProgressReportView(ReportView):
    """For each programme, the districts active on a date that had completed it by then."""

    params_class = ProgressParamsSerializer

    @extend_schema(parameters=[ProgressParamsSerializer], responses=ProgressReportSerializer)
    def get(self, request):
        params = self.params()
        province = params.get("province")
        as_of = params.get("as_of") or today()
        programmes = progress_report(province=province, as_of=as_of)
        data = {
            "as_of": as_of,
            "province": province.code if province else None,
            "programmes": [p.as_dict() for p in programmes],
        }
        return Response(data)
