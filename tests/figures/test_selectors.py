"""Effective-dated reads on boundary dates; merger figures computed in the database."""

import datetime

import pytest

from core.actors import SYSTEM
from figures import selectors
from mergers import services
from mergers.choices import MergerStatus
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory, ProgrammeFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def test_agency_headcount_on_takes_the_latest_record_on_or_before_the_date():
    agency = AgencyFactory()
    HeadcountFactory(agency=agency, as_of=D(2015, 1, 1), authorised=10)
    HeadcountFactory(agency=agency, as_of=D(2016, 1, 1), authorised=8)
    assert selectors.agency_headcount_on(agency, D(2014, 12, 31)) is None
    assert selectors.agency_headcount_on(agency, D(2015, 1, 1)).authorised == 10
    assert selectors.agency_headcount_on(agency, D(2015, 12, 31)).authorised == 10
    assert selectors.agency_headcount_on(agency, D(2016, 1, 1)).authorised == 8


def test_agencies_active_on_boundaries():
    district = DistrictFactory()
    AgencyFactory(district=district, name="A", established_on=D(2016, 1, 1), dissolved_on=D(2018, 1, 1))
    AgencyFactory(district=district, name="B", established_on=D(2000, 1, 1))
    names = lambda day: sorted(selectors.agencies_active_on(day, district=district).values_list("name", flat=True))  # noqa: E731
    assert names(D(2015, 12, 31)) == ["B"]
    assert names(D(2016, 1, 1)) == ["A", "B"]
    assert names(D(2017, 12, 31)) == ["A", "B"]
    assert names(D(2018, 1, 1)) == ["B"]


def test_agencies_with_headcount_on_shows_missing_as_none():
    district = DistrictFactory()
    with_data = AgencyFactory(district=district, name="A")
    AgencyFactory(district=district, name="B")
    HeadcountFactory(agency=with_data, as_of=D(2015, 1, 1), authorised=7, actual=6)
    rows = selectors.agencies_with_headcount_on(D(2015, 6, 1), district=district).order_by("name")
    assert [(a.name, a.authorised_on, a.actual_on) for a in rows] == [("A", 7, 6), ("B", None, None)]


@pytest.fixture
def completed_merger():
    ban, phong, ltd = AgencyTypeFactory(), AgencyTypeFactory(), AgencyTypeFactory(in_district_quota=False)
    result_type = AgencyTypeFactory()
    programme = ProgrammeFactory(result_type=result_type, source_types=[ban, phong, ltd])
    district = DistrictFactory()
    a = AgencyFactory(district=district, agency_type=ban)
    b = AgencyFactory(district=district, agency_type=phong)
    outside_quota = AgencyFactory(district=district, agency_type=ltd)
    HeadcountFactory(agency=a, as_of=D(2015, 1, 1), authorised=9)
    HeadcountFactory(agency=b, as_of=D(2015, 1, 1), authorised=11)
    # A record on the effective date itself is after the merger: not part of "before".
    HeadcountFactory(agency=b, as_of=D(2018, 1, 2), authorised=50)
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=[a, b, outside_quota],
        decision_number="1",
        decided_on=D(2017, 12, 1),
    )
    Agency = type(a)
    Agency.objects.filter(pk=b.pk).update(dissolved_on=None)
    return services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2), headcount_after=15), a


def test_merger_figures(completed_merger):
    merger, _ = completed_merger
    m = selectors.merger_with_figures(merger.pk)
    assert (m.headcount_before, m.headcount_after, m.reduction) == (20, 15, 5)
    assert m.reduction_pct == 25.0


def test_merger_figures_are_missing_when_a_source_has_no_record(completed_merger):
    merger, a = completed_merger
    a.headcounts.all().delete()
    m = selectors.merger_with_figures(merger.pk)
    assert (m.headcount_before, m.headcount_after, m.reduction, m.reduction_pct) == (None, 15, None, None)


def test_planned_merger_before_is_the_sources_latest_headcount():
    programme = ProgrammeFactory()
    district = DistrictFactory()
    a, b = AgencyFactory(district=district), AgencyFactory(district=district)
    HeadcountFactory(agency=a, authorised=4)
    HeadcountFactory(agency=b, authorised=5)
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=[a, b],
        decision_number="1",
        decided_on=D(2017, 1, 1),
    )
    m = selectors.merger_with_figures(merger.pk)
    assert (m.status, m.headcount_before, m.headcount_after, m.reduction) == (MergerStatus.PLANNED, 9, None, None)


def test_merger_list_costs_the_same_queries_for_few_and_many(django_assert_num_queries):
    programme = ProgrammeFactory()
    for _ in range(3):
        district = DistrictFactory()
        a, b = AgencyFactory(district=district), AgencyFactory(district=district)
        services.merger_create(
            user=SYSTEM,
            programme=programme,
            district=district,
            source_agencies=[a, b],
            decision_number="1",
            decided_on=D(2017, 1, 1),
        )
    # mergers, sources, stages: three queries whatever the number of mergers
    with django_assert_num_queries(3):
        rows = [
            (m.headcount_before, list(m.source_agencies.all()), list(m.stages.all())) for m in selectors.merger_list()
        ]
    assert len(rows) == 3


def test_merger_list_as_lists_gives_the_same_sources_and_stages(django_assert_num_queries):
    programme = ProgrammeFactory()
    district = DistrictFactory()
    a, b = AgencyFactory(district=district), AgencyFactory(district=district)
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=[b, a],
        decision_number="1",
        decided_on=D(2017, 1, 1),
    )
    services.merger_advance(user=SYSTEM, merger=merger, status=MergerStatus.APPROVED, on=D(2017, 2, 1))
    with django_assert_num_queries(3):
        m = selectors.merger_list(as_lists=True).get(pk=merger.pk)
        assert [(s.pk, str(s)) for s in m.source_list] == [(a.pk, str(a)), (b.pk, str(b))]
        assert [s.status for s in m.stage_list] == ["planned", "approved"]


def test_merger_list_as_lists_reads_its_lists_per_chunk(quang_ninh, django_assert_num_queries):
    """`iterator(chunk_size=...)` (the CSV) sets the same lists, two queries a chunk."""
    whole = list(selectors.merger_list(as_lists=True))
    assert len(whole) == 42
    with django_assert_num_queries(1 + 2 * 6):  # the mergers, then sources and stages of 6 chunks of 8
        chunked = list(selectors.merger_list(as_lists=True).iterator(chunk_size=8))
    assert [m.pk for m in chunked] == [m.pk for m in whole]
    assert [m.source_list for m in chunked] == [m.source_list for m in whole]
    assert [[(s.status, s.on, s.decision_id) for s in m.stage_list] for m in chunked] == [
        [(s.status, s.on, s.decision_id) for s in m.stage_list] for m in whole
    ]
    assert sum(len(m.source_list) for m in whole) > 84 and sum(len(m.stage_list) for m in whole) >= 84
