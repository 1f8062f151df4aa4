"""Template filters for figures: missing data shown as missing, signs, percentages, demo labels."""

import functools
from html import escape as html_escape

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.api.representations import route_path
from figures.engine import FIGURE_LABELS
from mergers.choices import SourceKind

register = template.Library()


def merger_url(merger_id: int) -> str:
    """The merger's page; a plain path while the mergers pages are not routed."""
    try:
        return reverse("registry:merger", kwargs={"pk": merger_id})
    except NoReverseMatch:
        return f"/mergers/{merger_id}/"


@register.filter
def merger_link(merger_id):
    return merger_url(merger_id) if merger_id else ""


def _missing():
    return format_html('<span class="figure-missing">{}</span>', _("Không có số liệu"))


@register.filter
def figure(value):
    """A count, or "Không có số liệu" when missing (never 0)."""
    if value is None:
        return _missing()
    return number_format(value, force_grouping=True)


@register.filter
def signed(value):
    """+30 / -8 / 0, or missing."""
    if value is None:
        return _missing()
    text = number_format(value, force_grouping=True)
    return f"+{text}" if value > 0 else text


@register.filter
def percent(value, signed_="signed"):
    """-13,43% (localised, 2 decimals), or missing."""
    if value is None:
        return _missing()
    # number_format truncates: round first.
    text = number_format(round(value, 2), decimal_pos=2) + "%"
    return f"+{text}" if value > 0 and signed_ == "signed" else text


@register.simple_tag
def demo_badge(flag=True):
    """A small mark (not a badge) after a figure that sums demo values; each table explains it once."""
    if not flag:
        return ""
    return _mark(get_language(), "demo")


@functools.cache
def _mark(language: str, kind: str) -> str:
    """A mark's markup, made once per language (a province's page shows hundreds)."""
    if kind == "demo":
        return format_html(
            '<span class="demo-mark demo-badge" title="{}">{}</span>',
            _("Có số liệu minh họa (demo), không phải số liệu chính thức"),
            _("demo"),
        )
    return format_html(
        '<span class="published-mark" title="{}">{}</span>',
        _("Số liệu lấy từ nguồn đã công bố (bài báo), không phải văn bản chính thức"),
        _("công bố"),
    )


@register.simple_tag
def kind_mark(kind):
    """The mark of a record's source kind: none for official, its own for published (the articles),
    the demo mark for made-up values (demo, synthetic)."""
    if not kind or kind == SourceKind.OFFICIAL:
        return ""
    if kind == SourceKind.PUBLISHED:
        return _mark(get_language(), "published")
    return demo_badge(True)


@register.inclusion_tag("reports/_legend.html")
def demo_legend(published=False):
    """One line under a table: what its marks mean."""
    return {"published": published}


@register.filter
def reconciled_item(agency):
    """One agency of a focal-point reconciliation's term (figures.engine.ReconciledAgency) as the
    lists show it: its link and district, the date, where it went, the decision. In Python: a
    province's lists hold hundreds of agencies, and the same markup in template tags was the
    largest part of the dashboard's rendering (tests/reports/test_report_tags.py compares them)."""
    e = _escape
    html = (
        f'<a href="{e(route_path("registry:agency", "pk", agency.id))}">{e(agency.name)}</a>'
        f' <span class="text-muted">({e(agency.district)})</span>'
    )
    if agency.on:
        html += f" · {e(date_filter(agency.on, 'd/m/Y'))}"
    if agency.successor:
        successor = agency.successor
        html += (
            f' → <a href="{e(route_path("registry:agency", "pk", successor.id))}">{e(successor.name)}</a>'
            f' <span class="text-muted">({e(successor.district)})</span>'
        )
    elif agency.successor_province:
        html += f" → {e(_('tỉnh'))} {e(agency.successor_province)}"
    if agency.decision:
        html += f" · {e(_('QĐ'))} "
        if agency.decision_id:
            html += f'<a href="{e(route_path("registry:decision", "pk", agency.decision_id))}">{e(agency.decision)}</a>'
        else:
            html += e(agency.decision)
    return mark_safe(html)


def _escape(value) -> str:
    """django.utils.html.escape without its lazy-string wrapper (called a thousand times a page)."""
    return html_escape(str(value))


@register.filter
def figure_label(name):
    """The name of a programme figure ("completed" -> "Số đơn vị đã hoàn thành")."""
    return FIGURE_LABELS.get(name, name)


@register.filter
def figure_value(value, name):
    """A programme figure as shown: a percentage for the reduction rate, else a count; missing as missing."""
    if name == "reduction_pct":
        return percent(value, "plain")
    return figure(value)
