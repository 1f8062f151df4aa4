"""Search keys for Vietnamese names: "Ha Long" must find "Hạ Long", "Dam Ha" "Đầm Hà"."""

from unidecode import unidecode


def search_key(text: str) -> str:
    """Lower-case ASCII form of a Vietnamese text (diacritics and đ/Đ folded)."""
    return " ".join(unidecode(text or "").lower().split())
