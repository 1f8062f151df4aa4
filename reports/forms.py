"""The period a report covers, as a web form: dates (dd/mm/yyyy or yyyy-mm-dd), measure, fold.

Defaults and checks are the engine's (`figures.engine.report_period`), shared with the API.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.dates import DATE_FORMAT
from districts.models import Province
from figures.engine import MEASURE_CHOICES, MSG_BASELINE_AFTER, ReportPeriod, report_period

DATE_FORMATS = [DATE_FORMAT, "%Y-%m-%d"]
MSG_BAD_DATE = _("Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm, ví dụ 27/09/2017.")

__all__ = ["MEASURE_CHOICES", "MSG_BAD_DATE", "MSG_BASELINE_AFTER", "AsOfForm", "ReportPeriodForm"]


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": MSG_BAD_DATE},
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )


class ReportPeriodForm(forms.Form):
    baseline = _date_field(_("Ngày gốc"))
    as_of = _date_field(_("Xem số liệu ngày"))
    measure = forms.ChoiceField(label=_("Chỉ tiêu"), choices=MEASURE_CHOICES, required=False)
    # A checkbox after a hidden "off" of the same name: unticked sends "off", ticked "off" then
    # "on" (the last one counts); absent, the engine's default (like-for-like).
    like_for_like = forms.TypedChoiceField(
        label=_("So sánh cùng địa bàn (gộp đơn vị đã sáp nhập)"),
        choices=[("on", _("Có")), ("off", _("Không"))],
        coerce=lambda value: value == "on",
        empty_value=None,
        required=False,
    )

    def __init__(self, data, *, province: Province | None):
        super().__init__(data)
        self.province = province

    def clean(self):
        cleaned = super().clean()
        try:
            report_period(
                province=self.province,
                baseline=cleaned.get("baseline"),
                as_of=cleaned.get("as_of"),
                measure=cleaned.get("measure") or None,
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                for error in errors:
                    self.add_error(field, error)
        return cleaned

    def valid_values(self) -> dict:
        """The valid values entered, None for the rest (after is_valid())."""
        cleaned = getattr(self, "cleaned_data", {})

        def valid(field):
            return cleaned.get(field) if field not in self.errors else None

        return {
            "baseline": valid("baseline"),
            "as_of": valid("as_of"),
            "measure": valid("measure") or None,
            "like_for_like": valid("like_for_like"),
        }

    def period(self) -> ReportPeriod:
        """The period to report on: the valid values entered, the defaults for the rest (after is_valid())."""
        return report_period(province=self.province, **self.valid_values())


class AsOfForm(forms.Form):
    """One date (the actual-against-authorised page): today when empty or wrong."""

    as_of = _date_field(_("Xem số liệu ngày"))

    def as_of_or_default(self, default):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return default
