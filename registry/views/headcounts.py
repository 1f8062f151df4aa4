"""Headcount records (biên chế): the list, a district's entry on one date, the workbook
import and its template (the workbook itself: registry.imports)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from core.dates import fmt_date
from core.views import SortedFilterView, StaffMixin
from figures.selectors import agencies_for_headcount_entry, headcount_list
from mergers import services
from mergers.models import HeadcountRecord
from registry import imports
from registry.filtersets import HeadcountFilterSet
from registry.forms import HeadcountChooseForm, HeadcountImportForm, HeadcountRowFormSet, HeadcountSourceForm

MSG_HEADCOUNTS_SAVED = _("Đã lưu %(count)s bản ghi số liệu biên chế ngày %(date)s; các dòng không sửa được giữ nguyên.")
MSG_HEADCOUNTS_UNCHANGED = _("Không có dòng nào thay đổi: chưa lưu bản ghi nào.")
MSG_IMPORT_SAVED = _("Đã nhập số liệu biên chế của %(count)s cơ quan ngày %(date)s từ tệp Excel.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HeadcountListView(SortedFilterView):
    permission_required = "mergers.view_headcountrecord"
    filterset_class = HeadcountFilterSet
    hidden_filters = ("agency",)  # by id, for the API; the page searches by name (q)
    template_name = "registry/headcount_list.html"
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


class HeadcountEntryView(HeadcountWriteMixin, TemplateView):
    """One district on one date: one row per active agency, pre-filled with its latest figures.

    Only the rows the editor changed are saved (all of them together, or none): an untouched
    pre-filled row keeps its own record, with its date and its source kind (a demo figure
    saved unchanged must not become an official record of the entry's date). Implausible
    figures are shown as warnings and saved once the editor ticks "Xác nhận".
    """

    template_name = "registry/headcount_entry.html"

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

    def show(self, choose, agencies, formset, source_form, **extra):
        rows = list(zip(formset.forms, agencies, strict=True)) if formset is not None and agencies else []
        for form, agency in rows:  # each box says which agency's figure it holds (screen readers)
            for name in ("authorised", "actual"):
                form.fields[name].widget.attrs["aria-label"] = f"{form.fields[name].label}: {agency.name}"
        context = {"choose": choose, "rows": rows, "source_form": source_form, "formset": formset, **extra}
        return self.render_to_response(self.get_context_data(**context))

    def get(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.GET or None, user=request.user)
        agencies = self.agencies(choose)
        if not agencies:
            return self.show(choose, agencies, None, None)
        formset = HeadcountRowFormSet(initial=self.initial(agencies, choose.cleaned_data["as_of"]))
        return self.show(choose, agencies, formset, HeadcountSourceForm())

    @staticmethod
    def entry_url(choose) -> str:
        as_of = choose.cleaned_data["as_of"]
        query = f"district={choose.cleaned_data['district'].code}&as_of={fmt_date(as_of)}"
        return f"{reverse('registry:headcount_entry')}?{query}"

    def post(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.POST, user=request.user)
        agencies = self.agencies(choose)
        if not agencies:
            return self.show(choose, [], None, None) if choose.errors else redirect("registry:headcount_entry")
        # The same initial values as the page the editor saw, so that has_changed() tells the
        # rows he touched. A record written meanwhile changes a row's version: that row counts
        # as changed and the service refuses it as stale rather than overwrite it.
        formset = HeadcountRowFormSet(request.POST, initial=self.initial(agencies, choose.cleaned_data["as_of"]))
        source_form = HeadcountSourceForm(request.POST)
        valid = formset.is_valid() & source_form.is_valid()
        if len(formset.forms) != len(agencies):  # the district's agencies changed meanwhile
            return redirect(self.entry_url(choose))
        if not valid:
            return self.show(choose, agencies, formset, source_form)
        by_id = {a.pk: a for a in agencies}
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
        district, as_of = choose.cleaned_data["district"], choose.cleaned_data["as_of"]
        try:
            saved = services.headcount_record_many(
                district=district, as_of=as_of, rows=rows, user=request.user, **source_form.cleaned_data
            )
        except services.HeadcountWarnings as exc:
            for index, fields in services.row_errors(exc.error_dict)[0].items():
                forms_of_rows[index].plausibility_warnings = [
                    str(m) for errors in fields.values() for m in ValidationError(errors).messages
                ]
            return self.show(choose, agencies, formset, source_form, warned=True)
        except ValidationError as exc:
            put_row_errors(exc, forms_of_rows, source_form)
            return self.show(choose, agencies, formset, source_form)
        messages.success(request, MSG_HEADCOUNTS_SAVED % {"count": len(saved), "date": fmt_date(as_of)})
        return redirect(
            f"{reverse('registry:headcount_list')}?district={district.code}"
            f"&as_of_after={as_of:%Y-%m-%d}&as_of_before={as_of:%Y-%m-%d}"
        )


def put_row_errors(exc: ValidationError, forms_of_rows, source_form) -> None:
    """The refusal of headcount_record_many on the rows' forms (by index) and the source form."""
    rows, others = services.row_errors(exc.error_dict)
    for index, fields in rows.items():
        form = forms_of_rows[index]
        for field, errors in fields.items():
            if field == "source":
                if "source" not in source_form.errors:
                    source_form.add_error("source", errors)
            else:
                form.add_error(field if field in ("authorised", "actual") else None, errors)
        form.mark_invalid()
    for errors in others.values():
        source_form.add_error(None, errors)
    source_form.mark_invalid()


class HeadcountImportView(HeadcountWriteMixin, TemplateView):
    """A district's headcounts from an .xlsx file (registry.imports): nothing is saved unless every row is good."""

    template_name = "registry/headcount_import.html"

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
        return redirect(f"{reverse('registry:headcount_list')}?district={data['district'].code}")


def template_response(choose) -> HttpResponse:
    """The workbook template, pre-filled when `choose` names a district and a date."""
    chosen = choose.cleaned_data if choose.is_valid() else {}
    content, name = imports.template_workbook(chosen.get("district"), chosen.get("as_of"))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class HeadcountTemplateView(HeadcountWriteMixin, View):
    """The Excel template, pre-filled with the district's active agencies when one is chosen."""

    def get(self, request, *args, **kwargs):
        return template_response(HeadcountChooseForm(request.GET or None, user=request.user))


class HeadcountTemplateFormView(HeadcountWriteMixin, TemplateView):
    """From the menu: choose a district and a date, download its pre-filled template."""

    template_name = "registry/headcount_template.html"

    def get(self, request, *args, **kwargs):
        choose = HeadcountChooseForm(request.GET or None, user=request.user)
        if choose.is_valid():
            return template_response(choose)
        return self.render_to_response(self.get_context_data(choose=choose))
