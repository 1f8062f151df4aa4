"""Text written into spreadsheets (xlsx, csv) that a spreadsheet program will not run.

A cell whose text starts with = + - @, a tab or a carriage return may be read as a formula
by Excel or LibreOffice (CSV/formula injection: `=HYPERLINK(...)` in an agency's name). As
OWASP advises, such text is prefixed with a single quote, which spreadsheets show as text
and never evaluate. Numbers, dates and empty cells are left as they are. Every module that
writes user-typed text into a spreadsheet passes it through `safe_cell`.
"""

import re
import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILENAME = re.compile(r"[^\w.\- ]+")


def safe_cell(value):
    """`value`, with text that could be read as a formula prefixed by a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_filename(name: str, *, max_length: int = 120) -> str:
    """An uploaded file's name fit to be stored and shown: its last path part, letters (any
    script), digits, dot, dash, underscore and space only, no formula prefix, not too long."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # = + @ become "_", and a leading "-" is stripped: a stored source may be exported later.
    name = _UNSAFE_FILENAME.sub("_", name).strip(" ._-")
    return name[:max_length] or "tep-tai-len.xlsx"
