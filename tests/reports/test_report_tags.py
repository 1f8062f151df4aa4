"""Figures in templates: missing is "Không có số liệu", percentages rounded (not truncated)."""

import pytest
from django.utils import translation

from reports.templatetags.report_tags import demo_badge, figure, merger_link, percent, signed, staffing_rows


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


# The loop the reconciliation's lists had in the template, kept as the reference of `reconciled_list`.
RECONCILED_LIST_TEMPLATE = (
    "{% load report_tags %}"
    '{% for a in agencies %}\n    <li>{{ a|reconciled_item }}</li>\n  {% empty %}<li class="text-muted">—</li>\n  {% endfor %}'
)


@pytest.mark.django_db
def test_reconciled_list_is_the_templates_loop(quang_ninh):
    """Each term of Quảng Ninh's reconciliation, and an empty one, in both languages: the same bytes."""
    import datetime

    from django.template import Context, Template

    from districts.models import Province
    from figures.engine import ReconciledAgency, reconcile_focal_points
    from reports.templatetags.report_tags import reconciled_list

    rec = reconcile_focal_points(
        start=datetime.date(2015, 11, 30), end=datetime.date(2025, 7, 1), province=Province.objects.get(code="22")
    )
    terms = [rec.at_start, rec.established, rec.merged_away, rec.dissolved, rec.at_end, ()]
    terms.append((ReconciledAgency(id=1, name="A & <b>", district="193", on=datetime.date(987, 1, 2), decision="x"),))
    assert [len(t) for t in terms[:5]] == [140, 42, 143, 39, 0]
    reference = Template(RECONCILED_LIST_TEMPLATE)
    for language in ("vi", "en"):
        with translation.override(language):
            for term in terms:
                assert reconciled_list(term) == reference.render(Context({"agencies": term}))
    with translation.override("vi"):
        assert reconciled_list(()) == '<li class="text-muted">—</li>\n  '
        assert reconciled_list(terms[-1]) == (
            '\n    <li><a href="/agencies/1/">A &amp; &lt;b&gt;</a> <span class="text-muted">(193)</span>'
            " · 02/01/0987 · QĐ x</li>\n  "
        )


# The loops the progress matrix had in the dashboard's template, kept as the reference of `matrix_rows`.
MATRIX_ROWS_TEMPLATE = "{% load i18n report_tags %}" + (
    "  {% for row in matrix.rows %}\n"
    '    <tr data-district="{{ row.district.code }}"{% if not row.active %} class="district-inactive"{% endif %}>\n'
    '      <th scope="row">\n'
    '        <a href="{{ row.district.get_absolute_url }}">{{ row.district.code }} · {{ row.district.full_name }}</a>\n'
    '        {% if row.district.dissolved_on and not row.active %}<div class="small text-muted" data-testid="successor-{{ row.district.code }}">{% if row.district.successor %}{% blocktranslate with date=row.district.dissolved_on|date:"d/m/Y" successor=row.district.successor.full_name %}giải thể từ {{ date }}, sáp nhập vào {{ successor }}{% endblocktranslate %}{% elif row.district.successor_province %}{% blocktranslate with date=row.district.dissolved_on|date:"d/m/Y" province=row.district.successor_province.name %}giải thể từ {{ date }}, chức năng chuyển về tỉnh {{ province }}{% endblocktranslate %}{% else %}{% blocktranslate with date=row.district.dissolved_on|date:"d/m/Y" %}giải thể từ {{ date }}{% endblocktranslate %}{% endif %}</div>{% endif %}\n'
    "      </th>\n"
    "      {% for cell in row.cells %}\n"
    "        {% if cell.merger_id %}\n"
    '        <td class="stage stage-{{ cell.stage|default:\'none\' }}" data-testid="cell-{{ row.district.code }}-{{ forloop.counter }}">\n'
    '          <a href="{{ cell.merger_id|merger_link }}">\n'
    '            <span class="stage-label">{% if cell.stage %}{{ cell.stage_label }}{% else %}{% translate "Chưa có" %}{% endif %}</span>\n'
    '            {% if cell.stage_on %}<span class="stage-date">{{ cell.stage_on|date:"d/m/Y" }}</span>{% endif %}\n'
    '            {% if cell.decision_number %}<span class="stage-decision"><span class="visually-hidden">{% translate "Quyết định" %} </span>{{ cell.decision_number }}</span>{% endif %}\n'
    "          </a>\n"
    "          {% demo_badge cell.is_demo %}\n"
    "        </td>\n"
    "        {% else %}\n"
    "        {# No merger recorded under this programme: not missing figures, nothing planned yet. #}\n"
    '        <td class="stage stage-none" data-testid="cell-{{ row.district.code }}-{{ forloop.counter }}"><span class="stage-label">{% translate "Chưa có hợp nhất" %}</span></td>\n'
    "        {% endif %}\n"
    "      {% endfor %}\n"
    "    </tr>\n"
    "  {% endfor %}"
)


@pytest.mark.django_db
def test_matrix_rows_are_the_templates_loops(quang_ninh):
    """Quảng Ninh's matrix on dates before, during and after the mergers, Hoành Bồ merged into Hạ
    Long, the tier's end, and made-up rows (a district dissolved without successor, a cell without
    a stage, awkward names), in both languages: the same bytes."""
    import datetime

    from django.template import Context, Template

    from districts.models import District, Province
    from reports.selectors import MatrixCell, MatrixRow, progress_matrix
    from reports.templatetags.report_tags import matrix_rows

    province = Province.objects.get(code="22")
    odd = District(
        code="999", name="A & <b>", kind=District.objects.first().kind, dissolved_on=datetime.date(2019, 1, 2)
    )
    made_up = [
        MatrixRow(
            district=odd,
            active=False,
            cells=[
                MatrixCell(),
                MatrixCell(merger_id=7, stage=None, is_demo=True),
                MatrixCell(merger_id=8, stage="approved", stage_label="<x>", decision_number="1 & 2"),
            ],
        )
    ]
    reference = Template(MATRIX_ROWS_TEMPLATE)
    seen, texts = set(), []
    for language in ("vi", "en"):
        with translation.override(language):
            for day in (datetime.date(2016, 1, 1), datetime.date(2020, 6, 1), datetime.date(2025, 8, 1)):
                rows = progress_matrix(province=province, as_of=day, start=datetime.date(2015, 11, 30)).rows
                html = matrix_rows(rows)
                assert html == reference.render(Context({"matrix": {"rows": rows}})).removeprefix("  ")
                texts.append(html)
                seen |= {(r.active, bool(r.district.dissolved_on)) for r in rows}
            assert matrix_rows(made_up) == reference.render(Context({"matrix": {"rows": made_up}})).removeprefix("  ")
    assert seen == {(False, True), (True, True)}  # every district ends (2020 or the tier, 2025)
    assert "sáp nhập vào Thành phố Hạ Long" in texts[1] and "chức năng chuyển về tỉnh Quảng Ninh" in texts[2]
    with translation.override("vi"):
        html = matrix_rows(made_up)
    assert '<div class="small text-muted" data-testid="successor-999">giải thể từ 02/01/2019</div>' in html
    assert '<a href="/districts/999/">999 · ' in html and "A &amp; &lt;b&gt;</a>" in html
    assert '<a href="/mergers/7/">\n            <span class="stage-label">Chưa có</span>' in html
    assert '<span class="stage-label">&lt;x&gt;</span>' in html and "</span>1 &amp; 2</span>" in html
    assert html.count('class="demo-mark demo-badge"') == 1
    assert '<span class="stage-label">Chưa có hợp nhất</span></td>' in html


# The loop the staffing table had in the dashboard's template, kept as the reference of `staffing_rows`.
STAFFING_ROWS_TEMPLATE = "{% load i18n report_tags %}" + (
    "  {% for row in report.rows %}\n"
    '    <tr data-district="{{ row.district }}">\n'
    '      <th scope="row"><a href="{% url \'districts:district\' row.district %}">{{ row.district }} · {{ row.name }}</a>\n'
    '        {% if row.note %}<div class="small text-muted">{{ row.note }}</div>{% endif %}</th>\n'
    '      {# A district that did not exist on a date says so, rather than "Không có số liệu" (missing data). #}\n'
    '      <td class="num">{% if row.active_baseline %}{{ row.headcount_baseline|figure }}{% else %}<span class="text-muted">{% translate "chưa thành lập" %}</span>{% endif %}</td>\n'
    '      <td class="num">{% if row.active_current %}{{ row.headcount_current|figure }}{% else %}<span class="text-muted">{% translate "đã giải thể" %}</span>{% endif %}</td>\n'
    "      {% if row.active_baseline and row.active_current %}\n"
    '      <td class="num">{{ row.change|signed }}</td>\n'
    '      <td class="num">{{ row.change_pct|percent }}</td>\n'
    '      <td class="num">{{ row.agencies_baseline|figure }} → {{ row.agencies_current|figure }}</td>\n'
    "      {% else %}\n"
    '      <td class="num">—</td><td class="num">—</td>\n'
    '      <td class="num">{% if row.active_baseline %}{{ row.agencies_baseline|figure }}{% else %}—{% endif %} → {% if row.active_current %}{{ row.agencies_current|figure }}{% else %}—{% endif %}</td>\n'
    "      {% endif %}\n"
    "      <td>{% demo_badge row.demo %}</td>\n"
    "    </tr>\n"
    "  {% endfor %}"
)


@pytest.mark.django_db
def test_staffing_rows_are_the_templates_loop(quang_ninh):
    """Quảng Ninh's staffing table like for like or not (Hoành Bồ ended in 2020), before any
    district existed, with missing actual figures, and a made-up row with a note and an awkward
    name, in both languages: the same bytes."""
    import dataclasses
    import datetime

    from django.template import Context, Template

    from districts.models import Province
    from figures.engine import DayFigure
    from reports.selectors import staffing_report

    province = Province.objects.get(code="22")
    reference = Template(STAFFING_ROWS_TEMPLATE)
    reports = [
        staffing_report(province=province, baseline=b, as_of=a, measure=m, like_for_like=lfl)
        for b, a, m, lfl in [
            (datetime.date(2015, 11, 30), datetime.date(2020, 6, 1), "authorised", True),
            (datetime.date(2015, 11, 30), datetime.date(2020, 6, 1), "authorised", False),
            (datetime.date(2010, 1, 1), datetime.date(2016, 1, 1), "actual", False),
        ]
    ]
    odd = dataclasses.replace(reports[0].rows[0], district="<9>", name="A & B", note="x < y")
    unborn = dataclasses.replace(reports[0].rows[0], baseline=DayFigure(on=datetime.date(2010, 1, 1), active=False))
    cases = [report.rows for report in reports] + [[odd, unborn]]
    states = {(r.active_baseline, r.active_current) for rows in cases for r in rows}
    assert states == {(True, True), (True, False), (False, True)}
    for language in ("vi", "en"):
        with translation.override(language):
            for rows in cases:
                expected = reference.render(Context({"report": {"rows": rows}})).removeprefix("  ")
                assert staffing_rows(rows) == expected
    with translation.override("vi"):
        html = staffing_rows([odd, unborn])
    assert html.startswith('\n    <tr data-district="&lt;9&gt;">\n      <th scope="row"><a href="/districts/%3C9%3E/">')
    assert '&lt;9&gt; · A &amp; B</a>\n        <div class="small text-muted">x &lt; y</div></th>' in html
    assert '<td class="num"><span class="text-muted">chưa thành lập</span></td>' in html
    assert '<td class="num">—</td><td class="num">—</td>\n      <td class="num">— → ' in html
