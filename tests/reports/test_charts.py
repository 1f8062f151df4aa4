"""The server-rendered SVG charts: geometry, labels, missing data, no inline styles."""

import datetime
import re

from django.utils import translation

from figures.engine import SeriesPoint
from reports.charts import Bar, change_bar_chart, headcount_line_chart

D = datetime.date


def test_line_chart_steps_and_breaks_on_missing_data():
    points = [
        SeriesPoint(D(2016, 1, 1), 100, False),
        SeriesPoint(D(2017, 1, 1), 90, True),
        SeriesPoint(D(2018, 1, 1), None, False),
        SeriesPoint(D(2019, 1, 1), 80, False),
    ]
    with translation.override("vi"):
        svg = str(headcount_line_chart(points, chart_id="c", title="Biên chế <toàn tỉnh>"))
    assert svg.startswith('<svg class="chart chart-line" id="c" viewBox="0 0 760 280" role="img"')
    assert '<title id="c-title">Biên chế &lt;toàn tỉnh&gt;</title>' in svg
    # Two separate runs: the missing point starts a new "M" segment.
    path = re.search(r'<path class="chart-series" d="([^"]+)"', svg).group(1)
    assert path.count("M") == 2
    assert path.count("H") == 1
    assert svg.count('<circle class="chart-point"') == 2
    assert svg.count('<circle class="chart-point chart-point-demo"') == 1
    assert "<title>01/01/2017: 90 (demo)</title>" in svg
    assert "style=" not in svg and "<script" not in svg


def test_line_chart_without_data_says_so():
    with translation.override("vi"):
        svg = str(headcount_line_chart([SeriesPoint(D(2016, 1, 1), None, False)], chart_id="c", title="t"))
    assert '<text class="chart-empty"' in svg
    assert ">Không có số liệu</text>" in svg


def test_bar_chart_falls_left_rises_right_and_labels_missing():
    bars = [Bar("193 Hạ Long", 30, 47.62, True), Bar("194 Móng Cái", -8, -14.04), Bar("204 Hoành Bồ", None, note="")]
    with translation.override("vi"):
        svg = str(change_bar_chart(bars, chart_id="b", title="Thay đổi"))
    rects = re.findall(r'<rect class="([^"]+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    assert [r[0] for r in rects] == ["bar-up bar-demo", "bar-down"]
    zero = (210 + 610) / 2
    assert float(rects[0][1]) == zero and float(rects[0][2]) == 200
    assert float(rects[1][1]) + float(rects[1][2]) == zero
    assert ">+30 (+47,62%) demo</text>" in svg
    assert ">-8 (-14,04%)</text>" in svg
    assert ">Không có số liệu</text>" in svg
    assert "style=" not in svg
