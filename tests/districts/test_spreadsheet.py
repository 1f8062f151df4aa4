"""Text for spreadsheets: formula-like cells escaped (OWASP CSV injection), uploaded names sanitised."""

import datetime

import pytest

from core.spreadsheet import safe_cell, safe_filename


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","bấm")', '\'=HYPERLINK("http://x","bấm")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ban Tổ chức", "Ban Tổ chức"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (12, 12),
        (None, None),
        (datetime.date(2018, 1, 1), datetime.date(2018, 1, 1)),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bien-che-193.xlsx", "bien-che-193.xlsx"),
        ("Biên chế Hạ Long.xlsx", "Biên chế Hạ Long.xlsx"),
        ("=cmd|' -C calc'!A0.xlsx", "cmd_ -C calc_A0.xlsx"),
        ("-2+3.xlsx", "2_3.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\a\\@x.xlsx", "x.xlsx"),
        ("===", "tep-tai-len.xlsx"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected
