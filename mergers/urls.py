"""Pages of the mergers app: mergers, agencies, programmes, headcounts."""

from django.urls import path

from mergers import views

app_name = "mergers"

urlpatterns = [
    path("mergers/", views.MergerListView.as_view(), name="merger_list"),
    path("mergers/new/", views.MergerCreateView.as_view(), name="merger_add"),
    path("mergers/<int:pk>/", views.MergerDetailView.as_view(), name="merger"),
    path("mergers/<int:pk>/advance/", views.MergerAdvanceView.as_view(), name="merger_advance"),
    path("mergers/<int:pk>/complete/", views.MergerCompleteView.as_view(), name="merger_complete"),
    path("mergers/<int:pk>/cancel/", views.MergerCancelView.as_view(), name="merger_cancel"),
    path("agencies/", views.AgencyListView.as_view(), name="agency_list"),
    path("agencies/new/", views.AgencyCreateView.as_view(), name="agency_add"),
    path("agencies/<int:pk>/", views.AgencyDetailView.as_view(), name="agency"),
    path("agencies/<int:pk>/edit/", views.AgencyEditView.as_view(), name="agency_edit"),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/new/", views.ProgrammeCreateView.as_view(), name="programme_add"),
    path("programmes/<slug:code>/", views.ProgrammeDetailView.as_view(), name="programme"),
    path("programmes/<slug:code>/edit/", views.ProgrammeEditView.as_view(), name="programme_edit"),
    path("headcounts/", views.HeadcountListView.as_view(), name="headcount_list"),
    path("headcounts/entry/", views.HeadcountEntryView.as_view(), name="headcount_entry"),
    path("headcounts/import/", views.HeadcountImportView.as_view(), name="headcount_import"),
    path("headcounts/template/", views.HeadcountTemplateFormView.as_view(), name="headcount_template_form"),
    path("headcounts/template.xlsx", views.HeadcountTemplateView.as_view(), name="headcount_template"),
    path("access/", views.AccessListView.as_view(), name="access_list"),
    path("access/<int:pk>/", views.AccessEditView.as_view(), name="access_edit"),
    path("decisions/", views.DecisionListView.as_view(), name="decision_list"),
    path("decisions/new/", views.DecisionCreateView.as_view(), name="decision_add"),
    path("decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="decision"),
    path("decisions/<int:pk>/edit/", views.DecisionEditView.as_view(), name="decision_edit"),
    path("decisions/<int:pk>/scan/", views.DecisionScanView.as_view(), name="decision_scan"),
]
