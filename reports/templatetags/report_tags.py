"""Template filters for figures: missing data shown as missing, signs, percentages, demo labels."""

import functools

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.api.representations import route_path
from core.markup import escape as _escape
from core.numbers import grouped
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
    return grouped(value)


@register.filter
def signed(value):
    """+30 / -8 / 0, or missing."""
    if value is None:
        return _missing()
    text = grouped(value)
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
    return mark_safe(_ReconciledMarkup().item(agency))


@register.filter
def reconciled_list(agencies):
    """A term's `<li>` items, as `{% for a in agencies %}<li>{{ a|reconciled_item }}</li>{% empty %}`
    rendered them (the same bytes, tests/reports/test_report_tags.py), with the routes and the
    words looked up once per list rather than once per agency."""
    if not agencies:
        return mark_safe('<li class="text-muted">—</li>\n  ')
    markup = _ReconciledMarkup()
    return mark_safe("".join([f"\n    <li>{markup.item(agency)}</li>\n  " for agency in agencies]))


_KEY = 7417417417


def _route_around(route: str) -> tuple[str, str] | None:
    """The route's path before and after its key (route_path's own, cached), or None."""
    parts = route_path(route, "pk", _KEY).split(str(_KEY))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _escaped_around(route: str) -> tuple[str, str] | None:
    """`_route_around`, each part escaped for an attribute."""
    parts = _route_around(route)
    return None if parts is None else (_escape(parts[0]), _escape(parts[1]))


class _ReconciledMarkup:
    """What every item of a list shares: the agency and decision routes, the translated words."""

    def __init__(self):
        self.agency = _escaped_around("registry:agency")
        self.decision = _escaped_around("registry:decision")
        self.province = _escape(_("tỉnh"))
        self.decision_word = _escape(_("QĐ"))

    def _url(self, parts, route: str, pk) -> str:
        if parts is None or type(pk) is not int:
            return _escape(route_path(route, "pk", pk))
        return f"{parts[0]}{pk}{parts[1]}"  # an int's digits need no escaping

    def item(self, agency) -> str:
        e = _escape
        html = (
            f'<a href="{self._url(self.agency, "registry:agency", agency.id)}">{e(agency.name)}</a>'
            f' <span class="text-muted">({e(agency.district)})</span>'
        )
        on = agency.on
        if on:
            html += f" · {_dmy(on)}"
        if agency.successor:
            successor = agency.successor
            html += (
                f' → <a href="{self._url(self.agency, "registry:agency", successor.id)}">{e(successor.name)}</a>'
                f' <span class="text-muted">({e(successor.district)})</span>'
            )
        elif agency.successor_province:
            html += f" → {self.province} {e(agency.successor_province)}"
        if agency.decision:
            html += f" · {self.decision_word} "
            if agency.decision_id:
                url = self._url(self.decision, "registry:decision", agency.decision_id)
                html += f'<a href="{url}">{e(agency.decision)}</a>'
            else:
                html += e(agency.decision)
        return html


@register.filter
def matrix_rows(rows):
    """The progress matrix's rows (reports.selectors.MatrixRow), as the template's loops over rows
    and cells rendered them (the same bytes, tests/reports/test_report_tags.py): a province's
    matrix has a cell per district and programme, and each cell's dozen template nodes made it the
    largest table of the dashboard to render."""
    e = _escape
    not_yet, decision, no_merger = e(_("Chưa có")), e(_("Quyết định")), e(_("Chưa có hợp nhất"))
    try:
        merger = _route_around("registry:merger")
    except NoReverseMatch:  # the mergers pages are not routed
        merger = None
    out = []
    for row in rows:
        district = row.district
        code = e(district.code)
        inactive = "" if row.active else ' class="district-inactive"'
        note = ""
        if district.dissolved_on and not row.active:
            on = _dmy(district.dissolved_on)
            if district.successor:
                text = _("giải thể từ %(date)s, sáp nhập vào %(successor)s") % {
                    "date": e(on),
                    "successor": e(district.successor.full_name),
                }
            elif district.successor_province:
                text = _("giải thể từ %(date)s, chức năng chuyển về tỉnh %(province)s") % {
                    "date": e(on),
                    "province": e(district.successor_province.name),
                }
            else:
                text = _("giải thể từ %(date)s") % {"date": e(on)}
            note = f'<div class="small text-muted" data-testid="successor-{code}">{text}</div>'
        cells = []
        for counter, cell in enumerate(row.cells, start=1):
            if cell.merger_id:
                link = f"{merger[0]}{cell.merger_id}{merger[1]}" if merger else merger_url(cell.merger_id)
                label = e(cell.stage_label) if cell.stage else not_yet
                on = f'<span class="stage-date">{_dmy(cell.stage_on)}</span>' if cell.stage_on else ""
                number = (
                    f'<span class="stage-decision"><span class="visually-hidden">{decision} </span>'
                    f"{e(cell.decision_number)}</span>"
                    if cell.decision_number
                    else ""
                )
                stage = e(cell.stage or "none")
                cells.append(
                    f'\n        \n        <td class="stage stage-{stage}" data-testid="cell-{code}-{counter}">'
                    f'\n          <a href="{e(link)}">'
                    f'\n            <span class="stage-label">{label}</span>'
                    f"\n            {on}\n            {number}\n          </a>"
                    f"\n          {demo_badge(cell.is_demo)}\n        </td>\n        \n      "
                )
            else:
                cells.append(
                    f'\n        \n        \n        <td class="stage stage-none" data-testid="cell-{code}-{counter}">'
                    f'<span class="stage-label">{no_merger}</span></td>\n        \n      '
                )
        out.append(
            f'\n    <tr data-district="{code}"{inactive}>\n      <th scope="row">'
            f'\n        <a href="{e(district.get_absolute_url())}">{code} · {e(district.full_name)}</a>'
            f"\n        {note}\n      </th>\n      {''.join(cells)}\n    </tr>\n  "
        )
    return mark_safe("".join(out))


@register.filter
def staffing_rows(rows):
    """The staffing table's district rows (reports.selectors.StaffingRow), as the template's loop
    rendered them (the same bytes, tests/reports/test_report_tags.py)."""
    e, c = _escape, conditional_escape
    not_yet, ended = e(_("chưa thành lập")), e(_("đã giải thể"))
    out = []
    for row in rows:
        code = e(row.district)
        note = f'<div class="small text-muted">{e(row.note)}</div>' if row.note else ""
        baseline = (
            c(figure(row.headcount_baseline)) if row.active_baseline else f'<span class="text-muted">{not_yet}</span>'
        )
        current = c(figure(row.headcount_current)) if row.active_current else f'<span class="text-muted">{ended}</span>'
        if row.active_baseline and row.active_current:
            agencies = f"{c(figure(row.agencies_baseline))} → {c(figure(row.agencies_current))}"
            changes = (
                f'\n      <td class="num">{c(signed(row.change))}</td>'
                f'\n      <td class="num">{c(percent(row.change_pct))}</td>'
                f'\n      <td class="num">{agencies}</td>\n      '
            )
        else:
            before = c(figure(row.agencies_baseline)) if row.active_baseline else "—"
            after = c(figure(row.agencies_current)) if row.active_current else "—"
            changes = (
                '\n      <td class="num">—</td><td class="num">—</td>'
                f'\n      <td class="num">{before} → {after}</td>\n      '
            )
        url = e(route_path("districts:district", "code", row.district))
        out.append(
            f'\n    <tr data-district="{code}">'
            f'\n      <th scope="row"><a href="{url}">{code} · {e(row.name)}</a>\n        {note}</th>\n      '
            f'\n      <td class="num">{baseline}</td>\n      <td class="num">{current}</td>\n      {changes}'
            f"\n      <td>{demo_badge(row.demo)}</td>\n    </tr>\n  "
        )
    return mark_safe("".join(out))


def _dmy(day) -> str:
    """The date filter's "d/m/Y"."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


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
