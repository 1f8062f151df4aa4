"""The period a report covers: baseline and as-of dates (dd/mm/yyyy or yyyy-mm-dd), measure, fold."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
MSG_BAD_DATE = _("Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm, ví dụ 27/09/2017.")
MSG_BASELINE_AFTER = _("Ngày gốc phải trước hoặc bằng ngày xem số liệu.")
MEASURE_CHOICES = [("authorised", _("Biên chế được giao")), ("actual", _("Số người làm việc thực tế"))]


class ReportPeriodForm(forms.Form):
    baseline = forms.DateField(
        label=_("Ngày gốc"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": MSG_BAD_DATE},
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )
    as_of = forms.DateField(
        label=_("Xem số liệu ngày"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": MSG_BAD_DATE},
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )
    measure = forms.ChoiceField(label=_("Chỉ tiêu"), choices=MEASURE_CHOICES, required=False)
    like_for_like = forms.BooleanField(label=_("So sánh cùng địa bàn (gộp đơn vị đã sáp nhập)"), required=False)

    def __init__(self, data, *, default_baseline: datetime.date, default_as_of: datetime.date):
        super().__init__(data)
        self.defaults = {"baseline": default_baseline, "as_of": default_as_of}

    def clean(self):
        cleaned = super().clean()
        baseline, as_of = cleaned.get("baseline"), cleaned.get("as_of")
        if baseline and as_of and baseline > as_of:
            self.add_error("baseline", MSG_BASELINE_AFTER)
        return cleaned

    def period(self) -> dict:
        """The values to report on: the valid ones entered, defaults for the rest (after is_valid())."""
        cleaned = getattr(self, "cleaned_data", {})
        baseline = cleaned.get("baseline") if "baseline" not in self.errors else None
        as_of = cleaned.get("as_of") if "as_of" not in self.errors else None
        baseline = baseline or self.defaults["baseline"]
        as_of = as_of or self.defaults["as_of"]
        if baseline > as_of:
            baseline = min(self.defaults["baseline"], as_of)
        return {
            "baseline": baseline,
            "as_of": as_of,
            "measure": cleaned.get("measure") or "authorised",
            "like_for_like": bool(cleaned.get("like_for_like")),
        }
