from django.urls import path

from reports import district_views, opendata_views, views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("exports/bao-cao-bien-che.<str:fmt>", views.StaffingExportView.as_view(), name="staffing_export"),
    path("exports/tien-do-hop-nhat.<str:fmt>", views.ProgressExportView.as_view(), name="progress_export"),
    path("open-data/datapackage.zip", opendata_views.DataPackageView.as_view(), name="datapackage"),
    path("open-data/popolo.json", opendata_views.PopoloView.as_view(), name="popolo"),
    path("reports/print/", views.PrintReportView.as_view(), name="print"),
    path("reports/print.pdf", views.PrintReportPdfView.as_view(), name="print_pdf"),
    path("reports/print/<str:code>/", views.PrintReportView.as_view(), name="print_district"),
    path("reports/print/<str:code>.pdf", views.PrintReportPdfView.as_view(), name="print_district_pdf"),
    path("reports/actual/", views.ActualReportPageView.as_view(), name="actual"),
    path("exports/doi-chieu-dau-moi.<str:fmt>", views.FocalPointsExportView.as_view(), name="focal_points_export"),
]

# A district's page keeps its URL name `districts:district` (config/urls.py includes these under
# that namespace): its view needs the report figures, so it lives here, in the layer above.
district_urlpatterns = [
    path("<str:code>/", district_views.DistrictDetailView.as_view(), name="district"),
]
