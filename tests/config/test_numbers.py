"""core.numbers.grouped is number_format(force_grouping=True) for ints, in every language the
application speaks; core.markup.escape is django's escape as a plain str."""

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.html import escape as django_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import example, given
from hypothesis import strategies as st

from core.markup import escape
from core.numbers import grouped

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def test_the_languages_separate_thousands_their_own_way():
    with translation.override("vi"):
        assert [grouped(v) for v in (0, 999, 1234, -94, -1234567)] == ["0", "999", "1.234", "-94", "-1.234.567"]
    with translation.override("en"):
        assert [grouped(v) for v in (0, 999, 1234, -94, -1234567)] == ["0", "999", "1,234", "-94", "-1,234,567"]


@pytest.mark.parametrize("language", LANGUAGES)
@given(value=st.integers(min_value=-(10**15), max_value=10**15))
@example(value=0)
@example(value=-1000)
@example(value=999_999)
def test_grouped_is_number_format(language, value):
    with translation.override(language):
        assert grouped(value) == number_format(value, force_grouping=True)


@pytest.mark.parametrize("value", [True, 12.5, None])
def test_what_is_not_an_int_is_left_to_number_format(value):
    with translation.override("vi"):
        assert grouped(value) == number_format(value, force_grouping=True)


@given(text=st.text() | st.text(alphabet="&<>\"'ab ạ"))
@example(text="<a href=\"x\">Hạ Long & 'Cẩm Phả'</a>")
@example(text="Ban Tổ chức Thành ủy Hạ Long")
def test_escape_is_djangos(text):
    assert escape(text) == str(django_escape(text))
    assert type(escape(text)) is str


@pytest.mark.parametrize("value", [mark_safe("<b>bold</b>"), mark_safe("plain"), gettext_lazy("demo"), 193, None])
def test_escape_of_safe_lazy_and_other_values_is_djangos_as_a_plain_str(value):
    assert escape(value) == str(django_escape(value))
    assert type(escape(value)) is str
