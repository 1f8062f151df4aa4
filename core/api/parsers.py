"""JSON bodies with limits: no 500 from a body built to break the parser.

DRF's JSONParser hands the body to `json.load`: 50,000 nested `[` raise RecursionError (a
500), a body of any size is read whole, and a lone UTF-16 surrogate ("\\ud800") is a valid JSON
escape that Python keeps in the string, where a choice field's error message echoes it and
the JSON renderer then fails to encode the answer (another 500). This parser refuses all
three with a 400: bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads the body through Django,
which raises RequestDataTooBig: core.api.exceptions answers it), nesting deeper than
MAX_DEPTH, and lone surrogates, named by their top-level field.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

MAX_DEPTH = 20  # the deepest body the API takes is 2 (a list of codes inside an object)
MSG_TOO_LARGE = _("Nội dung gửi lên quá lớn (tối đa %(size)s byte).")
MSG_TOO_DEEP = _("Dữ liệu JSON lồng nhau quá sâu (tối đa %(depth)s cấp).")
MSG_SURROGATE = _("Văn bản chứa ký tự Unicode không hợp lệ (nửa cặp thay thế đơn lẻ).")


def has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _depth(data) -> int:
    """How deeply lists and objects nest (iterative: a deep value cannot overflow the stack)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            stack.extend((child, level + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest


def _surrogate_fields(data) -> list[str]:
    """Top-level field names (or non_field_errors) whose value holds a lone surrogate, anywhere in it."""
    items = data.items() if isinstance(data, dict) else [(api_settings.NON_FIELD_ERRORS_KEY, data)]
    bad = []
    for field, value in items:
        stack = [field, value]
        while stack:
            item = stack.pop()
            if isinstance(item, str) and has_lone_surrogate(item):
                name = field if isinstance(field, str) and not has_lone_surrogate(field) else None
                bad.append(name or api_settings.NON_FIELD_ERRORS_KEY)
                break
            if isinstance(item, dict):
                stack.extend([*item.keys(), *item.values()])
            elif isinstance(item, list):
                stack.extend(item)
    return bad


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(MSG_TOO_DEEP % {"depth": MAX_DEPTH}) from exc
        if _depth(data) > MAX_DEPTH:
            raise ParseError(MSG_TOO_DEEP % {"depth": MAX_DEPTH})
        bad = _surrogate_fields(data)
        if bad:
            raise ValidationError({field: [str(MSG_SURROGATE)] for field in bad})
        return data
