"""Mergers (hợp nhất): the list, one merger's page, a new merger, and its stages (advance,
complete with a preview, cancel)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.api.pagination import KeysFirstPaginator
from core.views import OnceTokenMixin, ServiceFormView, SortedFilterView, StaffMixin, put_errors_on_form
from figures.engine import FAR_FUTURE, headcount_on
from figures.selectors import merger_list, merger_rows
from mergers import services
from mergers.choices import OPEN_STATUSES, MergerStatus
from mergers.models import Merger
from registry.filtersets import MergerFilterSet
from registry.forms import MergerAdvanceForm, MergerCancelForm, MergerChooseForm, MergerCompleteForm, MergerForm
from registry.views.base import require_district
from registry.views.history import history_rows

MSG_MERGER_CREATED = _("Đã tạo hợp nhất “%(merger)s”.")
MSG_MERGER_ADVANCED = _("Đã chuyển sang giai đoạn “%(status)s”.")
MSG_MERGER_COMPLETED = _("Đã hoàn thành hợp nhất; cơ quan mới: “%(agency)s”.")
MSG_MERGER_CANCELLED = _("Đã hủy hợp nhất.")
MSG_MERGER_CLOSED = _("Hợp nhất này đã kết thúc, không thể thay đổi.")


class MergerListView(SortedFilterView):
    permission_required = "mergers.view_merger"
    filterset_class = MergerFilterSet
    template_name = "registry/merger_list.html"
    paginator_class = KeysFirstPaginator  # the figures are computed for the page's rows only
    sort_fields = (
        ("programme__decision__date", "programme"),
        ("district__code", "district"),
        ("status", "status"),
        ("decision__date", "decided_on"),
        ("effective_on", "effective_on"),
        ("headcount_before", "headcount_before"),
        ("reduction", "reduction"),
        ("reduction_pct", "reduction_pct"),
    )
    columns = (
        ("programme", _("Đề án")),
        ("district", _("Đơn vị")),
        ("status", _("Trạng thái")),
        ("decided_on", _("Ngày quyết định")),
        ("effective_on", _("Ngày hiệu lực")),
        ("headcount_before", _("Biên chế trước")),
        ("headcount_after", _("Biên chế sau")),
        ("reduction", _("Giảm")),
        ("reduction_pct", _("Giảm (%)")),
    )

    def get_queryset(self):
        # By programme (in the order they were decided, those without a date last, on every
        # database) then district: the first page shows one programme's districts together.
        return merger_rows().order_by(
            F("programme__decision__date").asc(nulls_last=True), "programme__code", "district__code"
        )


class MergerDetailView(StaffMixin, TemplateView):
    permission_required = "mergers.view_merger"
    template_name = "registry/merger_detail.html"

    def get_context_data(self, **kwargs):
        merger = get_object_or_404(merger_list(), pk=self.kwargs["pk"])
        before = merger.effective_on or FAR_FUTURE
        sources = merger.source_agencies.select_related("agency_type").annotate(
            authorised_before=headcount_on(
                agency_ref=OuterRef("pk"), on=before, measure="authorised", strictly_before=True
            ),
            actual_before=headcount_on(agency_ref=OuterRef("pk"), on=before, measure="actual", strictly_before=True),
        )
        return {
            **super().get_context_data(**kwargs),
            "merger": merger,
            "sources": sources.order_by("pk"),
            "programme_stages": [MergerStatus(s).label for s in merger.programme.stages or []],
            "is_open": merger.status in OPEN_STATUSES,
            "history": history_rows(merger),
        }


class MergerCreateView(StaffMixin, OnceTokenMixin, TemplateView):
    """A new merger in the order the facts come: the decision date, the programme and the
    district (those that already have one under the programme are marked, with a link), then
    the sources among the agencies of the programme's source types active on that date.

    Every refusal, the service's included (`services.merger_create_errors`, which writes
    nothing), is shown in one round.
    """

    permission_required = "mergers.add_merger"
    template_name = "registry/merger_form.html"

    def district_options(self, choose) -> list[dict]:
        """The districts the editor may choose on the date, each with its open merger, if any."""
        if not choose.ready_for_district():
            return []
        day, programme = choose.cleaned_data["decided_on"], choose.cleaned_data["programme"]
        taken = dict(
            Merger.objects.filter(programme=programme)
            .exclude(status=MergerStatus.CANCELLED)
            .values_list("district_id", "pk")
        )
        chosen = choose.cleaned_data.get("district")
        return [
            {"district": d, "merger_id": taken.get(d.pk), "checked": chosen is not None and chosen.pk == d.pk}
            for d in choose.fields["district"].queryset
            if d.is_active_on(day)
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        options = self.district_options(context["choose"])
        context["district_options"] = options
        context["all_taken"] = bool(options) and all(o["merger_id"] for o in options)
        return context

    def service_errors(self, data, *, user) -> dict:
        """The service's refusals of what the form holds so far (services.merger_create_errors)."""
        return services.merger_create_errors(
            programme=data["programme"],
            district=data["district"],
            source_agencies=list(data.get("source_agencies") or []),
            decision_number=data.get("decision_number") or "",
            decided_on=data["decided_on"],
            note=data.get("note") or "",
            user=user,
        )

    def get(self, request, *args, **kwargs):
        user = request.user
        choose = MergerChooseForm(request.GET or None, user=user)
        form = None
        if choose.is_valid() and choose.cleaned_data.get("district") is not None:
            chosen = choose.cleaned_data
            errors = self.service_errors({**chosen, "decision_number": "-"}, user=user)
            if "district" in errors:
                put_errors_on_form(choose, ValidationError({"district": errors["district"]}))
            else:
                form = MergerForm(
                    initial={
                        "programme": chosen["programme"].code,
                        "district": chosen["district"].code,
                        "decided_on": chosen["decided_on"],
                        "form_token": self.new_token(),
                    },
                    user=user,
                    district=chosen["district"],
                    programme=chosen["programme"],
                    day=chosen["decided_on"],
                )
        return self.render_to_response(self.get_context_data(choose=choose, form=form))

    def post(self, request, *args, **kwargs):
        user = request.user
        if not self.has_token(request.POST.get("form_token", "")):
            return self.already_submitted(reverse("registry:merger_list"))
        first = MergerForm(request.POST, user=user)
        first.is_valid()
        chosen = first.cleaned_data
        form = MergerForm(
            request.POST,
            user=user,
            district=chosen.get("district"),
            programme=chosen.get("programme"),
            day=chosen.get("decided_on"),
        )
        form.is_valid()
        choose = MergerChooseForm(
            {key: request.POST.get(key) for key in ("decided_on", "programme", "district")}, user=user
        )
        choose.is_valid()
        data = form.cleaned_data
        if all(data.get(key) is not None for key in ("programme", "district", "decided_on")):
            # The service's rules in the same round as the form's own.
            errors = {k: v for k, v in self.service_errors(data, user=user).items() if k not in form.errors}
            if errors:
                put_errors_on_form(form, ValidationError(errors))
        if form.errors:
            return self.render_to_response(self.get_context_data(choose=choose, form=form))
        token = data["form_token"]
        if not self.take_token(token):
            return self.already_submitted(reverse("registry:merger_list"))
        try:
            merger = services.merger_create(
                programme=data["programme"],
                district=data["district"],
                source_agencies=list(data["source_agencies"]),
                decision_number=data["decision_number"],
                decided_on=data["decided_on"],
                note=data["note"],
                user=user,
            )
        except ValidationError as exc:  # a change made meanwhile by someone else
            self.give_back_token(token)
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(choose=choose, form=form))
        messages.success(request, MSG_MERGER_CREATED % {"merger": merger})
        return redirect(merger)


class MergerActionView(ServiceFormView):
    """A form on one open merger of a district the editor may edit; its save is `service`."""

    permission_required = "mergers.change_merger"
    context_object_name = "merger"
    service = None  # staticmethod(services.merger_...)

    def get_object(self):
        merger = get_object_or_404(
            Merger.objects.select_related("programme__result_type", "district"), pk=self.kwargs["pk"]
        )
        require_district(self.request.user, merger.district)
        return merger

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.status not in OPEN_STATUSES:
            messages.error(request, MSG_MERGER_CLOSED)
            return redirect(self.object)
        return self.show(self.get_form(initial={"version": self.object.version}))

    def arguments(self, data: dict) -> dict:
        """The service's keywords: the form's fields, the merger, the user, the version he read."""
        fields = {key: value for key, value in data.items() if key != "version"}
        return {**fields, "merger": self.object, "user": self.request.user, "expected_version": data["version"]}

    def save(self, data):
        return self.service(**self.arguments(data))


class MergerAdvanceView(MergerActionView):
    form_class = MergerAdvanceForm
    template_name = "registry/merger_advance.html"
    service = staticmethod(services.merger_advance)
    success_message = MSG_MERGER_ADVANCED

    def message_params(self, saved):
        return {"status": saved.get_status_display()}


class MergerCancelView(MergerActionView):
    form_class = MergerCancelForm
    template_name = "registry/merger_cancel.html"
    service = staticmethod(services.merger_cancel)
    success_message = MSG_MERGER_CANCELLED


class MergerCompleteView(MergerActionView):
    """Two POSTs: the first checks everything (services.validate_merger_complete) and shows what
    will happen, the second does it."""

    form_class = MergerCompleteForm
    template_name = "registry/merger_complete.html"
    service = staticmethod(services.merger_complete)
    success_message = MSG_MERGER_COMPLETED

    def arguments(self, data):
        arguments = super().arguments(data)
        del arguments["confirm"]  # the form's own step, not the service's
        return {**arguments, "result_name": data["result_name"] or None}

    def form_valid(self, form, data):
        if data["confirm"]:
            return super().form_valid(form, data)
        completion = services.validate_merger_complete(**self.arguments(data))
        return self.show(form, confirming=True, sources=completion.sources, result_name=completion.result.name)

    def message_params(self, saved):
        return {"agency": saved.result_agency.name}
