from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("exports/bao-cao-bien-che.<str:fmt>", views.StaffingExportView.as_view(), name="staffing_export"),
    path("exports/tien-do-hop-nhat.<str:fmt>", views.ProgressExportView.as_view(), name="progress_export"),
]
