"""Merger programmes (đề án): the list, one programme's page, and its forms (province-wide editors only)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.views import ServiceFormView, SortedFilterView, StaffMixin
from figures.selectors import merger_list
from mergers import services
from mergers.choices import MergerStatus
from mergers.models import Programme
from registry.filtersets import ProgrammeFilterSet
from registry.forms import ProgrammeEditForm, ProgrammeForm
from registry.views.base import ProvinceWideMixin
from registry.views.history import history_rows

MSG_PROGRAMME_SAVED = _("Đã lưu đề án “%(programme)s”.")


class ProgrammeListView(SortedFilterView):
    permission_required = "mergers.view_programme"
    filterset_class = ProgrammeFilterSet
    template_name = "registry/programme_list.html"
    sort_fields = (("code", "code"), ("name", "name"), ("decision__date", "decided_on"))
    columns = (
        ("code", _("Mã")),
        ("name", _("Tên đề án")),
        ("decision", _("Quyết định")),
        ("decided_on", _("Ngày quyết định")),
        ("result_type", _("Loại cơ quan sau hợp nhất")),
    )

    def get_queryset(self):
        return Programme.objects.select_related("result_type", "decision")


class ProgrammeDetailView(StaffMixin, TemplateView):
    permission_required = "mergers.view_programme"
    template_name = "registry/programme_detail.html"

    def get_context_data(self, **kwargs):
        programme = get_object_or_404(
            Programme.objects.select_related("result_type", "decision__district").prefetch_related("source_types"),
            code=self.kwargs["code"],
        )
        return {
            **super().get_context_data(**kwargs),
            "programme": programme,
            "stage_labels": [MergerStatus(s).label for s in programme.stages or []],
            "mergers": merger_list().filter(programme=programme).order_by("district__code"),
            "history": history_rows(programme),
        }


class ProgrammeCreateView(ProvinceWideMixin, ServiceFormView):
    permission_required = "mergers.add_programme"
    template_name = "registry/programme_form.html"
    form_class = ProgrammeForm
    context_object_name = "programme"
    list_url = reverse_lazy("registry:programme_list")
    success_message = MSG_PROGRAMME_SAVED

    def save(self, data):
        data.pop("version", None)
        return services.programme_create(user=self.request.user, **data)

    def message_params(self, saved):
        return {"programme": saved.name}


class ProgrammeEditView(ProgrammeCreateView):
    permission_required = "mergers.change_programme"
    form_class = ProgrammeEditForm

    def get_object(self):
        return get_object_or_404(Programme, code=self.kwargs["code"])

    def save(self, data):
        version = data.pop("version")
        return services.programme_update(
            programme=self.object, data=data, user=self.request.user, expected_version=version
        )
