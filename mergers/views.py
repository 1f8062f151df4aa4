"""Web pages for provincial staff: thin views over the selectors, FilterSets and services.

Every page needs a login and the model's permission (view for pages, add/change for
forms). A form checks shapes; the service decides. A service refusal is put back on the
form, next to the field it names, with the user's input kept; nothing is half-saved.
"""

import io
import secrets

import django_filters
import openpyxl
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from django_filters.views import FilterView

from core.dates import fmt_date
from core.history import display, object_history
from core.roles import ROLE_LABELS
from core.spreadsheet import safe_cell
from districts.models import District
from districts.scope import require_district, require_province_wide
from mergers import imports, services
from mergers.choices import OPEN_STATUSES, MergerStatus
from mergers.figures import FAR_FUTURE, headcount_on
from mergers.filtersets import (
    AgencyFilterSet,
    DecisionFilterSet,
    HeadcountFilterSet,
    MergerFilterSet,
    ProgrammeFilterSet,
)
from mergers.forms import (
    AccessForm,
    AgencyEditForm,
    AgencyForm,
    DecisionCreateForm,
    DecisionEditForm,
    HeadcountChooseForm,
    HeadcountImportForm,
    HeadcountRowFormSet,
    HeadcountSourceForm,
    MergerAdvanceForm,
    MergerCancelForm,
    MergerChooseForm,
    MergerCompleteForm,
    MergerForm,
    ProgrammeEditForm,
    ProgrammeForm,
)
from mergers.models import Agency, Decision, HeadcountRecord, Merger, Programme
from mergers.selectors import (
    agencies_for_headcount_entry,
    agencies_with_headcount_on,
    agency_lineage,
    agency_list,
    decision_event_groups,
    decision_events,
    decision_list,
    headcount_list,
    merger_list,
)

PAGE_SIZE = 25
MSG_ALREADY_SUBMITTED = _("Biểu mẫu này đã được gửi; không tạo thêm bản ghi nào.")
MSG_MERGER_CREATED = _("Đã tạo hợp nhất “%(merger)s”.")
MSG_MERGER_ADVANCED = _("Đã chuyển sang giai đoạn “%(status)s”.")
MSG_MERGER_COMPLETED = _("Đã hoàn thành hợp nhất; cơ quan mới: “%(agency)s”.")
MSG_MERGER_CANCELLED = _("Đã hủy hợp nhất.")
MSG_MERGER_CLOSED = _("Hợp nhất này đã kết thúc, không thể thay đổi.")
MSG_AGENCY_SAVED = _("Đã lưu cơ quan “%(agency)s”.")
MSG_PROGRAMME_SAVED = _("Đã lưu đề án “%(programme)s”.")
MSG_HEADCOUNTS_SAVED = _("Đã lưu %(count)s bản ghi số liệu biên chế ngày %(date)s; các dòng không sửa được giữ nguyên.")
MSG_HEADCOUNTS_UNCHANGED = _("Không có dòng nào thay đổi: chưa lưu bản ghi nào.")
MSG_IMPORT_SAVED = _("Đã nhập số liệu biên chế của %(count)s cơ quan ngày %(date)s từ tệp Excel.")
MSG_DECISION_SAVED = _("Đã lưu văn bản “%(decision)s” trong sổ quyết định.")


class _DryRun(Exception):
    """Raised inside a transaction to undo a service call that was only a check."""


# --- helpers ------------------------------------------------------------------------------


class StaffMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous visitors go to the login page; users without the permission get 403."""


def put_errors_on_form(form, exc: ValidationError, *, field_map: dict | None = None) -> None:
    """Each of the service's refusals next to the field it names; other keys above the form."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            field = field_map.get(key, key)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)
    if hasattr(form, "mark_invalid"):
        form.mark_invalid()


def duplicate_of(exc: ValidationError):
    """The existing agency a refusal as a duplicate (services.MSG_AGENCY_DUPLICATE) names, or None."""
    for errors in getattr(exc, "error_dict", {}).values():
        for error in errors:
            if error.code == "duplicate" and error.params and "id" in error.params:
                return Agency.objects.filter(pk=error.params["id"]).first()
    return None


class ProvinceWideMixin:
    """The form of province-wide data (programmes): 403 for an editor limited to some districts,
    already on GET; the service refuses the write itself too (districts.scope.require_province_wide)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_province_wide(request.user)
        return super().dispatch(request, *args, **kwargs)


class OnceTokenMixin:
    """A one-time token in each creation form, so a double submit creates one record."""

    session_key = "form_tokens"

    def new_token(self) -> str:
        token = secrets.token_urlsafe(16)
        tokens = self.request.session.get(self.session_key, [])[-49:]
        self.request.session[self.session_key] = [*tokens, token]
        return token

    def has_token(self, token: str) -> bool:
        """The token is still unused: checked before anything else, so that a form sent again
        (back and resubmit) says so rather than showing the refusals its first sending causes."""
        return bool(token) and token in self.request.session.get(self.session_key, [])

    def take_token(self, token: str) -> bool:
        tokens = self.request.session.get(self.session_key, [])
        if not token or token not in tokens:
            return False
        tokens.remove(token)
        self.request.session[self.session_key] = tokens
        return True

    def give_back_token(self, token: str) -> None:
        tokens = self.request.session.get(self.session_key, [])
        self.request.session[self.session_key] = [*tokens, token]

    def already_submitted(self, url: str):
        messages.warning(self.request, MSG_ALREADY_SUBMITTED)
        return redirect(url)


def history_rows(obj) -> list[dict]:
    """Who changed what and when, newest first: one row per historical record with its changes
    (core.history, the same change log as the history API), each value as the page shows it."""
    return [
        {
            "record": row.record,
            "changes": [
                {"field": c.label, "old": display(c.field, c.old), "new": display(c.field, c.new)} for c in row.changes
            ],
        }
        for row in object_history(obj)
    ]


def sorted_by(filterset_class, fields: tuple[tuple[str, str], ...]):
    """The shared FilterSet with sortable columns (`ordering=name` or `ordering=-name`)."""
    return type(
        filterset_class.__name__,
        (filterset_class,),
        {"ordering": django_filters.OrderingFilter(fields=fields, label=_("Sắp xếp"))},
    )


MSG_BAD_SORT = _("Không sắp xếp được theo “%(value)s”; danh sách theo thứ tự mặc định.")


class SortedFilterView(StaffMixin, FilterView):
    paginate_by = PAGE_SIZE
    strict = True
    sort_fields: tuple[tuple[str, str], ...] = ()
    columns: tuple[tuple[str, object], ...] = ()
    hidden_filters: tuple[str, ...] = ()  # filters of the API not offered on the page (ids)

    def get(self, request, *args, **kwargs):
        """An unknown sort value says so and shows the list in its default order (not an empty list)."""
        value = request.GET.get("ordering")
        if value is not None:
            allowed = {name for _field, name in self.sort_fields}
            if value.removeprefix("-") not in allowed:
                messages.warning(request, MSG_BAD_SORT % {"value": value[:50]})
                query = request.GET.copy()
                del query["ordering"]
                return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        return super().get(request, *args, **kwargs)

    def get_filterset_class(self):
        return sorted_by(self.filterset_class, self.sort_fields)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for field in context["filter"].form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
            if isinstance(widget, forms.DateInput):
                widget.attrs.setdefault("placeholder", "dd/mm/yyyy")
        for name in self.hidden_filters:
            context["filter"].form.fields.pop(name, None)
        current = self.request.GET.get("ordering", "")
        context["columns"] = [
            {
                "name": name,
                "label": label,
                "sortable": name in {v: k for k, v in self.sort_fields},
                "next": f"-{name}" if current == name else name,
                "current": "asc" if current == name else "desc" if current == f"-{name}" else "",
            }
            for name, label in self.columns
        ]
        return context


# --- mergers ------------------------------------------------------------------------------


class MergerListView(SortedFilterView):
    permission_required = "mergers.view_merger"
    filterset_class = MergerFilterSet
    template_name = "mergers/merger_list.html"
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
        return merger_list().order_by(
            F("programme__decision__date").asc(nulls_last=True), "programme__code", "district__code"
        )


class MergerDetailView(StaffMixin, TemplateView):
    permission_required = "mergers.view_merger"
    template_name = "mergers/merger_detail.html"

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
    template_name = "mergers/merger_form.html"

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

    def get(self, request, *args, **kwargs):
        user = request.user
        choose = MergerChooseForm(request.GET or None, user=user)
        form = None
        if choose.is_valid() and choose.cleaned_data.get("district") is not None:
            chosen = choose.cleaned_data
            errors = services.merger_create_errors(
                programme=chosen["programme"],
                district=chosen["district"],
                source_agencies=[],
                decision_number="-",
                decided_on=chosen["decided_on"],
                user=user,
            )
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        options = self.district_options(context["choose"])
        context["district_options"] = options
        context["all_taken"] = bool(options) and all(o["merger_id"] for o in options)
        return context

    def post(self, request, *args, **kwargs):
        user = request.user
        if not self.has_token(request.POST.get("form_token", "")):
            return self.already_submitted(reverse("mergers:merger_list"))
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
            errors = services.merger_create_errors(
                programme=data["programme"],
                district=data["district"],
                source_agencies=list(data.get("source_agencies") or []),
                decision_number=data.get("decision_number") or "",
                decided_on=data["decided_on"],
                note=data.get("note") or "",
                user=user,
            )
            errors = {key: value for key, value in errors.items() if key not in form.errors}
            if errors:
                put_errors_on_form(form, ValidationError(errors))
        if form.errors:
            return self.render_to_response(self.get_context_data(choose=choose, form=form))
        token = data["form_token"]
        if not self.take_token(token):
            return self.already_submitted(reverse("mergers:merger_list"))
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


class MergerActionView(StaffMixin, TemplateView):
    """A form on one open merger of a district the editor may edit."""

    permission_required = "mergers.change_merger"
    form_class = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.merger = None

    def get_merger(self):
        merger = get_object_or_404(
            Merger.objects.select_related("programme__result_type", "district"), pk=self.kwargs["pk"]
        )
        require_district(self.request.user, merger.district)
        return merger

    def get(self, request, *args, **kwargs):
        self.merger = self.get_merger()
        if self.merger.status not in OPEN_STATUSES:
            messages.error(request, MSG_MERGER_CLOSED)
            return redirect(self.merger)
        form = self.form_class(initial={"version": self.merger.version, **self.initial()})
        return self.render_to_response(self.get_context_data(form=form))

    def initial(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "merger": self.merger}

    def post(self, request, *args, **kwargs):
        self.merger = self.get_merger()
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            response = self.act(form, form.cleaned_data)
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        return response


class MergerAdvanceView(MergerActionView):
    form_class = MergerAdvanceForm
    template_name = "mergers/merger_advance.html"

    def act(self, form, data):
        merger = services.merger_advance(
            merger=self.merger,
            status=data["status"],
            on=data["on"],
            note=data["note"],
            decision=data["decision"],
            skip_reason=data["skip_reason"],
            user=self.request.user,
            expected_version=data["version"],
        )
        messages.success(self.request, MSG_MERGER_ADVANCED % {"status": merger.get_status_display()})
        return redirect(merger)


class MergerCancelView(MergerActionView):
    form_class = MergerCancelForm
    template_name = "mergers/merger_cancel.html"

    def act(self, form, data):
        merger = services.merger_cancel(
            merger=self.merger,
            on=data["on"],
            note=data["note"],
            user=self.request.user,
            expected_version=data["version"],
        )
        messages.success(self.request, MSG_MERGER_CANCELLED)
        return redirect(merger)


class MergerCompleteView(MergerActionView):
    """Two POSTs: the first checks everything and shows what will happen, the second does it."""

    form_class = MergerCompleteForm
    template_name = "mergers/merger_complete.html"

    def complete(self, data):
        return services.merger_complete(
            merger=self.merger,
            effective_on=data["effective_on"],
            headcount_after=data["headcount_after"],
            actual_after=data["actual_after"],
            result_name=data["result_name"] or None,
            note=data["note"],
            decision=data["decision"],
            skip_reason=data["skip_reason"],
            user=self.request.user,
            expected_version=data["version"],
        )

    def act(self, form, data):
        if not data["confirm"]:
            try:  # the whole service runs, then is undone: the preview shows its real refusals
                with transaction.atomic():
                    self.complete(data)
                    raise _DryRun
            except _DryRun:
                pass
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    confirming=True,
                    sources=self.merger.source_agencies.order_by("pk"),
                    result_name=data["result_name"] or services.default_result_name(self.merger),
                )
            )
        merger = self.complete(data)
        messages.success(self.request, MSG_MERGER_COMPLETED % {"agency": merger.result_agency.name})
        return redirect(merger)


# --- agencies -----------------------------------------------------------------------------


class AgencyListView(SortedFilterView):
    permission_required = "mergers.view_agency"
    filterset_class = AgencyFilterSet
    template_name = "mergers/agency_list.html"
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
    template_name = "mergers/agency_detail.html"

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


class AgencyCreateView(StaffMixin, OnceTokenMixin, TemplateView):
    permission_required = "mergers.add_agency"
    template_name = "mergers/agency_form.html"

    def get(self, request, *args, **kwargs):
        form = AgencyForm(user=request.user, initial={"form_token": self.new_token()})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        if not self.has_token(request.POST.get("form_token", "")):
            return self.already_submitted(reverse("mergers:agency_list"))
        form = AgencyForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = dict(form.cleaned_data)
        token = data.pop("form_token")
        if not self.take_token(token):
            return self.already_submitted(reverse("mergers:agency_list"))
        try:
            agency = services.agency_create(user=request.user, **data)
        except ValidationError as exc:
            self.give_back_token(token)
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form, duplicate=duplicate_of(exc)))
        messages.success(request, MSG_AGENCY_SAVED % {"agency": agency.name})
        return redirect(agency)


class AgencyEditView(StaffMixin, TemplateView):
    permission_required = "mergers.change_agency"
    template_name = "mergers/agency_form.html"

    def get_agency(self):
        agency = get_object_or_404(agency_list(), pk=self.kwargs["pk"])
        require_district(self.request.user, agency.district)
        return agency

    def get(self, request, *args, **kwargs):
        agency = self.get_agency()
        form = AgencyEditForm(
            initial={
                "agency_type": agency.agency_type_id,
                "name": agency.name,
                "established_on": agency.established_on,
                "established_on_estimated": agency.established_on_estimated,
                "established_by": agency.established_by_id,
                "dissolved_on": agency.dissolved_on,
                "dissolved_by": agency.dissolved_by_id,
                "version": agency.version,
            }
        )
        return self.render_to_response(self.get_context_data(form=form, agency=agency))

    def post(self, request, *args, **kwargs):
        agency = self.get_agency()
        form = AgencyEditForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, agency=agency))
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            agency = services.agency_update(agency=agency, data=data, user=request.user, expected_version=version)
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form, agency=agency, duplicate=duplicate_of(exc)))
        messages.success(request, MSG_AGENCY_SAVED % {"agency": agency.name})
        return redirect(agency)


# --- programmes ---------------------------------------------------------------------------


class ProgrammeListView(SortedFilterView):
    permission_required = "mergers.view_programme"
    filterset_class = ProgrammeFilterSet
    template_name = "mergers/programme_list.html"
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
    template_name = "mergers/programme_detail.html"

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


class ProgrammeCreateView(StaffMixin, ProvinceWideMixin, OnceTokenMixin, TemplateView):
    permission_required = "mergers.add_programme"
    template_name = "mergers/programme_form.html"

    def get(self, request, *args, **kwargs):
        form = ProgrammeForm(initial={"form_token": self.new_token()})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        if not self.has_token(request.POST.get("form_token", "")):
            return self.already_submitted(reverse("mergers:programme_list"))
        form = ProgrammeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = dict(form.cleaned_data)
        token = data.pop("form_token")
        data.pop("version", None)
        if not self.take_token(token):
            return self.already_submitted(reverse("mergers:programme_list"))
        try:
            programme = services.programme_create(user=request.user, **data)
        except ValidationError as exc:
            self.give_back_token(token)
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, MSG_PROGRAMME_SAVED % {"programme": programme.name})
        return redirect(programme)


class ProgrammeEditView(StaffMixin, ProvinceWideMixin, TemplateView):
    permission_required = "mergers.change_programme"
    template_name = "mergers/programme_form.html"

    def get_programme(self):
        return get_object_or_404(Programme, code=self.kwargs["code"])

    def get(self, request, *args, **kwargs):
        programme = self.get_programme()
        form = ProgrammeEditForm(
            initial={
                "name": programme.name,
                "name_en": programme.name_en,
                "decision_number": programme.decision_number,
                "decided_on": programme.decided_on,
                "stages": list(programme.stages or []),
                "description": programme.description,
                "source_types": list(programme.source_types.values_list("pk", flat=True)),
                "result_type": programme.result_type_id,
                "version": programme.version,
            }
        )
        return self.render_to_response(self.get_context_data(form=form, programme=programme))

    def post(self, request, *args, **kwargs):
        programme = self.get_programme()
        form = ProgrammeEditForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, programme=programme))
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            programme = services.programme_update(
                programme=programme, data=data, user=request.user, expected_version=version
            )
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form, programme=programme))
        messages.success(request, MSG_PROGRAMME_SAVED % {"programme": programme.name})
        return redirect(programme)


# --- headcounts ---------------------------------------------------------------------------


class HeadcountListView(SortedFilterView):
    permission_required = "mergers.view_headcountrecord"
    filterset_class = HeadcountFilterSet
    hidden_filters = ("agency",)  # by id, for the API; the page searches by name (q)
    template_name = "mergers/headcount_list.html"
    sort_fields = (
        ("agency__district__code", "district"),
        ("agency__name", "agency"),
        ("as_of", "as_of"),
        ("authorised", "authorised"),
        ("actual", "actual"),
    )
    columns = (
        ("district", _("Đơn vị")),
        ("agency", _("Cơ quan")),
        ("as_of", _("Tính đến ngày")),
        ("authorised", _("Biên chế được giao")),
        ("actual", _("Số người làm việc thực tế")),
        ("source", _("Nguồn")),
    )

    def get_queryset(self):
        return headcount_list()


class HeadcountWriteMixin(StaffMixin):
    def has_permission(self):
        user = self.request.user
        return user.has_perms(["mergers.add_headcountrecord", "mergers.change_headcountrecord"])


def _row_field_errors(exc: ValidationError):
    """Split the service's "rows.<i>.<field>" keys from the others."""
    rows, others = {}, {}
    for key, errors in exc.error_dict.items():
        if key.startswith("rows."):
            _, index, field = key.split(".", 2)
            rows.setdefault(int(index), {})[field] = errors
        else:
            others[key] = errors
    return rows, others


class HeadcountEntryView(HeadcountWriteMixin, TemplateView):
    """One district on one date: one row per active agency, pre-filled with its latest figures.

    Only the rows the editor changed are saved (all of them together, or none): an untouched
    pre-filled row keeps its own record, with its date and its source kind (a demo figure
    saved unchanged must not become an official record of the entry's date). Implausible
    figures are shown as warnings and saved once the editor ticks "Xác nhận".
    """

    template_name = "mergers/headcount_entry.html"

    def agencies(self, choose):
        if not choose.is_valid():
            return []
        data = choose.cleaned_data
        agencies = agencies_for_headcount_entry(data["as_of"], district=data["district"])
        return list(agencies.order_by("agency_type__sector", "name"))

    @staticmethod
    def initial(agencies, as_of) -> list[dict]:
        """What each row shows before the editor types: the figures in force on `as_of`."""
        versions = dict(
            HeadcountRecord.objects.filter(agency__in=agencies, as_of=as_of).values_list("agency_id", "version")
        )
        return [
            {"agency": a.pk, "version": versions.get(a.pk, 0), "authorised": a.authorised_on, "actual": a.actual_on}
            for a in agencies
        ]

    def get(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.GET or None, user=request.user)
        agencies = self.agencies(choose)
        formset = source_form = None
        if agencies:
            formset = HeadcountRowFormSet(initial=self.initial(agencies, choose.cleaned_data["as_of"]))
            source_form = HeadcountSourceForm()
        return self.render_to_response(
            self.get_context_data(
                choose=choose, rows=self.rows(formset, agencies), source_form=source_form, formset=formset
            )
        )

    @staticmethod
    def rows(formset, agencies):
        if formset is None or not agencies:
            return []
        rows = list(zip(formset.forms, agencies, strict=True))
        for form, agency in rows:  # each box says which agency's figure it holds (screen readers)
            for name in ("authorised", "actual"):
                form.fields[name].widget.attrs["aria-label"] = f"{form.fields[name].label}: {agency.name}"
        return rows

    @staticmethod
    def entry_url(choose) -> str:
        as_of = choose.cleaned_data["as_of"]
        query = f"district={choose.cleaned_data['district'].code}&as_of={fmt_date(as_of)}"
        return f"{reverse('mergers:headcount_entry')}?{query}"

    def post(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.POST, user=request.user)
        agencies = self.agencies(choose)
        # The same initial values as the page the editor saw, so that has_changed() tells the
        # rows he touched. A record written meanwhile changes a row's version: that row counts
        # as changed and the service refuses it as stale rather than overwrite it.
        initial = self.initial(agencies, choose.cleaned_data["as_of"]) if agencies else None
        formset = HeadcountRowFormSet(request.POST, initial=initial)
        source_form = HeadcountSourceForm(request.POST)
        warned = False

        def again():
            return self.render_to_response(
                self.get_context_data(
                    choose=choose,
                    rows=self.rows(formset, agencies),
                    source_form=source_form,
                    formset=formset,
                    warned=warned,
                )
            )

        if not agencies:
            return again() if choose.errors else redirect("mergers:headcount_entry")
        valid = formset.is_valid() & source_form.is_valid()
        by_id = {a.pk: a for a in agencies}
        if not valid or len(formset.forms) != len(agencies):
            if len(formset.forms) != len(agencies):  # the district's agencies changed meanwhile
                return redirect(self.entry_url(choose))
            return again()
        rows, forms_of_rows = [], []
        for form in formset.forms:
            data = form.cleaned_data
            agency = by_id.get(data.get("agency"))
            if agency is None or data.get("agency") != form.initial.get("agency"):
                return redirect(self.entry_url(choose))
            if not form.has_changed():
                continue  # untouched: the agency keeps the record it has
            if data.get("authorised") is None and data.get("actual") is None:
                continue  # left blank: the agency keeps no record for that date
            rows.append(
                {
                    "agency": agency,
                    "authorised": data["authorised"],
                    "actual": data["actual"],
                    "expected_version": data.get("version") or 0,
                }
            )
            forms_of_rows.append(form)
        if not rows:
            messages.info(request, MSG_HEADCOUNTS_UNCHANGED)
            return redirect(self.entry_url(choose))
        try:
            saved = services.headcount_record_many(
                district=choose.cleaned_data["district"],
                as_of=choose.cleaned_data["as_of"],
                rows=rows,
                source=source_form.cleaned_data["source"],
                source_kind=source_form.cleaned_data["source_kind"],
                confirm=source_form.cleaned_data["confirm"],
                user=request.user,
            )
        except services.HeadcountWarnings as exc:
            row_warnings, _others = _row_field_errors(exc)
            for index, fields in row_warnings.items():
                forms_of_rows[index].plausibility_warnings = [
                    str(m) for errors in fields.values() for m in ValidationError(errors).messages
                ]
            warned = True
            return again()
        except ValidationError as exc:
            row_errors, others = _row_field_errors(exc)
            for index, fields in row_errors.items():
                form = forms_of_rows[index]
                for field, errors in fields.items():
                    if field == "source":
                        if "source" not in source_form.errors:
                            source_form.add_error("source", errors)
                    else:
                        form.add_error(field if field in ("authorised", "actual") else None, errors)
                form.mark_invalid()
            for _key, errors in others.items():
                source_form.add_error(None, errors)
            source_form.mark_invalid()
            return again()
        as_of = choose.cleaned_data["as_of"]
        messages.success(request, MSG_HEADCOUNTS_SAVED % {"count": len(saved), "date": fmt_date(as_of)})
        return redirect(
            f"{reverse('mergers:headcount_list')}?district={choose.cleaned_data['district'].code}"
            f"&as_of_after={as_of:%Y-%m-%d}&as_of_before={as_of:%Y-%m-%d}"
        )


class HeadcountImportView(HeadcountWriteMixin, TemplateView):
    """A district's headcounts from an .xlsx file (mergers.imports): nothing is saved unless every row is good."""

    template_name = "mergers/headcount_import.html"

    def get(self, request, *args, **kwargs):
        form = HeadcountImportForm(user=request.user, initial=request.GET.dict())
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = HeadcountImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        result = imports.import_headcounts(
            upload=data["file"],
            district=data["district"],
            as_of=data["as_of"],
            source=data["source"],
            source_kind=data["source_kind"],
            confirm=data["confirm"],
            user=request.user,
        )
        if not result.ok:
            for message in result.file_errors:
                form.add_error("file", message)
            for message in result.source_errors:
                form.add_error("source", message)
            form.mark_invalid()
            return self.render_to_response(
                self.get_context_data(form=form, bad_rows=result.bad_rows, warning_rows=result.warnings)
            )
        messages.success(
            request,
            MSG_IMPORT_SAVED % {"count": len(result.saved), "date": fmt_date(data["as_of"])},
        )
        return redirect(f"{reverse('mergers:headcount_list')}?district={data['district'].code}")


def headcount_template_response(district=None, as_of=None) -> HttpResponse:
    """The Excel template; with a district and a date, one row per agency active that day with its
    figures, its name and its type beside its id (only the first four columns are read back)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = gettext("Biên chế")
    sheet.append([str(h) for h in (*imports.TEMPLATE_HEADERS, *imports.TEMPLATE_INFO_HEADERS)])
    for column, width in zip("ABCDEF", (16, 60, 22, 28, 40, 24), strict=True):
        sheet.column_dimensions[column].width = width
    name = "bien-che-mau.xlsx"
    if district is not None and as_of is not None:
        agencies = agencies_with_headcount_on(as_of, district=district).select_related("agency_type")
        for agency in agencies.order_by("agency_type__sector", "name"):
            sheet.append(
                [
                    agency.pk,
                    safe_cell(agency.name),
                    agency.authorised_on,
                    agency.actual_on,
                    safe_cell(agency.agency_type.name),
                    safe_cell(district.full_name),
                ]
            )
        name = f"bien-che-{district.code}-{as_of:%Y-%m-%d}.xlsx"
    notes = workbook.create_sheet(gettext("Hướng dẫn"))
    for line in (
        gettext("Mỗi dòng là một cơ quan; giữ nguyên cột “Mã số cơ quan”."),
        gettext("Nhập số nguyên không âm; để trống cả hai cột nếu không có số liệu."),
        gettext("Các cột “Loại cơ quan” và “Đơn vị” chỉ để đối chiếu; khi nhập, chỉ bốn cột đầu được đọc."),
        gettext("Tệp chỉ được lưu khi mọi dòng đều hợp lệ."),
    ):
        notes.append([safe_cell(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class HeadcountTemplateView(HeadcountWriteMixin, View):
    """The Excel template, pre-filled with the district's active agencies when one is chosen."""

    def get(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.GET or None, user=request.user)
        if choose.is_valid():
            return headcount_template_response(choose.cleaned_data["district"], choose.cleaned_data["as_of"])
        return headcount_template_response()


class HeadcountTemplateFormView(HeadcountWriteMixin, TemplateView):
    """From the menu: choose a district and a date, download its pre-filled template."""

    template_name = "mergers/headcount_template.html"

    def get(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.GET or None, user=request.user)
        if choose.is_valid():
            return headcount_template_response(choose.cleaned_data["district"], choose.cleaned_data["as_of"])
        return self.render_to_response(self.get_context_data(choose=choose))


# --- access: roles and district scopes (issue 16) -------------------------------------------

MSG_ACCESS_SAVED = _("Đã lưu quyền của “%(user)s”.")
MSG_ACCESS_UNCHANGED = _("Không có thay đổi nào.")


def role_choices():
    return [(name, ROLE_LABELS[name]) for name in services.ROLES]


def scope_label(codes, names) -> str:
    if codes is None:
        return gettext("Toàn tỉnh")
    return ", ".join(names.get(code, code) for code in codes) or "—"


class AccessListView(StaffMixin, TemplateView):
    """Every user with his role and district scope; an administrator changes them here."""

    permission_required = services.ACCESS_PERMISSION
    template_name = "mergers/access_list.html"

    def get_context_data(self, **kwargs):
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .prefetch_related("groups", "editor_scope__districts")
            .order_by("username")
        )
        rows = []
        for user in users:
            role = next((g.name for g in user.groups.all() if g.name in services.ROLES), "")
            scope = getattr(user, "editor_scope", None)
            rows.append(
                {
                    "user": user,
                    "role": ROLE_LABELS.get(role, "—"),
                    "scope": gettext("Toàn tỉnh")
                    if scope is None
                    else ", ".join(d.full_name for d in scope.districts.all()) or "—",
                }
            )
        return {**super().get_context_data(**kwargs), "rows": rows}


class AccessEditView(StaffMixin, TemplateView):
    permission_required = services.ACCESS_PERMISSION
    template_name = "mergers/access_form.html"

    def get_user(self):
        return get_object_or_404(get_user_model(), pk=self.kwargs["pk"], is_active=True)

    def get_context_data(self, **kwargs):
        subject = kwargs.get("subject") or self.get_user()
        names = {d.code: d.full_name for d in District.objects.all()}
        changes = [
            {
                "change": change,
                "role_before": ROLE_LABELS.get(change.role_before, "—"),
                "role_after": ROLE_LABELS.get(change.role_after, "—"),
                "scope_before": scope_label(change.scope_before, names),
                "scope_after": scope_label(change.scope_after, names),
            }
            for change in subject.access_changes.select_related("changed_by")
        ]
        return {**super().get_context_data(**kwargs), "subject": subject, "changes": changes}

    def get(self, request, *args, **kwargs):
        subject = self.get_user()
        scope = services.user_scope(subject)
        form = AccessForm(
            role_choices=role_choices(),
            initial={
                "role": services.user_role(subject),
                "province_wide": scope is None,
                "districts": scope or [],
            },
        )
        return self.render_to_response(self.get_context_data(form=form, subject=subject))

    def post(self, request, *args, **kwargs):
        subject = self.get_user()
        form = AccessForm(request.POST, role_choices=role_choices())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, subject=subject))
        data = form.cleaned_data
        try:
            change = services.user_access_set(
                user=subject,
                role=data["role"],
                districts=None if data["province_wide"] else data["districts"],
                by=request.user,
            )
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form, subject=subject))
        if change is None:
            messages.info(request, MSG_ACCESS_UNCHANGED)
        else:
            messages.success(request, MSG_ACCESS_SAVED % {"user": subject.get_full_name() or subject.username})
        return redirect("mergers:access_edit", pk=subject.pk)


# --- the decision register (issue 14) -------------------------------------------------------


class DecisionListView(SortedFilterView):
    """Every decision: search by number or title with or without diacritics, filter by issuer,
    kind, dates, district; each with how many events it authorised."""

    permission_required = "mergers.view_decision"
    filterset_class = DecisionFilterSet
    template_name = "mergers/decision_list.html"
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
    template_name = "mergers/decision_detail.html"

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


def _decision_data(form) -> dict:
    data = dict(form.cleaned_data)
    for key in ("form_token", "version", "remove_scan"):
        data.pop(key, None)
    return data


class DecisionCreateView(StaffMixin, OnceTokenMixin, TemplateView):
    permission_required = "mergers.add_decision"
    template_name = "mergers/decision_form.html"

    def get(self, request, *args, **kwargs):
        form = DecisionCreateForm(user=request.user, initial={"form_token": self.new_token()})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = DecisionCreateForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        token = form.cleaned_data["form_token"]
        if not self.take_token(token):
            return self.already_submitted(reverse("mergers:decision_list"))
        try:
            decision = services.decision_create(user=request.user, **_decision_data(form))
        except ValidationError as exc:
            self.give_back_token(token)
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, MSG_DECISION_SAVED % {"decision": decision})
        return redirect(decision)


class DecisionEditView(StaffMixin, TemplateView):
    permission_required = "mergers.change_decision"
    template_name = "mergers/decision_form.html"

    def get_decision(self):
        return get_object_or_404(Decision.objects.select_related("district"), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        decision = self.get_decision()
        form = DecisionEditForm(
            user=request.user,
            initial={
                "number": decision.number,
                "date": decision.date,
                "issuer": decision.issuer,
                "district": decision.district.code if decision.district_id else None,
                "kind": decision.kind,
                "title": decision.title,
                "source": decision.source,
                "source_kind": decision.source_kind,
                "note": decision.note,
                "version": decision.version,
            },
        )
        return self.render_to_response(self.get_context_data(form=form, decision=decision))

    def post(self, request, *args, **kwargs):
        decision = self.get_decision()
        form = DecisionEditForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, decision=decision))
        data = _decision_data(form)
        if data.get("scan") is None:
            data.pop("scan", None)
            if form.cleaned_data.get("remove_scan"):
                data["scan"] = False
        try:
            decision = services.decision_update(
                decision=decision, data=data, user=request.user, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            put_errors_on_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form, decision=decision))
        messages.success(request, MSG_DECISION_SAVED % {"decision": decision})
        return redirect(decision)
