"""Web pages for provincial staff: thin views over the selectors, FilterSets and services.

Every page needs a login and the model's permission (view for pages, add/change for
forms). A form checks shapes; the service decides. A service refusal is put back on the
form, next to the field it names, with the user's input kept; nothing is half-saved.
"""

import datetime
import io
import secrets

import django_filters
import openpyxl
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from django_filters.views import FilterView

from districts.selectors import user_can_edit_district
from mergers import services
from mergers.choices import OPEN_STATUSES
from mergers.filtersets import AgencyFilterSet, HeadcountFilterSet, MergerFilterSet, ProgrammeFilterSet
from mergers.forms import (
    AgencyEditForm,
    AgencyForm,
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
from mergers.models import Agency, HeadcountRecord, Merger, Programme
from mergers.selectors import (
    FAR_FUTURE,
    agencies_for_headcount_entry,
    agencies_with_headcount_on,
    agency_list,
    headcount_list,
    latest_headcount,
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
MSG_HEADCOUNTS_SAVED = _("Đã lưu số liệu biên chế của %(count)s cơ quan ngày %(date)s.")
MSG_IMPORT_SAVED = _("Đã nhập số liệu biên chế của %(count)s cơ quan ngày %(date)s từ tệp Excel.")
MSG_UNKNOWN_AGENCY = _("Không tìm thấy cơ quan mã số %(id)s.")
MSG_NOT_A_NUMBER = _("“%(value)s” không phải là số nguyên.")
MSG_BAD_FILE = _("Không đọc được tệp Excel này.")
MSG_EMPTY_FILE = _("Tệp không có dòng số liệu nào.")
MSG_AGENCY_ID_MISSING = _("Thiếu mã số cơ quan.")

TEMPLATE_HEADERS = (
    _("Mã số cơ quan"),
    _("Tên cơ quan"),
    _("Biên chế được giao"),
    _("Số người làm việc thực tế"),
)


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


def require_district(user, district) -> None:
    if not user_can_edit_district(user, district):
        raise PermissionDenied(services.MSG_DISTRICT_NOT_ALLOWED % {"district": district.full_name})


class OnceTokenMixin:
    """A one-time token in each creation form, so a double submit creates one record."""

    session_key = "form_tokens"

    def new_token(self) -> str:
        token = secrets.token_urlsafe(16)
        tokens = self.request.session.get(self.session_key, [])[-49:]
        self.request.session[self.session_key] = [*tokens, token]
        return token

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


def history_rows(obj, *, exclude=("updated_at", "created_at", "search_name", "version")) -> list[dict]:
    """Who changed what and when, newest first: one row per historical record with its changes."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    model = type(obj)
    fields = [f for f in model._meta.concrete_fields if f.name not in exclude and not f.primary_key]
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            for field in fields:
                old, new = getattr(previous, field.attname), getattr(record, field.attname)
                if old == new:
                    continue
                if field.is_relation:  # only the changed relations are read, one query each
                    old, new = getattr(previous, field.name), getattr(record, field.name)
                changes.append({"field": field.verbose_name, "old": _display(field, old), "new": _display(field, new)})
        rows.append({"record": record, "changes": changes})
    return rows


def _display(field, value):
    if value is None or value == "":
        return None
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime.date):
        return value
    return str(value)


def sorted_by(filterset_class, fields: tuple[tuple[str, str], ...]):
    """The shared FilterSet with sortable columns (`ordering=name` or `ordering=-name`)."""
    return type(
        filterset_class.__name__,
        (filterset_class,),
        {"ordering": django_filters.OrderingFilter(fields=fields, label=_("Sắp xếp"))},
    )


class SortedFilterView(StaffMixin, FilterView):
    paginate_by = PAGE_SIZE
    strict = True
    sort_fields: tuple[tuple[str, str], ...] = ()
    columns: tuple[tuple[str, object], ...] = ()

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
        ("programme__decided_on", "programme"),
        ("district__code", "district"),
        ("status", "status"),
        ("decided_on", "decided_on"),
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
        return merger_list()


class MergerDetailView(StaffMixin, TemplateView):
    permission_required = "mergers.view_merger"
    template_name = "mergers/merger_detail.html"

    def get_context_data(self, **kwargs):
        merger = get_object_or_404(merger_list(), pk=self.kwargs["pk"])
        before = merger.effective_on or FAR_FUTURE
        sources = merger.source_agencies.select_related("agency_type").annotate(
            authorised_before=latest_headcount(
                agency_ref=OuterRef("pk"), on=before, measure="authorised", strictly_before=True
            ),
            actual_before=latest_headcount(
                agency_ref=OuterRef("pk"), on=before, measure="actual", strictly_before=True
            ),
        )
        return {
            **super().get_context_data(**kwargs),
            "merger": merger,
            "sources": sources.order_by("pk"),
            "is_open": merger.status in OPEN_STATUSES,
            "history": history_rows(merger),
        }


class MergerCreateView(StaffMixin, OnceTokenMixin, TemplateView):
    permission_required = "mergers.add_merger"
    template_name = "mergers/merger_form.html"

    def forms(self, data=None):
        """Step 1 (GET: programme, district) and step 2 (the sources, the decision)."""
        user = self.request.user
        if data is None:
            choose = MergerChooseForm(self.request.GET or None, user=user)
            if not choose.is_valid():
                return choose, None
            chosen = choose.cleaned_data
            initial = {"programme": chosen["programme"].code, "district": chosen["district"].code}
            form = MergerForm(
                initial={**initial, "form_token": self.new_token()}, user=user, district=chosen["district"]
            )
            return choose, form
        choose = MergerChooseForm({"programme": data.get("programme"), "district": data.get("district")}, user=user)
        choose.is_valid()
        first = MergerForm(data, user=user)
        first.is_valid()
        form = MergerForm(
            data,
            user=user,
            district=first.cleaned_data.get("district"),
            day=first.cleaned_data.get("decided_on"),
        )
        return choose, form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "choose" not in context:
            context["choose"], context["form"] = self.forms()
        return context

    def post(self, request, *args, **kwargs):
        choose, form = self.forms(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(choose=choose, form=form))
        token = form.cleaned_data["form_token"]
        if not self.take_token(token):
            return self.already_submitted(reverse("mergers:merger_list"))
        data = form.cleaned_data
        try:
            merger = services.merger_create(
                programme=data["programme"],
                district=data["district"],
                source_agencies=list(data["source_agencies"]),
                decision_number=data["decision_number"],
                decided_on=data["decided_on"],
                note=data["note"],
                user=request.user,
            )
        except ValidationError as exc:
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
        agency = get_object_or_404(agency_list(), pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "agency": agency,
            "headcounts": agency.headcounts.order_by("-as_of"),
            "created_by": merger_list().filter(result_agency=agency),
            "absorbed_by": merger_list().filter(source_agencies=agency),
            "history": history_rows(agency),
        }


class AgencyCreateView(StaffMixin, OnceTokenMixin, TemplateView):
    permission_required = "mergers.add_agency"
    template_name = "mergers/agency_form.html"

    def get(self, request, *args, **kwargs):
        form = AgencyForm(user=request.user, initial={"form_token": self.new_token()})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
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
            return self.render_to_response(self.get_context_data(form=form))
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
                "dissolved_on": agency.dissolved_on,
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
            return self.render_to_response(self.get_context_data(form=form, agency=agency))
        messages.success(request, MSG_AGENCY_SAVED % {"agency": agency.name})
        return redirect(agency)


# --- programmes ---------------------------------------------------------------------------


class ProgrammeListView(SortedFilterView):
    permission_required = "mergers.view_programme"
    filterset_class = ProgrammeFilterSet
    template_name = "mergers/programme_list.html"
    sort_fields = (("code", "code"), ("name", "name"), ("decided_on", "decided_on"))
    columns = (
        ("code", _("Mã")),
        ("name", _("Tên đề án")),
        ("decision", _("Quyết định")),
        ("decided_on", _("Ngày quyết định")),
        ("result_type", _("Loại cơ quan sau hợp nhất")),
    )

    def get_queryset(self):
        return Programme.objects.select_related("result_type")


class ProgrammeDetailView(StaffMixin, TemplateView):
    permission_required = "mergers.view_programme"
    template_name = "mergers/programme_detail.html"

    def get_context_data(self, **kwargs):
        programme = get_object_or_404(
            Programme.objects.select_related("result_type").prefetch_related("source_types"), code=self.kwargs["code"]
        )
        return {
            **super().get_context_data(**kwargs),
            "programme": programme,
            "mergers": merger_list().filter(programme=programme).order_by("district__code"),
            "history": history_rows(programme),
        }


class ProgrammeCreateView(StaffMixin, OnceTokenMixin, TemplateView):
    permission_required = "mergers.add_programme"
    template_name = "mergers/programme_form.html"

    def get(self, request, *args, **kwargs):
        form = ProgrammeForm(initial={"form_token": self.new_token()})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
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


class ProgrammeEditView(StaffMixin, TemplateView):
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
    """One district on one date: one row per active agency, saved all together or not at all."""

    template_name = "mergers/headcount_entry.html"

    def agencies(self, choose):
        if not choose.is_valid():
            return []
        data = choose.cleaned_data
        agencies = agencies_for_headcount_entry(data["as_of"], district=data["district"])
        return list(agencies.order_by("agency_type__sector", "name"))

    def get(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.GET or None, user=request.user)
        agencies = self.agencies(choose)
        formset = source_form = None
        if agencies:
            versions = dict(
                HeadcountRecord.objects.filter(agency__in=agencies, as_of=choose.cleaned_data["as_of"]).values_list(
                    "agency_id", "version"
                )
            )
            formset = HeadcountRowFormSet(
                initial=[
                    {
                        "agency": a.pk,
                        "version": versions.get(a.pk, 0),
                        "authorised": a.authorised_on,
                        "actual": a.actual_on,
                    }
                    for a in agencies
                ]
            )
            source_form = HeadcountSourceForm()
        return self.render_to_response(
            self.get_context_data(
                choose=choose, rows=self.rows(formset, agencies), source_form=source_form, formset=formset
            )
        )

    @staticmethod
    def rows(formset, agencies):
        return list(zip(formset.forms, agencies, strict=True)) if formset is not None and agencies else []

    def post(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.POST, user=request.user)
        agencies = self.agencies(choose)
        formset = HeadcountRowFormSet(request.POST)
        source_form = HeadcountSourceForm(request.POST)

        def again():
            return self.render_to_response(
                self.get_context_data(
                    choose=choose, rows=self.rows(formset, agencies), source_form=source_form, formset=formset
                )
            )

        if not agencies:
            return again() if choose.errors else redirect("mergers:headcount_entry")
        valid = formset.is_valid() & source_form.is_valid()
        by_id = {a.pk: a for a in agencies}
        if not valid or len(formset.forms) != len(agencies):
            if len(formset.forms) != len(agencies):  # the district's agencies changed meanwhile
                as_of = choose.cleaned_data["as_of"]
                query = f"district={choose.cleaned_data['district'].code}&as_of={as_of:%d/%m/%Y}"
                return redirect(f"{reverse('mergers:headcount_entry')}?{query}")
            return again()
        rows, forms_of_rows = [], []
        for form in formset.forms:
            data = form.cleaned_data
            agency = by_id.get(data.get("agency"))
            if agency is None:
                return redirect(reverse("mergers:headcount_entry"))
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
        try:
            saved = services.headcount_record_many(
                district=choose.cleaned_data["district"],
                as_of=choose.cleaned_data["as_of"],
                rows=rows,
                source=source_form.cleaned_data["source"],
                source_kind=source_form.cleaned_data["source_kind"],
                user=request.user,
            )
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
        messages.success(request, MSG_HEADCOUNTS_SAVED % {"count": len(saved), "date": as_of.strftime("%d/%m/%Y")})
        return redirect(
            f"{reverse('mergers:headcount_list')}?district={choose.cleaned_data['district'].code}"
            f"&as_of_after={as_of:%Y-%m-%d}&as_of_before={as_of:%Y-%m-%d}"
        )


def _cell_int(value):
    """An integer cell: None when blank; ValueError when not a whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace(".", "").replace(",", "").replace(" ", "")
    if text.lstrip("-").isdigit():
        return int(text)
    raise ValueError(value)


class HeadcountImportView(HeadcountWriteMixin, TemplateView):
    """A district's headcounts from an .xlsx file: every row is checked, nothing is saved unless all are good."""

    template_name = "mergers/headcount_import.html"

    def get(self, request, *args, **kwargs):
        form = HeadcountImportForm(user=request.user, initial=request.GET.dict())
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = HeadcountImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        district, upload = data["district"], data["file"]  # add_error("file") below drops it from cleaned_data
        try:
            parsed = self.read(upload)
        except Exception:  # openpyxl raises many kinds of error for a damaged file
            form.add_error("file", MSG_BAD_FILE)
            form.mark_invalid()
            return self.render_to_response(self.get_context_data(form=form))
        bad = []  # (line, agency label, [messages])
        ids = {row["id"] for row in parsed if isinstance(row["id"], int)}
        agencies = Agency.objects.select_related("district").in_bulk(ids)
        rows, lines = [], []
        for row in parsed:
            reasons = []
            agency = agencies.get(row["id"]) if isinstance(row["id"], int) else None
            if row["id"] is None:
                reasons.append(str(MSG_AGENCY_ID_MISSING))
            elif agency is None:
                reasons.append(MSG_UNKNOWN_AGENCY % {"id": row["id"]})
            numbers = {}
            for field in ("authorised", "actual"):
                try:
                    numbers[field] = _cell_int(row[field])
                except ValueError:
                    reasons.append(MSG_NOT_A_NUMBER % {"value": row[field]})
            if reasons:
                bad.append((row["line"], row["name"], reasons))
                continue
            if numbers["authorised"] is None and numbers["actual"] is None:
                continue
            rows.append({"agency": agency, **numbers})
            lines.append(row)
        if not parsed:
            form.add_error("file", MSG_EMPTY_FILE)
        saved = []
        try:
            with transaction.atomic():
                saved = services.headcount_record_many(
                    district=district,
                    as_of=data["as_of"],
                    rows=rows,
                    source=data["source"] or upload.name,
                    source_kind=data["source_kind"],
                    user=request.user,
                )
                if bad or form.errors:
                    raise _DryRun  # some rows are bad: save none of them
        except _DryRun:
            saved = []
        except ValidationError as exc:
            row_errors, others = _row_field_errors(exc)
            for index, fields in row_errors.items():
                messages_ = [str(m) for errors in fields.values() for m in ValidationError(errors).messages]
                bad.append((lines[index]["line"], lines[index]["name"], messages_))
            for key, errors in others.items():
                if not (key == "rows" and (bad or form.errors)):
                    form.add_error("source" if key == "source" else None, errors)
        if bad or form.errors:
            bad.sort(key=lambda item: item[0])
            form.mark_invalid()
            return self.render_to_response(self.get_context_data(form=form, bad_rows=bad))
        messages.success(
            request,
            MSG_IMPORT_SAVED % {"count": len(saved), "date": data["as_of"].strftime("%d/%m/%Y")},
        )
        return redirect(f"{reverse('mergers:headcount_list')}?district={district.code}")

    @staticmethod
    def read(upload) -> list[dict]:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        parsed = []
        for line, values in enumerate(sheet.iter_rows(min_row=2, max_col=4, values_only=True), start=2):
            values = list(values) + [None] * (4 - len(values))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            raw_id = values[0]
            try:
                agency_id = _cell_int(raw_id)
            except ValueError:
                agency_id = str(raw_id)
            parsed.append(
                {
                    "line": line,
                    "id": agency_id,
                    "name": values[1] or "",
                    "authorised": values[2],
                    "actual": values[3],
                }
            )
        workbook.close()
        return parsed


class HeadcountTemplateView(HeadcountWriteMixin, View):
    """The Excel template, pre-filled with the district's active agencies when one is chosen."""

    def get(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.GET or None, user=request.user)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = gettext("Biên chế")
        sheet.append([str(h) for h in TEMPLATE_HEADERS])
        for column, width in zip("ABCD", (16, 60, 22, 28), strict=True):
            sheet.column_dimensions[column].width = width
        name = "bien-che-mau.xlsx"
        if choose.is_valid():
            district, as_of = choose.cleaned_data["district"], choose.cleaned_data["as_of"]
            for agency in agencies_with_headcount_on(as_of, district=district).order_by("agency_type__sector", "name"):
                sheet.append([agency.pk, agency.name, agency.authorised_on, agency.actual_on])
            name = f"bien-che-{district.code}-{as_of:%Y-%m-%d}.xlsx"
        notes = workbook.create_sheet(gettext("Hướng dẫn"))
        for line in (
            gettext("Mỗi dòng là một cơ quan; giữ nguyên cột “Mã số cơ quan”."),
            gettext("Nhập số nguyên không âm; để trống cả hai cột nếu không có số liệu."),
            gettext("Tệp chỉ được lưu khi mọi dòng đều hợp lệ."),
        ):
            notes.append([line])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
