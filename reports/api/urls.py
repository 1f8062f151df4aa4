"""Routes of the report endpoints under /api/v1/reports/."""

from django.urls import path

from reports.api.views import ProgressReportView, StaffingReportView

urlpatterns = [
    path("reports/staffing/", StaffingReportView.as_view(), name="report-staffing"),
    path("reports/progress/", ProgressReportView.as_view(), name="report-progress"),
]
