"""Figures in templates: missing is "Không có số liệu", percentages rounded (not truncated)."""

from django.utils import translation

from reports.templatetags.report_tags import demo_badge, figure, merger_link, percent, signed


def test_missing_figures_are_never_zero():
    with translation.override("vi"):
        assert figure(None) == '<span class="figure-missing">Không có số liệu</span>'
        assert signed(None) == figure(None) == percent(None)
        assert figure(0) == "0"


def test_percentages_are_rounded_and_signed():
    with translation.override("vi"):
        assert percent(3 * 100.0 / 26) == "+11,54%"
        assert percent(-13.43) == "-13,43%"
        assert percent(12.54, "plain") == "12,54%"
    with translation.override("en"):
        assert percent(-15.4545) == "-15.45%"


def test_signed_counts_and_demo_badge_and_merger_link():
    assert signed(30) == "+30" and signed(-8) == "-8" and signed(0) == "0"
    with translation.override("vi"):
        assert ">demo</span>" in demo_badge(True)
    assert demo_badge(False) == ""
    assert merger_link(12) == "/mergers/12/"
    assert merger_link(None) == ""


def test_kind_marks_tell_published_from_demo_and_official():
    from reports.templatetags.report_tags import kind_mark

    assert kind_mark("official") == "" and kind_mark(None) == ""
    assert 'class="published-mark"' in kind_mark("published") and ">công bố</span>" in kind_mark("published")
    for kind in ("demo", "synthetic"):
        assert 'class="demo-mark demo-badge"' in kind_mark(kind) and ">demo</span>" in kind_mark(kind)
