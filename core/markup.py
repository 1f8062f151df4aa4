"""Text made safe inside HTML or SVG markup written in Python (the report filters, the charts)."""

import re
from html import escape as html_escape

_SPECIAL = re.compile("[&<>\"']").search


def escape(value) -> str:
    """`django.utils.html.escape` without its lazy-string wrapper: the same characters escaped
    (& < > " '), as a plain str. Called thousands of times for a province's dashboard, mostly
    on names and codes with nothing to escape, which one search finds and returns as they are."""
    text = value if type(value) is str else str.__str__(str(value))
    return html_escape(text) if _SPECIAL(text) else text
