"""Forms of the web pages: they check shapes only; the services decide and write.

Districts and agencies offered to an editor are limited to the districts he may edit
(districts.selectors.editable_district_ids); the services enforce the same rule.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districts.models import District
from districts.selectors import editable_district_ids
from mergers.choices import MergerStatus, SourceKind
from mergers.models import Agency, AgencyType, Programme
from mergers.selectors import agencies_active_on
from mergers.services import bad_input_errors

EMPTY_CHOICE = _("— Chọn —")
DATE_HELP = _("Ngày/tháng/năm, ví dụ 27/09/2017")
MSG_XLSX_ONLY = _("Chỉ nhận tệp Excel .xlsx.")


class DateInput(forms.DateInput):
    """A text box for dd/mm/yyyy (yyyy-mm-dd is accepted too)."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", **(attrs or {})})


def date_in_range(value) -> None:
    """The services' date range (issue 7): refused on its field, before anything depends on it."""
    errors = bad_input_errors(dates={"date": value})
    if errors:
        raise forms.ValidationError(errors["date"])


def date_field(label, required=True, **kwargs):
    return forms.DateField(
        label=label, required=required, widget=DateInput(), help_text=DATE_HELP, validators=[date_in_range], **kwargs
    )


def editable_districts(user):
    """The districts `user` may write for, by GSO code."""
    qs = District.objects.select_related("province").order_by("code")
    ids = editable_district_ids(user)
    return qs if ids is None else qs.filter(id__in=ids)


class BootstrapMixin:
    """Bootstrap classes on every widget, `is-invalid` on the fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
                field.empty_label = EMPTY_CHOICE  # "— Chọn —" rather than Django's "---------"
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    def is_valid(self):
        valid = super().is_valid()
        self.mark_invalid()
        return valid

    def mark_invalid(self):
        for name in self.errors:
            if name in self.fields:
                css = self.fields[name].widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    self.fields[name].widget.attrs["class"] = f"{css} is-invalid".strip()


class VersionMixin(forms.Form):
    """The version the user read; the service refuses the write if it changed since."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OnceTokenField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, **kwargs)


# --- mergers ------------------------------------------------------------------------------


class MergerChooseForm(BootstrapMixin, forms.Form):
    """Step 1 of a new merger (GET): the programme and the district, to list its agencies."""

    programme = forms.ModelChoiceField(
        label=_("Đề án"), queryset=Programme.objects.order_by("decided_on", "code"), to_field_name="code"
    )
    district = forms.ModelChoiceField(label=_("Đơn vị"), queryset=District.objects.none(), to_field_name="code")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = editable_districts(user)
        self.fields["district"].widget.attrs["data-autosubmit"] = "1"
        self.fields["programme"].widget.attrs["data-autosubmit"] = "1"


class MergerForm(BootstrapMixin, forms.Form):
    """Step 2 (POST): the sources among the district's active agencies, and the decision."""

    programme = forms.ModelChoiceField(
        label=_("Đề án"), queryset=Programme.objects.all(), to_field_name="code", widget=forms.HiddenInput
    )
    district = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=District.objects.none(), to_field_name="code", widget=forms.HiddenInput
    )
    source_agencies = forms.ModelMultipleChoiceField(
        label=_("Cơ quan hợp nhất"),
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service says how many are needed, in its own words
    )
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=50)
    decided_on = date_field(_("Ngày quyết định"))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    form_token = OnceTokenField()

    def __init__(self, *args, user=None, district=None, day=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = editable_districts(user)
        day = day or timezone.localdate()
        self.fields["source_agencies"].queryset = (
            agencies_active_on(day, district=district).order_by("agency_type__sector", "name")
            if district is not None
            else Agency.objects.none()
        )


class MergerAdvanceForm(BootstrapMixin, VersionMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Giai đoạn mới"),
        choices=[(s.value, s.label) for s in (MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED)],
    )
    on = date_field(_("Ngày"))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergerCancelForm(BootstrapMixin, VersionMixin, forms.Form):
    on = date_field(_("Ngày hủy"))
    note = forms.CharField(label=_("Lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergerCompleteForm(BootstrapMixin, VersionMixin, forms.Form):
    effective_on = date_field(_("Ngày hiệu lực"))
    headcount_after = forms.IntegerField(label=_("Biên chế được giao sau hợp nhất"), required=False)
    actual_after = forms.IntegerField(label=_("Số người làm việc thực tế sau hợp nhất"), required=False)
    result_name = forms.CharField(
        label=_("Tên cơ quan sau hợp nhất"),
        max_length=255,
        required=False,
        help_text=_("Để trống: đặt tên theo loại cơ quan của đề án và tên đơn vị."),
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


# --- agencies -----------------------------------------------------------------------------


class AgencyForm(BootstrapMixin, forms.Form):
    district = forms.ModelChoiceField(label=_("Đơn vị"), queryset=District.objects.none(), to_field_name="code")
    agency_type = forms.ModelChoiceField(label=_("Loại cơ quan"), queryset=AgencyType.objects.all())
    name = forms.CharField(label=_("Tên cơ quan"), max_length=255)
    established_on = date_field(_("Thành lập ngày"), required=False)
    dissolved_on = date_field(_("Chấm dứt hoạt động ngày"), required=False)
    form_token = OnceTokenField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = editable_districts(user)


class AgencyEditForm(BootstrapMixin, VersionMixin, forms.Form):
    agency_type = forms.ModelChoiceField(label=_("Loại cơ quan"), queryset=AgencyType.objects.all())
    name = forms.CharField(label=_("Tên cơ quan"), max_length=255)
    established_on = date_field(_("Thành lập ngày"), required=False)
    dissolved_on = date_field(_("Chấm dứt hoạt động ngày"), required=False)


# --- programmes ---------------------------------------------------------------------------


class ProgrammeEditForm(BootstrapMixin, VersionMixin, forms.Form):
    name = forms.CharField(label=_("Tên đề án"), max_length=255)
    name_en = forms.CharField(label=_("Tên (tiếng Anh)"), max_length=255, required=False)
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=50, required=False)
    decided_on = date_field(_("Ngày quyết định"), required=False)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    source_types = forms.ModelMultipleChoiceField(
        label=_("Loại cơ quan hợp nhất"), queryset=AgencyType.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    result_type = forms.ModelChoiceField(label=_("Loại cơ quan sau hợp nhất"), queryset=AgencyType.objects.all())


class ProgrammeForm(ProgrammeEditForm):
    code = forms.SlugField(label=_("Mã"), max_length=50, help_text=_("Chữ thường không dấu, số và gạch nối."))
    form_token = OnceTokenField()
    field_order = ["code"]


# --- headcounts ---------------------------------------------------------------------------


class HeadcountChooseForm(BootstrapMixin, forms.Form):
    """Which district, on which date (GET)."""

    district = forms.ModelChoiceField(label=_("Đơn vị"), queryset=District.objects.none(), to_field_name="code")
    as_of = date_field(_("Tính đến ngày"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = editable_districts(user)

    def clean(self):
        data = super().clean()
        district, as_of = data.get("district"), data.get("as_of")
        if district is not None and as_of is not None and not district.is_active_on(as_of):
            self.add_error(
                "as_of",
                _("%(district)s không hoạt động vào ngày %(date)s.")
                % {"district": district.full_name, "date": as_of.strftime("%d/%m/%Y")},
            )
        return data


MSG_CHOOSE_SOURCE_KIND = _("Hãy chọn loại nguồn: chính thức, minh họa (demo) hay tổng hợp.")


class HeadcountSourceForm(BootstrapMixin, forms.Form):
    """What the rows have in common: where the figures come from."""

    source = forms.CharField(label=_("Nguồn số liệu"), max_length=255, required=False)
    # No default: pre-filled figures are often demo, and saving them unchanged must not turn
    # them into official ones by accident. The editor says where the figures come from.
    source_kind = forms.ChoiceField(
        label=_("Loại nguồn"),
        choices=[("", _("— Chọn loại nguồn —")), *SourceKind.choices],
        error_messages={"required": MSG_CHOOSE_SOURCE_KIND},
    )


class HeadcountRowForm(BootstrapMixin, forms.Form):
    agency = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # of the record on that date; 0: none
    authorised = forms.IntegerField(label=_("Biên chế được giao"), required=False)
    actual = forms.IntegerField(label=_("Số người làm việc thực tế"), required=False)


HeadcountRowFormSet = forms.formset_factory(HeadcountRowForm, extra=0)


class HeadcountImportForm(HeadcountChooseForm, HeadcountSourceForm):
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(MSG_XLSX_ONLY, code="not_xlsx")
        return upload
