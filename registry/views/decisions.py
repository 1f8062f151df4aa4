"""The decision register (sổ quyết định): the list, one decision's page, its scan, and its forms."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from core.views import ServiceFormView, SortedFilterView, StaffMixin
from figures.selectors import decision_event_groups, decision_events, decision_list
from mergers import services
from mergers.models import Decision
from registry.filtersets import DecisionFilterSet
from registry.forms import DecisionCreateForm, DecisionEditForm
from registry.views.history import history_rows

MSG_DECISION_SAVED = _("Đã lưu văn bản “%(decision)s” trong sổ quyết định.")


class DecisionListView(SortedFilterView):
    """Every decision: search by number or title with or without diacritics, filter by issuer,
    kind, dates, district; each with how many events it authorised."""

    permission_required = "mergers.view_decision"
    filterset_class = DecisionFilterSet
    template_name = "registry/decision_list.html"
    sort_fields = (("date", "date"), ("number", "number"), ("issuer", "issuer"), ("kind", "kind"))
    columns = (
        ("date", _("Ngày ban hành")),
        ("number", _("Số")),
        ("issuer", _("Cơ quan ban hành")),
        ("kind", _("Loại văn bản")),
        ("title", _("Trích yếu")),
        ("events", _("Sự kiện")),
    )

    def get_queryset(self):
        return decision_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for decision in context["object_list"]:
            decision.event_count = len(decision_events(decision))
        return context


class DecisionDetailView(StaffMixin, TemplateView):
    permission_required = "mergers.view_decision"
    template_name = "registry/decision_detail.html"

    def get_context_data(self, **kwargs):
        decision = get_object_or_404(decision_list(), pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "decision": decision,
            "event_groups": decision_event_groups(decision),
            "history": history_rows(decision),
        }


class DecisionScanView(StaffMixin, View):
    """The scanned copy, to signed-in users who may see the register only (never a public URL)."""

    permission_required = "mergers.view_decision"

    def get(self, request, pk):
        decision = get_object_or_404(Decision, pk=pk)
        if not decision.scan:
            raise Http404
        suffix = "." + decision.scan.name.rsplit(".", 1)[-1].lower() if "." in decision.scan.name else ""
        content_type = services.SCAN_CONTENT_TYPES.get(suffix)
        if content_type is None:
            raise Http404
        try:
            handle = decision.scan.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        filename = f"{decision.number}{suffix}".replace("/", "-")
        response = FileResponse(handle, content_type=content_type, filename=filename)
        response["Cache-Control"] = "private, no-store"
        return response


class DecisionCreateView(ServiceFormView):
    permission_required = "mergers.add_decision"
    template_name = "registry/decision_form.html"
    form_class = DecisionCreateForm
    user_form = True
    context_object_name = "decision"
    list_url = reverse_lazy("registry:decision_list")
    success_message = MSG_DECISION_SAVED

    def save(self, data):
        return services.decision_create(user=self.request.user, **data)

    def message_params(self, saved):
        return {"decision": saved}


class DecisionEditView(DecisionCreateView):
    permission_required = "mergers.change_decision"
    form_class = DecisionEditForm

    def get_object(self):
        return get_object_or_404(Decision.objects.select_related("district"), pk=self.kwargs["pk"])

    def save(self, data):
        version, remove_scan = data.pop("version"), data.pop("remove_scan")
        if data.get("scan") is None:  # no new file: the scan is kept, or removed when asked
            data.pop("scan", None)
            if remove_scan:
                data["scan"] = False
        return services.decision_update(
            decision=self.object, data=data, user=self.request.user, expected_version=version
        )
