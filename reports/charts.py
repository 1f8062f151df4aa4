"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable when printed.

Colours come from CSS classes (static/css/dashboard.css); geometry from SVG presentation
attributes, so the Content-Security-Policy can forbid inline styles.
"""

import dataclasses
import datetime

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 40


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclasses.dataclass
class Bar:
    label: str
    value: int | None
    pct: float | None = None
    is_demo: bool = False
    note: str = ""


def _nice_bounds(low: int, high: int) -> tuple[int, int, int]:
    """A rounded axis range and tick step covering [low, high]."""
    span = max(high - low, 1)
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        step = candidate
        if span / candidate <= 5:
            break
    lo = (low // step) * step
    hi = -(-high // step) * step
    if lo == hi:
        hi = lo + step
    return lo, hi, step


def headcount_line_chart(points, *, chart_id: str, title: str) -> SafeString:
    """A step line: the headcount holds from one change date to the next. `points`: SeriesPoint list."""
    known = [p for p in points if p.headcount is not None]
    title_id = f"{chart_id}-title"
    head = (
        f'<svg class="chart chart-line" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
    )
    if len(points) < 1 or not known:
        return mark_safe(
            head + f'<text class="chart-empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
            f"{escape(_('Không có số liệu'))}</text></svg>"
        )
    lo, hi, step = _nice_bounds(min(p.headcount for p in known), max(p.headcount for p in known))
    first, last = points[0].on, points[-1].on
    days = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: datetime.date) -> float:
        return LEFT + plot_w * (day - first).days / days

    def y(value: int) -> float:
        return TOP + plot_h * (hi - value) / (hi - lo)

    parts = [head]
    for tick in range(lo, hi + 1, step):
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y(tick))}" y2="{_num(y(tick))}"/>'
            f'<text class="chart-tick" x="{LEFT - 6}" y="{_num(y(tick) + 4)}" text-anchor="end">'
            f"{escape(number_format(tick, force_grouping=True))}</text>"
        )
    for year in range(first.year, last.year + 1):
        day = datetime.date(year, 1, 1)
        if first <= day <= last:
            parts.append(
                f'<line class="chart-grid" x1="{_num(x(day))}" x2="{_num(x(day))}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
                f'<text class="chart-tick" x="{_num(x(day))}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{year}</text>"
            )
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}"/>'
        f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
    )
    # Step segments; a point without data breaks the line.
    path, previous = [], None
    for point in points:
        if point.headcount is None:
            previous = None
            continue
        if previous is None:
            path.append(f"M{_num(x(point.on))},{_num(y(point.headcount))}")
        else:
            path.append(f"H{_num(x(point.on))}V{_num(y(point.headcount))}")
        previous = point
    parts.append(f'<path class="chart-series" d="{" ".join(path)}"/>')
    for point in points:
        if point.headcount is None:
            continue
        css = "chart-point chart-point-demo" if point.is_demo else "chart-point"
        label = f"{date_format(point.on, 'd/m/Y')}: {number_format(point.headcount, force_grouping=True)}"
        if point.is_demo:
            label += f" ({_('demo')})"
        parts.append(
            f'<circle class="{css}" cx="{_num(x(point.on))}" cy="{_num(y(point.headcount))}" r="3">'
            f"<title>{escape(label)}</title></circle>"
        )
    for point, anchor in ((known[0], "start"), (known[-1], "end")):
        parts.append(
            f'<text class="chart-value" x="{_num(x(point.on))}" y="{_num(y(point.headcount) - 8)}" '
            f'text-anchor="{anchor}">{escape(number_format(point.headcount, force_grouping=True))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def change_bar_chart(bars: list[Bar], *, chart_id: str, title: str) -> SafeString:
    """Horizontal bars, one per district: the change in headcount, falls to the left of zero."""
    row_h, label_w, value_w = 24, 210, 150
    height = TOP + row_h * max(len(bars), 1) + 16
    title_id = f"{chart_id}-title"
    parts = [
        f'<svg class="chart chart-bars" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
    ]
    values = [abs(b.value) for b in bars if b.value is not None]
    scale_max = max(values) if values and max(values) > 0 else 1
    plot_left, plot_right = label_w, WIDTH - value_w
    zero = (plot_left + plot_right) / 2
    half = (plot_right - plot_left) / 2
    parts.append(f'<line class="chart-axis" x1="{_num(zero)}" x2="{_num(zero)}" y1="{TOP - 8}" y2="{height - 8}"/>')
    for i, bar in enumerate(bars):
        top = TOP + i * row_h
        middle = top + row_h / 2 + 4
        parts.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{_num(middle)}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
        )
        if bar.value is None:
            parts.append(
                f'<text class="chart-empty" x="{_num(zero + 6)}" y="{_num(middle)}">'
                f"{escape(bar.note or _('Không có số liệu'))}</text>"
            )
            continue
        length = half * abs(bar.value) / scale_max
        start = zero - length if bar.value < 0 else zero
        css = "bar-down" if bar.value < 0 else "bar-up"
        if bar.is_demo:
            css += " bar-demo"
        text = number_format(bar.value, force_grouping=True)
        if bar.value > 0:
            text = f"+{text}"
        if bar.pct is not None:
            pct_text = number_format(round(bar.pct, 2), decimal_pos=2)
            text += f" ({'+' if bar.pct > 0 else ''}{pct_text}%)"
        if bar.is_demo:
            text += f" {_('demo')}"
        parts.append(
            f'<rect class="{css}" x="{_num(start)}" y="{top + 4}" width="{_num(max(length, 1))}" height="{row_h - 8}">'
            f"<title>{escape(bar.label)}: {escape(text)}</title></rect>"
            f'<text class="chart-value" x="{plot_right + 6}" y="{_num(middle)}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
