"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable when printed.

Colours come from CSS classes (static/css/dashboard.css); geometry from SVG presentation
attributes, so the Content-Security-Policy can forbid inline styles.
"""

import dataclasses
import datetime

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.dates import fmt_date
from core.markup import escape
from core.numbers import grouped

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 40
# A phone draws the chart about 360 px wide: a narrow geometry of its own keeps the 11 px text
# near 11 px on screen (the wide one, scaled down, made it about 5 px).
NARROW_WIDTH, NARROW_HEIGHT = 380, 240
NARROW_LEFT = 44


def trim_flat_tail(points) -> tuple[list, datetime.date | None]:
    """The points up to the last change, and the date the last value still holds (None when the
    last point is a change): the time axis covers the data, not years of a flat line."""
    points = list(points)
    last = len(points) - 1
    while last > 0 and (points[last].headcount, points[last].is_demo) == (
        points[last - 1].headcount,
        points[last - 1].is_demo,
    ):
        last -= 1
    if last == len(points) - 1:
        return points, None
    return points[: last + 1], points[-1].on


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


def headcount_line_chart(points, *, chart_id: str, title: str, narrow: bool = False) -> SafeString:
    """A step line: the headcount holds from one change date to the next. `points`: SeriesPoint list.

    `narrow`: the phone's geometry (fewer year ticks). The y-axis starts at zero.
    """
    width, height, left = (NARROW_WIDTH, NARROW_HEIGHT, NARROW_LEFT) if narrow else (WIDTH, HEIGHT, LEFT)
    right = 14 if narrow else RIGHT
    known = [p for p in points if p.headcount is not None]
    title_id = f"{chart_id}-title"
    head = (
        f'<svg class="chart chart-line" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
    )
    if len(points) < 1 or not known:
        return mark_safe(
            head + f'<text class="chart-empty" x="{width / 2}" y="{height / 2}" text-anchor="middle">'
            f"{escape(_('Không có số liệu'))}</text></svg>"
        )
    # The axis starts at zero: a fall of 94 out of 700 must not look like a collapse.
    lo, hi, step = _nice_bounds(min(0, *(p.headcount for p in known)), max(p.headcount for p in known))
    first, last = points[0].on, points[-1].on
    days = max((last - first).days, 1)
    plot_w, plot_h = width - left - right, height - TOP - BOTTOM

    def x(day: datetime.date) -> float:
        return left + plot_w * (day - first).days / days

    def y(value: int) -> float:
        return TOP + plot_h * (hi - value) / (hi - lo)

    parts = [head]
    for tick in range(lo, hi + 1, step):
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{_num(y(tick))}" y2="{_num(y(tick))}"/>'
            f'<text class="chart-tick" x="{left - 6}" y="{_num(y(tick) + 4)}" text-anchor="end">'
            f"{escape(grouped(tick))}</text>"
        )
    years = [yr for yr in range(first.year, last.year + 1) if first <= datetime.date(yr, 1, 1) <= last]
    every = max(1, -(-len(years) // (5 if narrow else 12)))  # at most 5 year labels on a phone
    for year in years[::every]:
        day = datetime.date(year, 1, 1)
        parts.append(
            f'<line class="chart-grid" x1="{_num(x(day))}" x2="{_num(x(day))}" y1="{TOP}" y2="{height - BOTTOM}"/>'
            f'<text class="chart-tick" x="{_num(x(day))}" y="{height - BOTTOM + 16}" text-anchor="middle">'
            f"{year}</text>"
        )
    parts.append(
        f'<line class="chart-axis" x1="{left}" x2="{width - right}" y1="{height - BOTTOM}" y2="{height - BOTTOM}"/>'
        f'<line class="chart-axis" x1="{left}" x2="{left}" y1="{TOP}" y2="{height - BOTTOM}"/>'
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
    demo = f" ({_('demo')})"
    for point in points:
        if point.headcount is None:
            continue
        css = "chart-point chart-point-demo" if point.is_demo else "chart-point"
        label = f"{fmt_date(point.on)}: {grouped(point.headcount)}"
        if point.is_demo:
            label += demo
        parts.append(
            f'<circle class="{css}" cx="{_num(x(point.on))}" cy="{_num(y(point.headcount))}" r="3">'
            f"<title>{escape(label)}</title></circle>"
        )
    for point, anchor in ((known[0], "start"), (known[-1], "end")):
        parts.append(
            f'<text class="chart-value" x="{_num(x(point.on))}" y="{_num(y(point.headcount) - 8)}" '
            f'text-anchor="{anchor}">{escape(grouped(point.headcount))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _bar_text(bar: Bar) -> str:
    text = grouped(bar.value)
    if bar.value > 0:
        text = f"+{text}"
    if bar.pct is not None:
        pct_text = number_format(round(bar.pct, 2), decimal_pos=2)
        text += f" ({'+' if bar.pct > 0 else ''}{pct_text}%)"
    if bar.is_demo:
        text += f" {_('demo')}"
    return text


def change_bar_chart(bars: list[Bar], *, chart_id: str, title: str, narrow: bool = False) -> SafeString:
    """Horizontal bars, one per district: the change in headcount, falls to the left of zero.

    `narrow` (a phone): each district's name and figure on a line of their own above its bar, so
    that the text keeps its size instead of being scaled down with a wide drawing.
    """
    width = NARROW_WIDTH if narrow else WIDTH
    if narrow:
        row_h, label_w, value_w = 38, 8, 8
    else:
        row_h, label_w, value_w = 24, 210, 150
    height = TOP + row_h * max(len(bars), 1) + 16
    title_id = f"{chart_id}-title"
    parts = [
        f'<svg class="chart chart-bars" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
    ]
    values = [abs(b.value) for b in bars if b.value is not None]
    scale_max = max(values) if values and max(values) > 0 else 1
    plot_left, plot_right = label_w, width - value_w
    zero = (plot_left + plot_right) / 2
    half = (plot_right - plot_left) / 2
    parts.append(f'<line class="chart-axis" x1="{_num(zero)}" x2="{_num(zero)}" y1="{TOP - 8}" y2="{height - 8}"/>')
    for i, bar in enumerate(bars):
        top = TOP + i * row_h
        if narrow:
            label_y, bar_y, bar_h = top + 11, top + 17, row_h - 22
            parts.append(f'<text class="chart-label" x="{plot_left}" y="{_num(label_y)}">{escape(bar.label)}</text>')
        else:
            label_y, bar_y, bar_h = top + row_h / 2 + 4, top + 4, row_h - 8
            parts.append(
                f'<text class="chart-label" x="{label_w - 8}" y="{_num(label_y)}" text-anchor="end">'
                f"{escape(bar.label)}</text>"
            )
        if bar.value is None:
            empty_x, anchor = (plot_right, "end") if narrow else (zero + 6, "start")
            parts.append(
                f'<text class="chart-empty" x="{_num(empty_x)}" y="{_num(label_y)}" text-anchor="{anchor}">'
                f"{escape(bar.note or _('Không có số liệu'))}</text>"
            )
            continue
        length = half * abs(bar.value) / scale_max
        start = zero - length if bar.value < 0 else zero
        css = "bar-down" if bar.value < 0 else "bar-up"
        if bar.is_demo:
            css += " bar-demo"
        text = _bar_text(bar)
        value_x, anchor = (plot_right, "end") if narrow else (plot_right + 6, "start")
        parts.append(
            f'<rect class="{css}" x="{_num(start)}" y="{_num(bar_y)}" width="{_num(max(length, 1))}" '
            f'height="{_num(bar_h)}"><title>{escape(bar.label)}: {escape(text)}</title></rect>'
            f'<text class="chart-value" x="{_num(value_x)}" y="{_num(label_y)}" text-anchor="{anchor}">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
