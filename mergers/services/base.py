"""What every service uses: one form of every text it stores (NFC), counts checked, the version
check of an edit, the acting user as recorded.

A name typed with combining diacritics ("Cô Tô" as C o U+0302 ...) looks the same as the
precomposed one but is another string: every text a service stores is normalised to NFC first,
whatever the entry point (forms, API, admin, import, commands).
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import MSG_STALE_VERSION, StaleVersion
from core.validation import (
    MAX_HEADCOUNT,
    MSG_TOO_LARGE,
    format_count,
)


def _check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleVersion(MSG_STALE_VERSION, code="stale")


def nfc(value):
    """`value` in Unicode normalisation form C when it is a text; anything else unchanged."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def nfc_data(data: dict) -> dict:
    """A service's `data` dict with every text normalised (nfc)."""
    return {key: nfc(value) for key, value in data.items()}


def name_key(name: str) -> str:
    """What makes two agency names the same: NFC, case and runs of spaces ignored."""
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


def count_errors(value) -> list[ValidationError]:
    """A headcount figure: not negative, at most MAX_HEADCOUNT. Used by the forms too, so that
    every refusal comes in the same round as the form's own."""
    if value is None:
        return []
    if value < 0:
        return [ValidationError(MSG_NEGATIVE, code="negative")]
    if value > MAX_HEADCOUNT:
        return [ValidationError(MSG_TOO_LARGE, code="too_large", params={"max": format_count(MAX_HEADCOUNT)})]
    return []


MSG_NEGATIVE = _("Số liệu không được âm.")


def _real_user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None
