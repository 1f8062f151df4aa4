"""reports.DistrictFigure agrees with the direct definition, whatever path wrote the data."""

import datetime
import io

import pytest
from django.core.management import call_command

from districts.models import District
from mergers import services
from mergers.choices import SourceKind
from mergers.models import Agency, HeadcountRecord
from reports import summary
from reports.models import DistrictFigure
from reports.selectors import district_figures, district_figures_direct, headcount_series, headcount_series_direct
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def _figures(fn, day, measure="authorised"):
    annotations = {f"{name}_on": expression for name, expression in fn(day, measure).items()}
    return list(
        District.objects.order_by("code").annotate(**annotations).values_list("code", "headcount_on", "agencies_on")
    )


def _every_change_date():
    days = set(HeadcountRecord.objects.values_list("as_of", flat=True))
    days |= set(Agency.objects.exclude(dissolved_on=None).values_list("dissolved_on", flat=True))
    days |= set(Agency.objects.exclude(established_on=None).values_list("established_on", flat=True))
    around = {d + datetime.timedelta(days=k) for d in days for k in (-1, 0, 1)}
    return sorted(around | {D(2000, 1, 1), D(2030, 1, 1)})


def test_summary_equals_the_direct_definition_on_the_quang_ninh_data(quang_ninh):
    days = _every_change_date()
    assert len(days) > 40
    for day in days:
        for measure in ("authorised", "actual"):
            assert _figures(district_figures, day, measure) == _figures(district_figures_direct, day, measure), day


def test_series_steps_and_missing_data():
    district = DistrictFactory()
    quota, outside = AgencyTypeFactory(), AgencyTypeFactory(in_district_quota=False)
    a = AgencyFactory(district=district, agency_type=quota, established_on=D(2015, 1, 1), dissolved_on=D(2018, 1, 1))
    b = AgencyFactory(district=district, agency_type=quota)
    AgencyFactory(district=district, agency_type=outside)
    HeadcountFactory(agency=a, as_of=D(2015, 1, 1), authorised=5, actual=4)
    HeadcountFactory(agency=b, as_of=D(2016, 1, 1), authorised=7, actual=None)
    rows = list(DistrictFigure.objects.filter(district=district).order_by("valid_from").values_list(
        "valid_from", "authorised", "actual", "agencies"
    ))  # fmt: skip
    assert rows == [
        (summary.BEGINNING, None, None, 2),  # b and the union body: b has no record yet
        (D(2015, 1, 1), None, None, 3),  # a starts, b still without a record
        (D(2016, 1, 1), 12, None, 3),  # b recorded, but without an actual figure
        (D(2018, 1, 1), 7, None, 2),  # a dissolved
    ]


def test_services_and_deferral_rebuild_the_summary_once(django_assert_max_num_queries):
    district = DistrictFactory()
    quota = AgencyTypeFactory()
    agency = services.agency_create(district=district, agency_type=quota, name="Cơ quan A")
    with summary.deferred():
        for year in range(2015, 2020):
            services.headcount_record(agency=agency, as_of=D(year, 1, 1), authorised=year - 2000, source="x")
        assert list(DistrictFigure.objects.filter(district=district).values_list("authorised", flat=True)) == [None]
    assert list(
        DistrictFigure.objects.filter(district=district).order_by("valid_from").values_list("authorised", flat=True)
    ) == [None, 15, 16, 17, 18, 19]


def test_loaddata_builds_the_summary(quang_ninh):
    ha_long = DistrictFigure.objects.filter(district__code="193")
    assert ha_long.filter(valid_from__lte=D(2015, 11, 30)).order_by("-valid_from").first().authorised == 63
    assert ha_long.filter(valid_from__lte=D(2020, 6, 1)).order_by("-valid_from").first().authorised == 93


def test_refresh_figures_command_repairs_writes_that_bypassed_save(quang_ninh):
    HeadcountRecord.objects.filter(agency__district__code="193", as_of=D(2020, 1, 1)).update(authorised=0)
    stale = _figures(district_figures, D(2020, 6, 1))
    out = io.StringIO()
    call_command("refresh_figures", stdout=out)
    assert out.getvalue() == "Rebuilt the figures of 14 districts.\n"
    fresh = _figures(district_figures, D(2020, 6, 1))
    assert stale != fresh
    assert fresh == _figures(district_figures_direct, D(2020, 6, 1))
    # Hạ Long's three merged agencies all had a record on 2020-01-01, now zeroed: 93 before.
    assert {c: h for c, h, _ in stale}["193"] == 93
    assert {c: h for c, h, _ in fresh}["193"] == 0


def test_the_summary_is_read_with_a_fixed_number_of_queries(quang_ninh, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = _figures(district_figures, D(2018, 6, 1))
    # Hạ Long on 01/06/2018: the three merged agencies (MTTQ bloc 23, Tổ chức - Nội vụ 15,
    # Kiểm tra - Thanh tra 14); every source, the Labour Federation included, has ended.
    assert rows[0] == ("193", 23 + 15 + 14, 3)


def _every_day_series(fn, **where):
    days = _every_change_date()
    return {
        measure: [
            (p.on, p.headcount, p.is_demo)
            for p in fn(start=days[0], end=days[-1], measure=measure, dates=days, **where)
        ]
        for measure in ("authorised", "actual")
    }


def test_series_from_the_summary_equals_the_direct_definition(quang_ninh):
    """Province, country and every district, both measures, on every date around a change."""
    from districts.models import Province

    assert _every_day_series(headcount_series) == _every_day_series(headcount_series_direct)
    qn = Province.objects.get(code="22")
    assert _every_day_series(headcount_series, province=qn) == _every_day_series(headcount_series_direct, province=qn)
    for district in District.objects.all():
        assert _every_day_series(headcount_series, district=district) == _every_day_series(
            headcount_series_direct, district=district
        ), district.code


def test_a_district_without_in_quota_agencies_is_nothing_to_count_not_missing():
    """Only outside-quota agencies (the Labour Federation's kind): the province sum skips it."""
    counted, empty = DistrictFactory(), DistrictFactory()
    quota, outside = AgencyTypeFactory(), AgencyTypeFactory(in_district_quota=False)
    agency = AgencyFactory(district=counted, agency_type=quota, established_on=D(2015, 1, 1))
    HeadcountFactory(agency=agency, as_of=D(2015, 1, 1), authorised=9, source_kind=SourceKind.OFFICIAL)
    AgencyFactory(district=empty, agency_type=outside, established_on=D(2015, 1, 1))
    assert empty.province == counted.province
    for fn in (headcount_series, headcount_series_direct):
        points = fn(start=D(2015, 6, 1), end=D(2016, 1, 1), province=counted.province)
        assert [(p.on, p.headcount, p.is_demo) for p in points] == [
            (D(2015, 6, 1), 9, False),
            (D(2016, 1, 1), 9, False),
        ], fn.__name__
    rows = DistrictFigure.objects.filter(district=empty).values_list("authorised", "agencies", "quota_agencies")
    assert list(rows) == [(None, 0, 0), (None, 1, 0)]
