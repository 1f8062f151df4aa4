"""Agencies (cơ quan): the list, one agency's page, and its forms."""

from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.views import ServiceFormView, SortedFilterView, StaffMixin
from figures.selectors import agency_lineage, agency_list, merger_list
from mergers import services
from mergers.models import Agency
from registry.filtersets import AgencyFilterSet
from registry.forms import AgencyEditForm, AgencyForm
from registry.views.base import require_district
from registry.views.history import history_rows

MSG_AGENCY_SAVED = _("Đã lưu cơ quan “%(agency)s”.")


class AgencyListView(SortedFilterView):
    permission_required = "mergers.view_agency"
    filterset_class = AgencyFilterSet
    template_name = "registry/agency_list.html"
    sort_fields = (
        ("district__code", "district"),
        ("name", "name"),
        ("agency_type__name", "agency_type"),
        ("established_on", "established_on"),
        ("dissolved_on", "dissolved_on"),
    )
    columns = (
        ("district", _("Đơn vị")),
        ("name", _("Tên cơ quan")),
        ("agency_type", _("Loại cơ quan")),
        ("established_on", _("Thành lập ngày")),
        ("dissolved_on", _("Chấm dứt hoạt động ngày")),
    )

    def get_queryset(self):
        return agency_list()


class AgencyDetailView(StaffMixin, TemplateView):
    permission_required = "mergers.view_agency"
    template_name = "registry/agency_detail.html"

    def get_context_data(self, **kwargs):
        agency = get_object_or_404(
            agency_list().select_related("established_by", "dissolved_by", "successor_province"), pk=self.kwargs["pk"]
        )
        predecessors, successors = agency_lineage(agency)
        return {
            **super().get_context_data(**kwargs),
            "agency": agency,
            "headcounts": agency.headcounts.order_by("-as_of"),
            "created_by": merger_list().filter(result_agency=agency),
            "absorbed_by": merger_list().filter(source_agencies=agency),
            "predecessors": predecessors,
            "successors": successors,
            "history": history_rows(agency),
        }


def duplicate_of(exc) -> Agency | None:
    """The existing agency a refusal as a duplicate (services.MSG_AGENCY_DUPLICATE) names, or None."""
    for errors in getattr(exc, "error_dict", {}).values():
        for error in errors:
            if error.code == "duplicate" and error.params and "id" in error.params:
                return Agency.objects.filter(pk=error.params["id"]).first()
    return None


class AgencyCreateView(ServiceFormView):
    permission_required = "mergers.add_agency"
    template_name = "registry/agency_form.html"
    form_class = AgencyForm
    user_form = True
    context_object_name = "agency"
    list_url = reverse_lazy("registry:agency_list")
    success_message = MSG_AGENCY_SAVED

    def save(self, data):
        return services.agency_create(user=self.request.user, **data)

    def message_params(self, saved):
        return {"agency": saved.name}

    def error_context(self, exc):
        return {"duplicate": duplicate_of(exc)}


class AgencyEditView(AgencyCreateView):
    permission_required = "mergers.change_agency"
    form_class = AgencyEditForm
    user_form = False

    def get_object(self):
        agency = get_object_or_404(agency_list(), pk=self.kwargs["pk"])
        require_district(self.request.user, agency.district)
        return agency

    def save(self, data):
        version = data.pop("version")
        return services.agency_update(agency=self.object, data=data, user=self.request.user, expected_version=version)
