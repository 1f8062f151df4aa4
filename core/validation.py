"""Bad input is refused, whatever the entry point.

Forms, API, admin and import all reach these services: a date that date arithmetic or the
reports cannot handle, a number beyond PostgreSQL's integer, a control character (NUL is
refused by PostgreSQL in text) is a clear refusal on its field, never a 500.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)
# The one bound on a headcount, everywhere (services, import, API): a district-level agency
# has tens of staff, a whole province a few thousand. Also well inside PostgreSQL's integer.
MAX_HEADCOUNT = 100_000
MSG_DATE_OUT_OF_RANGE = _("Ngày phải trong khoảng từ 01/01/1900 đến 31/12/2100.")
MSG_TOO_LARGE = _("Số liệu quá lớn (tối đa %(max)s).")
MSG_CONTROL_CHARACTER = _("Không được chứa ký tự điều khiển.")

_LINE_BREAKS = "\t\n\r"


def format_count(value: int) -> str:
    """100000 -> "100.000": Vietnamese thousands separators, whatever the active language."""
    return f"{value:,}".replace(",", ".")


def _has_control_character(text: str, *, multiline: bool) -> bool:
    return any((ord(char) < 32 and not (multiline and char in _LINE_BREAKS)) or 127 <= ord(char) < 160 for char in text)


def bad_input_errors(*, dates: dict | None = None, counts: dict | None = None, texts: dict | None = None,
                     multiline: dict | None = None) -> dict:  # fmt: skip
    """Field name -> [ValidationError] for values out of range or with control characters.

    `texts` are one-line texts (names, numbers, sources); `multiline` may hold line breaks and tabs.
    """
    errors: dict[str, list] = {}
    for field, value in (dates or {}).items():
        if value is not None and not (MIN_DATE <= value <= MAX_DATE):
            errors.setdefault(field, []).append(ValidationError(MSG_DATE_OUT_OF_RANGE, code="date_range"))
    for field, value in (counts or {}).items():
        if value is not None and value > MAX_HEADCOUNT:
            errors.setdefault(field, []).append(
                ValidationError(MSG_TOO_LARGE, code="too_large", params={"max": format_count(MAX_HEADCOUNT)})
            )
    for kind, values in ((False, texts or {}), (True, multiline or {})):
        for field, value in values.items():
            if isinstance(value, str) and _has_control_character(value, multiline=kind):
                errors.setdefault(field, []).append(ValidationError(MSG_CONTROL_CHARACTER, code="control_character"))
    return errors


def refuse_bad_input(**kwargs) -> None:
    errors = bad_input_errors(**kwargs)
    if errors:
        raise ValidationError(errors)
