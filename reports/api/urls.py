"""Routes of the report endpoints under /api/v1/reports/."""

from django.urls import path

from reports.api.views import ActualReportView, FocalPointReportView, ProgressReportView, StaffingReportView

urlpatterns = [
    path("reports/staffing/", StaffingReportView.as_view(), name="report-staffing"),
    path("reports/progress/", ProgressReportView.as_view(), name="report-progress"),
    path("reports/actual-vs-authorised/", ActualReportView.as_view(), name="report-actual-vs-authorised"),
    path("reports/focal-points/", FocalPointReportView.as_view(), name="report-focal-points"),
]
