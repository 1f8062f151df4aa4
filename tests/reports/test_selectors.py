"""The report figures on the shipped Quảng Ninh data, with exact values."""

import datetime

import pytest

from districts.models import District
from figures.engine import change_dates, thin_dates
from figures.selectors import merger_with_figures
from mergers.models import Merger
from reports.selectors import (
    district_agencies,
    first_decision_date,
    headcount_series,
    programme_figures,
    programme_totals,
    progress_matrix,
    staffing_report,
)

D = datetime.date
EARLY_12 = ["194", "195", "196", "198", "199", "201", "202", "203", "204", "205", "206", "207"]
ALL_14 = ["193", *EARLY_12[:5], "200", *EARLY_12[5:]]

pytestmark = pytest.mark.usefixtures("quang_ninh")


def _all():
    return list(District.objects.order_by("code"))


def _programme(code, **kwargs):
    return next(p for p in programme_figures(province=None, **kwargs) if p.programme.code == code)


def test_first_decision_date_is_decision_44():
    assert first_decision_date() == D(2015, 11, 30)


def test_progress_on_27_september_2017():
    progress = {p.programme.code: p for p in programme_figures(province=None, as_of=D(2017, 9, 27))}
    mttq = progress["khoi-mttq"]
    assert (mttq.completed, mttq.total) == (12, 14)
    assert mttq.districts_completed == EARLY_12
    assert mttq.districts_pending == ["193", "200"]
    assert progress["to-chuc-noi-vu"].completed == 0
    assert progress["kiem-tra-thanh-tra"].completed == 0


def test_the_2018_programmes_completed_everywhere_removing_28_focal_points():
    headlines = {h.programme.code: h for h in programme_figures(province=None, as_of=D(2018, 12, 31))}
    for code in ("to-chuc-noi-vu", "kiem-tra-thanh-tra"):
        assert (headlines[code].completed, headlines[code].total) == (14, 14)
        assert headlines[code].districts_pending == []
        assert headlines[code].focal_points_removed == 14
    assert headlines["to-chuc-noi-vu"].focal_points_removed + headlines["kiem-tra-thanh-tra"].focal_points_removed == 28
    assert headlines["to-chuc-noi-vu"].reduction == 33
    assert headlines["to-chuc-noi-vu"].reduction_pct == 16.42
    assert headlines["kiem-tra-thanh-tra"].reduction == 21
    assert headlines["kiem-tra-thanh-tra"].reduction_pct == 12.14


def test_mttq_bloc_reduction_in_the_12_early_districts_is_12_54_percent():
    figures = _programme("khoi-mttq", as_of=D(2017, 9, 27))
    assert figures.mergers == 12
    assert (figures.headcount_before, figures.headcount_after) == (279, 244)
    assert figures.reduction == 35
    assert figures.reduction_pct == 12.54
    assert figures.mergers_without_data == 0
    # Six sources (the Labour Federation included) into one agency, in 12 districts.
    assert figures.focal_points_removed == 60


def test_reduction_on_actual_headcount_is_missing_and_counted_as_such():
    figures = _programme("khoi-mttq", as_of=D(2017, 9, 27), measure="actual")
    assert (figures.mergers, figures.mergers_without_data) == (12, 12)
    assert (figures.headcount_before, figures.reduction, figures.reduction_pct) == (None, None, None)


def test_province_totals_over_the_programmes_divide_sums():
    total = programme_totals(programme_figures(province=None, as_of=D(2018, 12, 31)))
    assert total.headcount_before == 326 + 201 + 173
    assert total.headcount_after == 286 + 168 + 152
    assert total.reduction == 94
    assert total.reduction_pct == 13.43
    assert total.focal_points_removed == 70 + 14 + 14
    assert total.demo is True


def test_ha_long_organisation_home_affairs_20_to_15():
    merger = Merger.objects.get(programme__code="to-chuc-noi-vu", district__code="193")
    figures = merger_with_figures(merger.pk)
    assert (figures.headcount_before, figures.headcount_after, figures.reduction) == (20, 15, 5)
    assert figures.reduction_pct == 25.0


def test_staffing_report_2015_to_2020():
    report = staffing_report(province=None, baseline=D(2015, 11, 30), as_of=D(2020, 6, 1))
    total = report.total
    assert (total.headcount_baseline, total.headcount_current, total.change, total.change_pct) == (
        700,
        606,
        -94,
        -13.43,
    )
    assert (total.agencies_baseline, total.agencies_current, total.agencies_change) == (140, 39, -101)
    assert (total.demo, total.missing_baseline, total.missing_current) == (True, (), ())
    assert [r.district for r in report.rows] == ALL_14
    hoanh_bo = next(r for r in report.rows if r.district == "204")
    assert (hoanh_bo.headcount_baseline, hoanh_bo.headcount_current, hoanh_bo.successor) == (47, None, "193")
    ha_long = report.rows[0]
    assert (ha_long.headcount_baseline, ha_long.headcount_current, ha_long.change_pct) == (63, 93, 47.62)


def test_like_for_like_folds_hoanh_bo_into_ha_long():
    report = staffing_report(province=None, baseline=D(2015, 11, 30), as_of=D(2020, 6, 1), like_for_like=True)
    assert "204" not in [r.district for r in report.rows]
    ha_long = report.rows[0]
    assert ha_long.folded == ["204"]
    assert ha_long.headcount_baseline == 110 == 63 + 47
    assert (ha_long.headcount_current, ha_long.change, ha_long.change_pct) == (93, -17, -15.45)
    assert (ha_long.agencies_baseline, ha_long.agencies_current) == (20, 3)
    assert report.total.headcount_baseline == 700
    assert report.total.change_pct == -13.43


def test_actual_headcount_is_missing_not_zero():
    report = staffing_report(province=None, baseline=D(2015, 11, 30), as_of=D(2020, 6, 1), measure="actual")
    assert report.rows[0].headcount_baseline is None
    assert report.total.headcount_baseline is None
    assert report.total.change_pct is None
    # Every counted agency lacks an actual figure, and each is named.
    assert len(report.total.missing_baseline) == 14 * 9
    assert {a.district for a in report.total.missing_baseline} == set(ALL_14)


def test_matrix_on_27_september_2017():
    matrix = progress_matrix(province=None, as_of=D(2017, 9, 27), start=D(2015, 11, 30))
    assert [p.code for p in matrix.programmes] == ["khoi-mttq", "kiem-tra-thanh-tra", "to-chuc-noi-vu"]
    assert [r.district.code for r in matrix.rows] == ALL_14
    ha_long, mong_cai = matrix.rows[0], matrix.rows[1]
    mttq = ha_long.cells[0]
    assert (mttq.stage, mttq.stage_on, mttq.decision_number) == ("planned", D(2015, 11, 30), "44-QĐ/TU")
    assert mttq.merger_id == Merger.objects.get(programme__code="khoi-mttq", district__code="193").pk
    assert mttq.is_demo is True
    assert (mong_cai.cells[0].stage, mong_cai.cells[0].stage_on) == ("completed", D(2016, 3, 1))
    assert mong_cai.cells[0].effective_on == D(2016, 3, 1)
    # The 2018 decisions were not taken yet: the stage is title unification, no decision number.
    inspection = ha_long.cells[1]
    assert (inspection.stage, inspection.stage_on, inspection.decision_number) == (
        "titles_unified",
        D(2016, 1, 4),
        "",
    )
    assert ha_long.cells[2].stage == "titles_unified"
    assert ha_long.cells[2].stage_on == D(2015, 6, 1)
    stages = [r.cells[0].stage for r in matrix.rows]
    assert stages.count("completed") == 12


def test_matrix_in_2020_keeps_hoanh_bo_labelled_with_its_successor():
    matrix = progress_matrix(province=None, as_of=D(2020, 6, 1), start=D(2015, 11, 30))
    hoanh_bo = next(r for r in matrix.rows if r.district.code == "204")
    assert hoanh_bo.active is False
    assert hoanh_bo.district.successor.code == "193"
    assert [c.stage for c in hoanh_bo.cells] == ["completed"] * 3
    assert [c.decision_number for c in hoanh_bo.cells] == [
        "44-QĐ/TU",
        "DEMO-204-KTTT",
        "DEMO-204-TCNV",
    ]
    # Only districts of the period: before 2020 Hoành Bồ was there, after it no longer is.
    later = progress_matrix(province=None, as_of=D(2021, 1, 1), start=D(2020, 6, 1))
    assert [r.district.code for r in later.rows] == [c for c in ALL_14 if c != "204"]


def test_province_headcount_series():
    series = headcount_series(start=D(2015, 11, 30), end=D(2020, 6, 1), districts=_all())
    assert series[0].on == D(2015, 11, 30) and series[0].headcount == 700
    assert series[-1].on == D(2020, 6, 1) and series[-1].headcount == 606
    by_day = {p.on: p.headcount for p in series}
    # Cẩm Phả's bloc agency on 2016-01-01: 27 -> 24.
    assert by_day[D(2016, 1, 1)] == 697
    # Hoành Bồ's staff move to Hạ Long: the province total does not change.
    assert by_day[D(2020, 1, 1)] == 606
    assert by_day[D(2018, 6, 1)] == 606
    assert all(p.is_demo for p in series)
    assert [p.on for p in series] == change_dates(D(2015, 11, 30), D(2020, 6, 1), districts=_all())
    assert len(series) == 25


def test_district_series_for_ha_long():
    ha_long = District.objects.get(code="193")
    series = headcount_series(start=D(2015, 11, 30), end=D(2020, 6, 1), districts=[ha_long])
    assert [(p.on, p.headcount) for p in series] == [
        (D(2015, 11, 30), 63),
        (D(2018, 1, 2), 55),
        (D(2018, 6, 1), 52),
        (D(2020, 1, 1), 93),
        (D(2020, 6, 1), 93),
    ]


def test_actual_series_is_missing():
    series = headcount_series(start=D(2015, 11, 30), end=D(2016, 1, 1), measure="actual", districts=_all())
    assert [p.headcount for p in series] == [None, None]


def test_demo_flags():
    rows = {r.district: r for r in staffing_report(province=None, baseline=D(2015, 11, 30), as_of=D(2020, 6, 1)).rows}
    assert (rows["193"].baseline.demo, rows["193"].current.demo) == (True, True)
    # Hoành Bồ has no agencies on 2020-06-01: nothing, demo or not, is counted then.
    assert (rows["204"].baseline.demo, rows["204"].current.demo, rows["204"].current.active) == (True, False, False)
    assert {p.programme.code: p.demo for p in programme_figures(as_of=D(2018, 12, 31))} == {
        "khoi-mttq": True,
        "to-chuc-noi-vu": True,
        "kiem-tra-thanh-tra": True,
    }


def test_district_agencies_over_time():
    ha_long = District.objects.get(code="193")
    agencies = list(district_agencies(ha_long, on=D(2018, 12, 31)))
    assert len(agencies) == 13
    active = [a for a in agencies if a.is_active_on(D(2018, 12, 31))]
    assert sorted((a.agency_type.code, a.headcount_on) for a in active) == [
        ("khoi-mttq", 23),
        ("kiem-tra-thanh-tra", 14),
        ("to-chuc-noi-vu", 15),
    ]
    tcnv = next(a for a in active if a.agency_type.code == "to-chuc-noi-vu")
    assert tcnv.headcount_kind == "published"


def test_thin_dates_keeps_first_and_last_and_the_limit():
    days = [D(2015, 1, 1) + datetime.timedelta(days=i) for i in range(500)]
    thinned = thin_dates(days, 120)
    assert len(thinned) == 120
    assert (thinned[0], thinned[-1]) == (days[0], days[-1])
    assert thinned == sorted(thinned)
    assert thin_dates(days[:10], 120) == days[:10]


def test_a_provinces_matrix_compiled_once_is_the_matrix_of_its_districts():
    """`progress_matrix` for a province reads its mergers by a query compiled once
    (core.api.compiled.compiled_rows); by its districts' ids, the same cells, before, during and
    after the mergers and once a merger was cancelled or a district ended."""
    from districts.models import Province

    province = Province.objects.get(code="22")
    for as_of in (D(2015, 1, 1), D(2017, 9, 27), D(2018, 3, 1), D(2020, 6, 1), D(2025, 8, 1)):
        matrix = progress_matrix(province=province, as_of=as_of, start=D(2015, 11, 30))
        districts = [row.district for row in matrix.rows]
        reference = progress_matrix(province=None, as_of=as_of, start=D(2015, 11, 30), districts=districts)
        assert matrix.rows == reference.rows
    assert len(matrix.rows) == 14
    assert sum(1 for row in matrix.rows for cell in row.cells if cell.stage == "completed") == 42


@pytest.mark.parametrize(
    ("baseline", "as_of", "measure", "like_for_like"),
    [
        (D(2015, 11, 30), D(2020, 6, 1), "authorised", True),
        (D(2015, 11, 30), D(2020, 6, 1), "authorised", False),
        (D(2015, 11, 30), D(2020, 6, 1), "actual", True),  # every figure missing, each agency named
        (D(2014, 1, 1), D(2018, 1, 2), "authorised", False),
        (D(2019, 12, 31), D(2019, 12, 31), "authorised", True),
    ],
)
def test_the_dashboards_report_with_its_series_is_the_report_and_the_series(baseline, as_of, measure, like_for_like):
    """`with_series` reads the table's two dates with the series' (by records' spans, one query):
    the same rows, totals and missing agencies as the report alone, and `headcount_series`."""
    period = {"baseline": baseline, "as_of": as_of, "measure": measure, "like_for_like": like_for_like}
    for province in (None, District.objects.get(code="193").province):
        alone = staffing_report(province=province, **period)
        both = staffing_report(province=province, **period, with_series=True)
        assert alone.series is None
        assert both.rows == alone.rows
        assert both.total == alone.total
        assert both.districts == alone.districts
        assert both.series == headcount_series(start=baseline, end=as_of, measure=measure, districts=alone.districts)
    if measure == "actual":
        assert len(both.total.missing_baseline) == len(alone.total.missing_baseline) == 14 * 9


def test_district_days_names_missing_agencies_only_on_the_days_asked():
    from figures.engine import district_days

    days = [D(2015, 11, 30), D(2016, 1, 1), D(2020, 6, 1)]
    every = district_days(days, districts=_all(), measure="actual")
    some = district_days(days, districts=_all(), measure="actual", missing_on=[D(2016, 1, 1)])
    assert some.keys() == every.keys()
    for (pk, day), figure in every.items():
        assert some[(pk, day)].headcount == figure.headcount
        assert some[(pk, day)].missing == (figure.missing if day == D(2016, 1, 1) else ())
    assert sum(len(f.missing) for (_pk, day), f in every.items() if day == D(2016, 1, 1)) == 121
    assert sum(len(f.missing) for (_pk, day), f in some.items() if day != D(2016, 1, 1)) == 0
    assert sum(len(f.missing) for (_pk, day), f in every.items() if day != D(2016, 1, 1)) > 0
