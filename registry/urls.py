"""Pages of the register: mergers, agencies, programmes, headcounts, decisions, access."""

from django.urls import path

from registry.views import access, agencies, decisions, headcounts, mergers, programmes

app_name = "registry"

urlpatterns = [
    path("mergers/", mergers.MergerListView.as_view(), name="merger_list"),
    path("mergers/new/", mergers.MergerCreateView.as_view(), name="merger_add"),
    path("mergers/<int:pk>/", mergers.MergerDetailView.as_view(), name="merger"),
    path("mergers/<int:pk>/advance/", mergers.MergerAdvanceView.as_view(), name="merger_advance"),
    path("mergers/<int:pk>/complete/", mergers.MergerCompleteView.as_view(), name="merger_complete"),
    path("mergers/<int:pk>/cancel/", mergers.MergerCancelView.as_view(), name="merger_cancel"),
    path("agencies/", agencies.AgencyListView.as_view(), name="agency_list"),
    path("agencies/new/", agencies.AgencyCreateView.as_view(), name="agency_add"),
    path("agencies/<int:pk>/", agencies.AgencyDetailView.as_view(), name="agency"),
    path("agencies/<int:pk>/edit/", agencies.AgencyEditView.as_view(), name="agency_edit"),
    path("programmes/", programmes.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/new/", programmes.ProgrammeCreateView.as_view(), name="programme_add"),
    path("programmes/<slug:code>/", programmes.ProgrammeDetailView.as_view(), name="programme"),
    path("programmes/<slug:code>/edit/", programmes.ProgrammeEditView.as_view(), name="programme_edit"),
    path("headcounts/", headcounts.HeadcountListView.as_view(), name="headcount_list"),
    path("headcounts/entry/", headcounts.HeadcountEntryView.as_view(), name="headcount_entry"),
    path("headcounts/import/", headcounts.HeadcountImportView.as_view(), name="headcount_import"),
    path("headcounts/template/", headcounts.HeadcountTemplateFormView.as_view(), name="headcount_template_form"),
    path("headcounts/template.xlsx", headcounts.HeadcountTemplateView.as_view(), name="headcount_template"),
    path("access/", access.AccessListView.as_view(), name="access_list"),
    path("access/<int:pk>/", access.AccessEditView.as_view(), name="access_edit"),
    path("decisions/", decisions.DecisionListView.as_view(), name="decision_list"),
    path("decisions/new/", decisions.DecisionCreateView.as_view(), name="decision_add"),
    path("decisions/<int:pk>/", decisions.DecisionDetailView.as_view(), name="decision"),
    path("decisions/<int:pk>/edit/", decisions.DecisionEditView.as_view(), name="decision_edit"),
    path("decisions/<int:pk>/scan/", decisions.DecisionScanView.as_view(), name="decision_scan"),
]
