"""Forms of the web pages: they check shapes only; the services decide and write.

Districts and agencies offered to an editor are limited to the districts he may edit
(districts.selectors.editable_district_ids); the services enforce the same rule.
"""

import re

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from unidecode import unidecode

from core.dates import fmt_date
from districts.models import District
from districts.selectors import editable_district_ids
from figures.selectors import agencies_active_on
from mergers.choices import PROGRAMME_STAGES, DecisionIssuer, DecisionKind, MergerStatus, SourceKind
from mergers.models import Agency, AgencyType, Decision, Programme
from mergers.services import MSG_DISTRICT_NOT_ACTIVE, MSG_ESTABLISHED_REQUIRED, bad_input_errors, count_errors

EMPTY_CHOICE = _("— Chọn —")
DATE_HELP = _("Ngày/tháng/năm, ví dụ 27/09/2017")
MSG_XLSX_ONLY = _("Chỉ nhận tệp Excel .xlsx.")


class DateInput(forms.DateInput):
    """A text box for dd/mm/yyyy (yyyy-mm-dd is accepted too)."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", **(attrs or {})})


def date_in_range(value) -> None:
    """The services' date range: refused on its field, before anything depends on it."""
    errors = bad_input_errors(dates={"date": value})
    if errors:
        raise forms.ValidationError(errors["date"])


def count_in_range(value) -> None:
    """The services' bounds on a headcount (not negative, at most MAX_HEADCOUNT), in the form's round."""
    errors = count_errors(value)
    if errors:
        raise forms.ValidationError(errors)


MSG_WHOLE_NUMBER = _("Nhập một số nguyên.")  # Django's Vietnamese says "số tổng thể"


def count_field(label, **kwargs):
    return forms.IntegerField(
        label=label,
        required=False,
        validators=[count_in_range],
        error_messages={"invalid": MSG_WHOLE_NUMBER},
        **kwargs,
    )


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


class DistrictChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.full_name}"


class DistrictOnDayMixin:
    """A `district` field offering the districts the user may edit, and the district active on the
    form's date (`day_field`); the refusal goes on `day_error_field`."""

    day_field = day_error_field = ""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = editable_districts(user)

    def clean(self):
        data = super().clean()
        district, day = data.get("district"), data.get(self.day_field)
        if district is not None and day is not None and not district.is_active_on(day):
            self.add_error(
                self.day_error_field,
                MSG_DISTRICT_NOT_ACTIVE % {"district": district.full_name, "date": fmt_date(day)},
            )
        return data


class MergerChooseForm(DistrictOnDayMixin, BootstrapMixin, forms.Form):
    """Step 1 of a new merger (GET): the decision date first, then the programme and the district.

    The date decides which districts and agencies exist; the programme which districts already
    have a merger under it (marked on the page, with a link) and which agency types merge.
    """

    decided_on = date_field(_("Ngày quyết định"))
    programme = forms.ModelChoiceField(
        label=_("Đề án"), queryset=Programme.objects.order_by("decision__date", "code"), to_field_name="code"
    )
    district = DistrictChoiceField(
        label=_("Đơn vị"),
        queryset=District.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        required=False,  # asked once the date and the programme are known
    )

    day_field, day_error_field = "decided_on", "district"

    def ready_for_district(self) -> bool:
        """The date and the programme are valid: the districts can be listed and marked."""
        return self.is_bound and not (self.errors.keys() & {"decided_on", "programme"})


MSG_CHOICE_GONE = _("Một cơ quan đã chọn không thuộc danh sách của đơn vị này; hãy chọn lại.")


class AgencyChoicesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.agency_type.name})"


class MergerForm(BootstrapMixin, forms.Form):
    """Step 2 (POST): the sources among the agencies of the programme's source types active on
    the decision date, and the decision. The date, programme and district come from step 1."""

    decided_on = date_field(_("Ngày quyết định"))
    programme = forms.ModelChoiceField(
        label=_("Đề án"), queryset=Programme.objects.all(), to_field_name="code", widget=forms.HiddenInput
    )
    district = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=District.objects.none(), to_field_name="code", widget=forms.HiddenInput
    )
    source_agencies = AgencyChoicesField(
        label=_("Cơ quan hợp nhất"),
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service says how many are needed, in its own words
        error_messages={"invalid_choice": MSG_CHOICE_GONE, "invalid_pk_value": MSG_CHOICE_GONE},
    )
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=50)
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    form_token = OnceTokenField()

    def __init__(self, *args, user, district=None, programme=None, day=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].widget = forms.HiddenInput()
        self.fields["district"].queryset = editable_districts(user)
        field = self.fields["source_agencies"]
        if district is None:
            return
        # Any agency of the district is a valid value, so that a refusal names it (the service
        # says why: another type, not active on the date); only the fitting ones are offered.
        field.queryset = Agency.objects.filter(district=district).select_related("agency_type")
        offered = agencies_active_on(day or timezone.localdate(), district=district).select_related("agency_type")
        if programme is not None:
            offered = offered.filter(agency_type__in=programme.source_types.all())
        field.widget.choices = [
            (agency.pk, field.label_from_instance(agency)) for agency in offered.order_by("agency_type__sector", "name")
        ]


class DecisionChoiceField(forms.ModelChoiceField):
    """An entry of the register, shown as "44-QĐ/TU (30/11/2015) · Ban Thường vụ Tỉnh ủy"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Decision.objects.select_related("district"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{obj} · {obj.issuer_name}" + (" · demo" if obj.is_demo else "")


def skip_reason_field():
    return forms.CharField(
        label=_("Lý do bỏ qua giai đoạn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi bỏ qua một giai đoạn mà đề án quy định; hiện trên trang hợp nhất."),
    )


class MergerAdvanceForm(BootstrapMixin, VersionMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Giai đoạn mới"),
        choices=[(s.value, s.label) for s in (MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED)],
    )
    on = date_field(_("Ngày"))
    decision = DecisionChoiceField(
        label=_("Quyết định"),
        help_text=_(
            "Văn bản của giai đoạn này (trong sổ quyết định). Để trống khi phê duyệt: quyết định của hợp nhất."
        ),
    )
    skip_reason = skip_reason_field()
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergerCancelForm(BootstrapMixin, VersionMixin, forms.Form):
    on = date_field(_("Ngày hủy"))
    note = forms.CharField(label=_("Lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergerCompleteForm(BootstrapMixin, VersionMixin, forms.Form):
    effective_on = date_field(_("Ngày hiệu lực"))
    headcount_after = count_field(_("Biên chế được giao sau hợp nhất"))
    actual_after = count_field(_("Số người làm việc thực tế sau hợp nhất"))
    result_name = forms.CharField(
        label=_("Tên cơ quan sau hợp nhất"),
        max_length=255,
        required=False,
        help_text=_("Để trống: đặt tên theo loại cơ quan của đề án và tên đơn vị."),
    )
    decision = DecisionChoiceField(label=_("Quyết định"), help_text=_("Để trống: quyết định của hợp nhất."))
    skip_reason = skip_reason_field()
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


# --- agencies -----------------------------------------------------------------------------


def established_on_field():
    return date_field(_("Thành lập ngày"), error_messages={"required": MSG_ESTABLISHED_REQUIRED})


def established_on_estimated_field():
    return forms.BooleanField(
        label=_("Ngày thành lập là ước tính"),
        required=False,
        help_text=_("Đánh dấu khi không biết chính xác ngày thành lập."),
    )


class AgencyEditForm(BootstrapMixin, VersionMixin, forms.Form):
    """What may change in an agency (its district may not: services.agency_update)."""

    agency_type = forms.ModelChoiceField(label=_("Loại cơ quan"), queryset=AgencyType.objects.all())
    name = forms.CharField(label=_("Tên cơ quan"), max_length=255)
    established_on = established_on_field()
    established_on_estimated = established_on_estimated_field()
    established_by = DecisionChoiceField(label=_("Quyết định thành lập"))
    dissolved_on = date_field(_("Chấm dứt hoạt động ngày"), required=False)
    dissolved_by = DecisionChoiceField(label=_("Quyết định chấm dứt hoạt động"))


class AgencyForm(AgencyEditForm):
    """A new agency: its district first, then the fields an edit may change."""

    district = forms.ModelChoiceField(label=_("Đơn vị"), queryset=District.objects.none(), to_field_name="code")
    version = None
    form_token = OnceTokenField()
    field_order = ["district"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = editable_districts(user)


# --- programmes ---------------------------------------------------------------------------


class ProgrammeEditForm(BootstrapMixin, VersionMixin, forms.Form):
    name = forms.CharField(label=_("Tên đề án"), max_length=255)
    name_en = forms.CharField(label=_("Tên (tiếng Anh)"), max_length=255, required=False)
    decision_number = forms.CharField(
        label=_("Số quyết định"),
        max_length=50,
        required=False,
        help_text=_("Tìm trong sổ quyết định; chưa có thì được thêm vào sổ."),
    )
    decided_on = date_field(_("Ngày quyết định"), required=False)
    stages = forms.MultipleChoiceField(
        label=_("Các giai đoạn của mỗi hợp nhất"),
        choices=[(s.value, s.label) for s in PROGRAMME_STAGES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Sau “Kế hoạch”, theo thứ tự; bỏ qua một giai đoạn đã chọn cần ghi lý do. Không chọn: không quy định."
        ),
    )
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    source_types = forms.ModelMultipleChoiceField(
        label=_("Loại cơ quan hợp nhất"), queryset=AgencyType.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    result_type = forms.ModelChoiceField(label=_("Loại cơ quan sau hợp nhất"), queryset=AgencyType.objects.all())


MSG_BAD_CODE = _("Mã chỉ gồm chữ thường không dấu, số và gạch nối, ví dụ “%(suggestion)s”.")
MSG_BAD_CODE_PLAIN = _("Mã chỉ gồm chữ thường không dấu, số và gạch nối, ví dụ “khoi-mttq”.")


def code_from_name(name: str) -> str:
    """ "Hợp nhất Tổ chức - Nội vụ" -> "hop-nhat-to-chuc-noi-vu" (Unidecode, then a slug), at most 50 characters."""
    return slugify(unidecode(name or ""))[:50].strip("-")


class ProgrammeForm(ProgrammeEditForm):
    code = forms.CharField(
        label=_("Mã"),
        max_length=50,
        required=False,
        help_text=_("Chữ thường không dấu, số và gạch nối. Để trống: lấy từ tên đề án."),
    )
    form_token = OnceTokenField()
    field_order = ["code"]

    def clean(self):
        data = super().clean()
        code, suggestion = (data.get("code") or "").strip(), code_from_name(data.get("name"))
        if not code:
            code = suggestion
        if not code or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", code):
            message = MSG_BAD_CODE % {"suggestion": suggestion} if suggestion else MSG_BAD_CODE_PLAIN
            self.add_error("code", message)
            self.mark_invalid()
        data["code"] = code
        return data


# --- headcounts ---------------------------------------------------------------------------


class HeadcountChooseForm(DistrictOnDayMixin, BootstrapMixin, forms.Form):
    """Which district, on which date (GET)."""

    district = forms.ModelChoiceField(label=_("Đơn vị"), queryset=District.objects.none(), to_field_name="code")
    as_of = date_field(_("Tính đến ngày"))
    day_field, day_error_field = "as_of", "as_of"


def confirm_field():
    """The editor's "yes, these figures are right" after plausibility warnings (services.headcount_warnings)."""
    return forms.BooleanField(
        label=_("Xác nhận"),
        required=False,
        help_text=_("Tôi đã kiểm tra các cảnh báo; số liệu là đúng."),
    )


MSG_CHOOSE_SOURCE_KIND = _("Hãy chọn loại nguồn: chính thức, đã công bố (báo chí), minh họa (demo) hay tổng hợp.")


class HeadcountSourceForm(BootstrapMixin, forms.Form):
    """What the rows have in common: where the figures come from (and, after warnings, the confirmation)."""

    source = forms.CharField(label=_("Nguồn số liệu"), max_length=255, required=False)
    # No default: pre-filled figures are often demo, and saving them unchanged must not turn
    # them into official ones by accident. The editor says where the figures come from.
    source_kind = forms.ChoiceField(
        label=_("Loại nguồn"),
        choices=[("", _("— Chọn loại nguồn —")), *SourceKind.choices],
        error_messages={"required": MSG_CHOOSE_SOURCE_KIND},
    )
    confirm = confirm_field()


class HeadcountRowForm(BootstrapMixin, forms.Form):
    agency = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # of the record on that date; 0: none
    authorised = count_field(_("Biên chế được giao"))
    actual = count_field(_("Số người làm việc thực tế"))


HeadcountRowFormSet = forms.formset_factory(HeadcountRowForm, extra=0)


class HeadcountImportForm(HeadcountChooseForm, HeadcountSourceForm):
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(MSG_XLSX_ONLY, code="not_xlsx")
        return upload


# --- access ------------------------------------------------------------------------------------

MSG_SCOPE_CHOOSE = _("Chọn ít nhất một đơn vị, hoặc chọn “Toàn tỉnh”.")


class AccessForm(BootstrapMixin, forms.Form):
    """A user's role and district scope, as an administrator sets them (services.user_access_set)."""

    role = forms.ChoiceField(label=_("Vai trò"), required=False)
    province_wide = forms.BooleanField(
        label=_("Toàn tỉnh"),
        required=False,
        help_text=_("Biên tập được mọi đơn vị và dữ liệu dùng chung của tỉnh (đề án)."),
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Các đơn vị được biên tập"),
        queryset=District.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        to_field_name="code",
    )

    def __init__(self, *args, role_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Không có vai trò")), *role_choices]
        self.fields["districts"].label_from_instance = lambda d: f"{d.code} · {d.full_name}"

    def clean(self):
        data = super().clean()
        if not data.get("province_wide") and not data.get("districts") and "districts" not in self.errors:
            self.add_error("districts", MSG_SCOPE_CHOOSE)
        return data


# --- the decision register -------------------------------------------------------------------


class DecisionForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("Số"), max_length=50, help_text=_("Ví dụ 44-QĐ/TU, 837/NQ-UBTVQH14."))
    date = date_field(_("Ngày ban hành"), required=False)
    issuer = forms.ChoiceField(label=_("Cơ quan ban hành"), choices=[("", EMPTY_CHOICE), *DecisionIssuer.choices])
    district = forms.ModelChoiceField(
        label=_("Đơn vị cấp huyện"),
        queryset=District.objects.none(),
        to_field_name="code",
        required=False,
        help_text=_("Chỉ với văn bản của Huyện ủy hoặc UBND huyện."),
    )
    kind = forms.ChoiceField(label=_("Loại văn bản"), choices=[("", EMPTY_CHOICE), *DecisionKind.choices])
    title = forms.CharField(label=_("Trích yếu"), max_length=500, required=False)
    scan = forms.FileField(
        label=_("Bản chụp (PDF, PNG, JPEG)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )
    source = forms.CharField(label=_("Nguồn"), max_length=255, required=False)
    source_kind = forms.ChoiceField(label=_("Loại nguồn"), choices=SourceKind.choices, initial=SourceKind.OFFICIAL)
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = editable_districts(user)


class DecisionCreateForm(DecisionForm):
    form_token = OnceTokenField()


class DecisionEditForm(VersionMixin, DecisionForm):
    remove_scan = forms.BooleanField(label=_("Xóa bản chụp hiện có"), required=False)
