"""Figures in templates: missing is "Không có số liệu", percentages rounded (not truncated)."""

import pytest
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


# The markup the reconciliation's lists had in the template, kept as the reference of `reconciled_item`.
RECONCILED_ITEM_TEMPLATE = (
    "{% load i18n %}"
    + '<a href="{% url \'registry:agency\' a.id %}">{{ a.name }}</a> <span class="text-muted">({{ a.district }})</span>{% if a.on %} · {{ a.on|date:"d/m/Y" }}{% endif %}{% if a.successor %} → <a href="{% url \'registry:agency\' a.successor.id %}">{{ a.successor.name }}</a> <span class="text-muted">({{ a.successor.district }})</span>{% elif a.successor_province %} → {% translate "tỉnh" %} {{ a.successor_province }}{% endif %}{% if a.decision %} · {% translate "QĐ" %} {% if a.decision_id %}<a href="{% url \'registry:decision\' a.decision_id %}">{{ a.decision }}</a>{% else %}{{ a.decision }}{% endif %}{% endif %}'
)


@pytest.mark.django_db
def test_reconciled_item_is_the_templates_markup(quang_ninh):
    """Every agency of Quảng Ninh's reconciliations (mergers, the district merged in 2020, the
    tier's end in 2025, an agency established otherwise), and awkward names and decisions."""
    import datetime

    from django.template import Context, Template

    from districts.models import Province
    from figures.engine import AgencyRef, ReconciledAgency, reconcile_focal_points
    from reports.templatetags.report_tags import reconciled_item

    province = Province.objects.get(code="22")
    items = []
    for start, end in [
        (datetime.date(2015, 11, 30), datetime.date(2025, 6, 30)),
        (datetime.date(2019, 1, 1), datetime.date(2025, 7, 1)),
    ]:
        rec = reconcile_focal_points(start=start, end=end, province=province)
        items += [*rec.at_start, *rec.established, *rec.merged_away, *rec.dissolved, *rec.at_end]
    odd = AgencyRef(id=3, name='<Ban> & "Tổ chức"', district="193")
    items += [
        ReconciledAgency(id=1, name="A & <b>", district="193", on=None, decision="12/QĐ-UBND", decision_id=None),
        ReconciledAgency(
            id=2, name="B", district="207", on=datetime.date(2020, 1, 1), successor=odd, decision="x<y", decision_id=4
        ),
        ReconciledAgency(id=5, name="C", district="207", on=datetime.date(2025, 7, 1), successor_province="22"),
    ]
    kinds = {
        (bool(i.on), bool(i.successor), bool(i.successor_province), bool(i.decision), bool(i.decision_id))
        for i in items
    }
    assert len(items) > 300 and len(kinds) >= 6
    reference = Template(RECONCILED_ITEM_TEMPLATE)
    for language in ("vi", "en"):
        with translation.override(language):
            for item in items:
                assert reconciled_item(item) == reference.render(Context({"a": item})), item
