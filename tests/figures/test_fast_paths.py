"""The engine's faster paths (issue 17) against the definitions they stand for, on varied data
(STYLE.md: a faster second copy is checked against the first).

- `district_days` sums `agency_day_rows` in one grouped statement compiled once for all days:
  its figures equal `complete_sum`, the quota and the demo rule applied to those rows one by one.
- A series reads the same parts by records' spans (`_district_parts_by_spans`): the same rows.
- `compiled_rows` runs a query compiled once with each call's values: the queryset's own rows.
- `merger_derived` computes in Python what SQL computed from `merger_figures`' columns:
  `merger_order_aliases`, the SQL that sorts lists, gives the same reduction and percentage.
- `KeysFirstPaginator` pages the keys first: the same rows in the same order as slicing.
"""

import datetime

import pytest
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.api.compiled import _SHAPES, compiled_objects, compiled_rows
from core.api.pagination import KeysFirstPaginator
from districts.models import District, Province
from figures.engine import (
    _as_date,
    _district_parts,
    _district_parts_by_spans,
    agency_day_rows,
    complete_sum,
    completed_merger_rows,
    district_days,
    is_official,
    merger_derived,
    pct,
)
from figures.selectors import merger_list
from mergers.choices import SourceKind
from mergers.models import HeadcountRecord, Merger
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory

D = datetime.date
DAYS = [D(2015, 1, 1), D(2016, 6, 30), D(2018, 1, 1), D(2020, 12, 31)]

agency_specs = st.lists(
    st.tuples(
        st.integers(0, 2),  # district
        st.booleans(),  # type in the district quota
        st.sampled_from([D(2000, 1, 1), D(2016, 1, 1), D(2018, 1, 1)]),  # established
        st.sampled_from([None, D(2016, 6, 30), D(2019, 1, 1)]),  # dissolved
        st.lists(  # records: (date, authorised, actual, kind)
            st.tuples(
                st.sampled_from([D(2014, 1, 1), D(2016, 1, 1), D(2016, 6, 30), D(2019, 6, 1)]),
                st.integers(0, 40),
                st.one_of(st.none(), st.integers(0, 40)),
                st.sampled_from(SourceKind.values),
            ),
            max_size=3,
            unique_by=lambda r: r[0],
        ),
    ),
    max_size=7,
)


# Days before, on, between and after the records' and agencies' dates.
SPAN_DAYS = [*DAYS, D(2013, 6, 1), D(2016, 1, 1), D(2016, 6, 29), D(2019, 6, 1), D(2019, 6, 2)]


def _make(specs) -> list[int]:
    """Three districts with the agencies and records `specs` describe; their ids."""
    districts = [DistrictFactory() for _ in range(3)]
    types = {True: AgencyTypeFactory(in_district_quota=True), False: AgencyTypeFactory(in_district_quota=False)}
    for district, quota, established, dissolved, records in specs:
        if dissolved is not None and dissolved <= established:
            dissolved = None
        agency = AgencyFactory(
            district=districts[district],
            agency_type=types[quota],
            established_on=established,
            dissolved_on=dissolved,
        )
        for as_of, authorised, actual, kind in records:
            HeadcountFactory(agency=agency, as_of=as_of, authorised=authorised, actual=actual, source_kind=kind)
    return [d.pk for d in districts]


def _by_rule(day, measure, ids) -> dict:
    """The reference: each agency's row read on its own, summed in Python by the rules."""
    parts: dict = {}
    for district_id, _on, counted, value, demo in agency_day_rows(day, measure, ids):
        agencies, c, known, total, any_demo = parts.get(district_id, (0, 0, 0, 0, False))
        parts[district_id] = (
            agencies + 1,
            c + bool(counted),
            known + bool(counted and value is not None),
            total + (value or 0 if counted else 0),
            any_demo or bool(counted and demo),
        )
    return parts


@pytest.mark.django_db
@settings(max_examples=30, deadline=None)
@given(specs=agency_specs, measure=st.sampled_from(["authorised", "actual"]))
def test_district_days_sum_the_agency_rows_by_the_rules(specs, measure):
    with transaction.atomic():
        ids = _make(specs)
        districts = list(District.objects.filter(pk__in=ids).order_by("pk"))
        figures = district_days(DAYS, districts=districts, measure=measure)
        for day in DAYS:
            reference = _by_rule(day, measure, ids)
            for district in districts:
                figure = figures[(district.pk, day)]
                agencies, counted, known, total, demo = reference.get(district.pk, (0, 0, 0, None, False))
                headcount = complete_sum(total, counted, known)
                assert (figure.agencies, figure.counted, figure.headcount) == (agencies, counted, headcount)
                assert figure.demo == (demo and headcount is not None)
                # The agencies named as missing: the counted ones whose row has no figure.
                named = {a.id for a in figure.missing}
                assert len(named) == counted - known
        transaction.set_rollback(True)


def _parts(rows) -> list[tuple]:
    return sorted(
        (district_id, _as_date(on), *(int(v) if v is not None else None for v in rest))
        for district_id, on, *rest in rows
    )


@pytest.mark.django_db
@settings(max_examples=30, deadline=None)
@given(
    specs=agency_specs,
    measure=st.sampled_from(["authorised", "actual"]),
    days=st.sets(st.sampled_from(SPAN_DAYS), min_size=1),
)
# A demo record without the measure: no figure, so nothing demo (found by the CI profile).
@example(
    specs=[(0, True, D(2000, 1, 1), None, [(D(2014, 1, 1), 0, None, "demo")])], measure="actual", days={D(2015, 1, 1)}
)
def test_parts_by_spans_are_the_parts_by_lookups(specs, measure, days):
    """The series' reading of a district's parts on each day equals the one by lookups, row for row:
    days before, on and between the records, an agency's last record, none at all."""
    with transaction.atomic():
        ids = _make(specs)
        days = sorted(days)
        expected = _parts(_district_parts(days, measure, ids))
        assert _parts(_district_parts_by_spans(days, measure, ids)) == expected
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_parts_by_spans_on_a_hand_made_case():
    """Exact rows: a record superseded, a demo record, a type outside the quota, a missing figure."""
    quota, outside = AgencyTypeFactory(in_district_quota=True), AgencyTypeFactory(in_district_quota=False)
    district = DistrictFactory()
    a = AgencyFactory(district=district, agency_type=quota, established_on=D(2000, 1, 1), dissolved_on=None)
    b = AgencyFactory(district=district, agency_type=quota, established_on=D(2016, 1, 1), dissolved_on=D(2019, 1, 1))
    c = AgencyFactory(district=district, agency_type=outside, established_on=D(2000, 1, 1), dissolved_on=None)
    HeadcountFactory(agency=a, as_of=D(2015, 1, 1), authorised=10, actual=None, source_kind=SourceKind.OFFICIAL)
    HeadcountFactory(agency=a, as_of=D(2017, 1, 1), authorised=8, actual=7, source_kind=SourceKind.DEMO)
    HeadcountFactory(agency=b, as_of=D(2016, 1, 1), authorised=5, actual=5, source_kind=SourceKind.PUBLISHED)
    HeadcountFactory(agency=c, as_of=D(2015, 1, 1), authorised=30, actual=30, source_kind=SourceKind.DEMO)
    days = [D(2014, 1, 1), D(2016, 6, 30), D(2017, 1, 1), D(2020, 1, 1)]
    rows = _parts(_district_parts_by_spans(days, "authorised", [district.pk]))
    # (district, day, agencies, counted, known, total, demo)
    assert rows == [
        (district.pk, D(2014, 1, 1), 2, 1, 0, None, 0),
        (district.pk, D(2016, 6, 30), 3, 2, 2, 15, 0),
        (district.pk, D(2017, 1, 1), 3, 2, 2, 13, 1),
        (district.pk, D(2020, 1, 1), 2, 1, 1, 8, 1),
    ]
    assert _parts(_district_parts(days, "authorised", [district.pk])) == rows
    assert _parts(_district_parts_by_spans(days, "actual", [district.pk]))[1] == (
        district.pk,
        D(2016, 6, 30),
        3,
        2,
        1,
        5,
        0,
    )
    assert _district_parts_by_spans([], "authorised", [district.pk]) == []


@pytest.mark.django_db
def test_agency_rows_read_the_record_in_force_and_its_kind():
    """The reference rows themselves, on a hand-made case: the latest record on or before the day."""
    quota = AgencyTypeFactory(in_district_quota=True)
    agency = AgencyFactory(agency_type=quota)
    HeadcountFactory(agency=agency, as_of=D(2015, 1, 1), authorised=10, actual=None, source_kind=SourceKind.OFFICIAL)
    HeadcountFactory(agency=agency, as_of=D(2017, 1, 1), authorised=8, actual=7, source_kind=SourceKind.DEMO)
    ids = [agency.district_id]
    assert [r[2:] for r in agency_day_rows(D(2016, 1, 1), "authorised", ids)] == [(True, 10, False)]
    assert [r[2:] for r in agency_day_rows(D(2016, 1, 1), "actual", ids)] == [(True, None, False)]
    assert [r[2:] for r in agency_day_rows(D(2017, 1, 1), "actual", ids)] == [(True, 7, True)]
    assert list(agency_day_rows(D(1999, 1, 1), "authorised", ids)) == []  # not yet established


@pytest.mark.parametrize(
    ("before", "after", "kind", "before_demo", "after_kind", "expected"),
    [
        (20, 15, SourceKind.OFFICIAL, False, SourceKind.OFFICIAL, (5, 25.0, False)),
        (279, 244, SourceKind.PUBLISHED, False, SourceKind.OFFICIAL, (35, 12.54, False)),
        (None, 15, SourceKind.OFFICIAL, True, SourceKind.OFFICIAL, (None, None, False)),  # demo sources not summed
        (20, None, SourceKind.OFFICIAL, False, None, (None, None, False)),
        (20, 15, SourceKind.OFFICIAL, True, SourceKind.OFFICIAL, (5, 25.0, True)),
        (20, 15, SourceKind.OFFICIAL, False, SourceKind.SYNTHETIC, (5, 25.0, True)),
        (0, 3, SourceKind.OFFICIAL, False, SourceKind.OFFICIAL, (-3, None, False)),
        (None, None, SourceKind.DEMO, False, None, (None, None, True)),
    ],
)
def test_merger_derived(before, after, kind, before_demo, after_kind, expected):
    derived = merger_derived(
        headcount_before=before, headcount_after=after, source_kind=kind, before_demo=before_demo, after_kind=after_kind
    )
    assert (derived.reduction, derived.reduction_pct, derived.figures_demo) == expected
    assert derived.figures_demo == (
        not is_official(kind)
        or (before is not None and before_demo)
        or (after is not None and after_kind is not None and not is_official(after_kind))
    )


@pytest.mark.parametrize("measure", ["authorised", "actual"])
def test_merger_figures_in_python_equal_the_sorting_sql(quang_ninh, measure):
    """Each merger's reduction and percentage as shown equal the SQL the lists sort by, and a
    list sorted by either in SQL is in the order of the values shown."""
    mergers = list(merger_list(measure=measure).annotate(_sql=F("reduction"), _sql_pct=F("reduction_pct")))
    assert len(mergers) == Merger.objects.count() > 40
    if measure == "authorised":  # the fixture has no actual figures
        assert sum(m.reduction is not None for m in mergers) > 20
    for merger in mergers:
        assert merger.reduction == merger._sql
        assert merger.reduction_pct == (None if merger._sql_pct is None else round(merger._sql_pct, 2))
        assert merger.reduction_pct == pct(merger.reduction, merger.headcount_before)
    for name in ("reduction", "reduction_pct"):
        shown = [
            getattr(m, name) for m in merger_list(measure=measure).order_by(name, "pk") if getattr(m, name) is not None
        ]
        assert shown == sorted(shown)


@pytest.mark.parametrize("ordering", [None, "-reduction", "effective_on", "-headcount_before"])
def test_keys_first_pages_are_the_pages_of_the_list(quang_ninh, ordering):
    mergers = merger_list(as_lists=True)
    if ordering:
        mergers = mergers.order_by(ordering, "pk")
    plain, keys_first = Paginator(mergers, 7), KeysFirstPaginator(mergers, 7, orphans=2)
    assert keys_first.count == plain.count > 40
    seen = []
    for number in keys_first.page_range:
        page = list(keys_first.page(number))
        seen.extend(m.pk for m in page)
        assert [m.reduction for m in page] == [
            m.reduction for m in mergers[(number - 1) * 7 : (number - 1) * 7 + len(page)]
        ]
    assert seen == [m.pk for m in mergers]


@pytest.mark.parametrize("day", [D(2020, 1, 1), D(2025, 6, 30), D(2025, 7, 1), D(2026, 12, 6)])
def test_the_tiers_figures_day_is_the_default_as_of(quang_ninh, day):
    """The district page reads the tier once and takes its default date from it (issue 17)."""
    from districts.models import Province
    from figures.engine import district_tier, tier_default_as_of

    province = Province.objects.get(code="22")
    assert district_tier(province, day).figures_on == tier_default_as_of(province, day)
    assert tier_default_as_of(province, day) == (day if day < D(2025, 7, 1) else D(2025, 6, 30))


@pytest.mark.django_db
@pytest.mark.parametrize("measure", ["authorised", "actual"])
def test_completed_merger_rows_equal_the_merger_figures(quang_ninh, measure):
    """`completed_merger_rows` (the progress report's: each record read once, summed in Python)
    against the lists' SQL (`merger_figures` and `merger_derived`) and the oracle's published
    rule, on the seed with a source's record made published, one made demo and one removed."""
    from tests.oracle import World

    completed = Merger.objects.filter(status="completed").order_by("district__code", "pk")
    counted = [
        m
        for m in completed
        if m.source_agencies.filter(agency_type__in_district_quota=True, headcounts__isnull=False).distinct().count()
        >= 2
    ]
    assert len(counted) >= 3
    records = [
        HeadcountRecord.objects.filter(agency__in=m.source_agencies.filter(agency_type__in_district_quota=True))
        .filter(as_of__lt=m.effective_on)
        .latest("as_of")
        for m in counted[:3]
    ]
    HeadcountRecord.objects.filter(pk=records[0].pk).update(source_kind=SourceKind.PUBLISHED)
    HeadcountRecord.objects.filter(pk=records[1].pk).update(source_kind=SourceKind.DEMO)
    HeadcountRecord.objects.filter(pk=records[2].pk).delete()

    rows = completed_merger_rows(as_of=D(2100, 1, 1), province=None, measure=measure)
    assert len(rows) == completed.count() > 40
    assert [row[2] for row in rows] == sorted(row[2] for row in rows)  # by district code
    by_list = {m.pk: m for m in merger_list(measure=measure)}
    world = World()
    seen = {"demo": 0, "published": 0, "before missing": 0}
    for pk, programme_id, code, kind, before, after, sources, demo, published, effective_on in rows:
        merger, expected = by_list[pk], world.merger(pk, measure)
        assert (programme_id, code, kind, effective_on) == (
            merger.programme_id, merger.district.code, merger.source_kind, merger.effective_on
        )  # fmt: skip
        assert (before, after, sources, demo) == (
            merger.headcount_before, merger.headcount_after, merger.sources_count, merger.figures_demo
        )  # fmt: skip
        assert (before, after, demo) == (expected["headcount_before"], expected["headcount_after"], expected["demo"])
        assert published == world.mergers[pk]["_published"]
        seen["demo"] += demo
        seen["published"] += published
        seen["before missing"] += before is None
    if measure == "authorised":  # the cases the edits made are there
        assert all(seen.values()), seen
    else:  # the seed has no actual figures
        assert seen["before missing"] == len(rows)
    # A province's: compiled apart (a filter more), the same rows (the seed is all Quảng Ninh's).
    assert completed_merger_rows(as_of=D(2100, 1, 1), province=Province.objects.get(code="22"), measure=measure) == rows


@pytest.mark.django_db
def test_compiled_rows_are_the_querysets_rows():
    """Days and ids compiled as stand-ins, run with each call's values: the rows the ORM gives
    (its converters applied: dates and booleans on SQLite too), one compilation per key."""
    from django.db.models import Exists, OuterRef

    quota = AgencyTypeFactory(in_district_quota=True)
    districts = [DistrictFactory(), DistrictFactory()]
    agencies = [
        AgencyFactory(district=districts[0], agency_type=quota, established_on=D(2000, 1, 1), dissolved_on=None),
        AgencyFactory(district=districts[0], agency_type=quota, established_on=D(2016, 1, 1), dissolved_on=None),
        AgencyFactory(district=districts[1], agency_type=quota, established_on=D(2000, 1, 1), dissolved_on=None),
    ]
    HeadcountFactory(agency=agencies[0], as_of=D(2015, 1, 1), authorised=10, actual=9)

    def build(on, district_id):
        from mergers.models import Agency, HeadcountRecord

        return (
            Agency.objects.filter(district_id=district_id, established_on__lte=on)
            .annotate(has_record=Exists(HeadcountRecord.objects.filter(agency=OuterRef("pk"), as_of__lte=on)))
            .order_by("pk")
            .values_list("pk", "established_on", "has_record")
        )

    key = ("test", "agencies")
    _SHAPES.pop(next((k for k in _SHAPES if k[2] == key), None), None)
    a, b, c = (x.pk for x in agencies)
    expected = {
        (D(2014, 1, 1), districts[0].pk): [(a, D(2000, 1, 1), False)],
        (D(2017, 1, 1), districts[0].pk): [(a, D(2000, 1, 1), True), (b, D(2016, 1, 1), False)],
        (D(2017, 1, 1), districts[1].pk): [(c, D(2000, 1, 1), False)],
        (D(1999, 1, 1), districts[1].pk): [],
    }
    for (on, district_id), rows in expected.items():
        assert list(build(on, district_id)) == rows
        assert compiled_rows(key, build, on=on, district_id=district_id) == rows
    assert sum(1 for k in _SHAPES if k[2] == key) == 1
    with pytest.raises(ValueError, match="every value must be a parameter"):
        compiled_rows(("test", "unused"), lambda on, district_id: build(on, 1), on=D(2017, 1, 1), district_id=1)


@pytest.mark.django_db
def test_compiled_rows_take_lists_of_ids_one_shape_per_length():
    """A list of ids: a stand-in for each, one compilation per length; an empty list asks the ORM."""
    district = DistrictFactory()
    agencies = [AgencyFactory(district=district) for _ in range(3)]
    ids = [a.pk for a in agencies]

    def build(ids, district_id):
        from mergers.models import Agency

        return Agency.objects.filter(pk__in=ids, district_id=district_id).order_by("pk").values_list("pk")

    key = ("test", "lists")
    for k in [k for k in _SHAPES if k[2] == key]:
        del _SHAPES[k]
    for chosen in ([ids[0]], [ids[2], ids[0]], [ids[1], ids[2]], ids, []):
        expected = [(pk,) for pk in sorted(chosen)]
        assert list(build(chosen, district.pk)) == expected
        assert compiled_rows(key, build, ids=chosen, district_id=district.pk) == expected
    assert compiled_rows(key, build, ids=ids, district_id=district.pk + 1) == []
    assert sorted(k[3] for k in _SHAPES if k[2] == key) == [(1,), (2,), (3,)]


@pytest.mark.django_db
def test_a_report_asked_again_compiles_nothing(monkeypatch):
    """`district_days` keeps the SQL it compiled per measure and districts (`_for_days`): asked
    again, for the same days or others, it runs it with no ORM compilation, with the same figures."""
    from django.db.models.sql.query import Query

    quota = AgencyTypeFactory(in_district_quota=True)
    district = DistrictFactory()
    agency = AgencyFactory(district=district, agency_type=quota, established_on=D(2000, 1, 1), dissolved_on=None)
    HeadcountFactory(agency=agency, as_of=D(2016, 1, 1), authorised=12, actual=None, source_kind=SourceKind.DEMO)
    missing = AgencyFactory(district=district, agency_type=quota, established_on=D(2018, 1, 1), dissolved_on=None)
    first = district_days(DAYS, districts=[district])

    def no_compiling(self, *args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(Query, "sql_with_params", no_compiling)
    assert district_days(DAYS, districts=[district]) == first
    assert district_days(DAYS[1:3], districts=[district]) == {k: v for k, v in first.items() if k[1] in DAYS[1:3]}
    figures = [(f.headcount, f.demo, [a.id for a in f.missing]) for f in (first[(district.pk, day)] for day in DAYS)]
    assert figures == [
        (None, False, [agency.pk]),
        (12, True, []),
        (None, False, [missing.pk]),
        (None, False, [missing.pk]),
    ]


@pytest.mark.parametrize(
    "day", [D(2010, 1, 1), D(2019, 12, 31), D(2020, 1, 1), D(2025, 6, 30), D(2025, 7, 1), D(2026, 12, 6)]
)
def test_the_tier_counts_compiled_once_are_the_aggregates(quang_ninh, day):
    """`_tier_counts` (compiled once, `compiled_rows`) against the ORM's aggregate of the same
    rule, for Quảng Ninh, the whole country and a province without districts; exact on the seed:
    14 units until Hoành Bồ joined Hạ Long on 1 January 2020, 13 until the tier ended on 1 July 2025."""
    from django.db.models import Count, Max, Q

    from districts.validity import valid_on_q
    from figures.engine import _tier_counts

    empty = Province.objects.create(code="S98", name="Tỉnh Trống")
    for province in (Province.objects.get(code="22"), None, empty):
        districts = District.objects.all() if province is None else District.objects.filter(province=province)
        row = districts.aggregate(
            active=Count("pk", filter=valid_on_q(day)), last_end=Max("dissolved_on", filter=Q(dissolved_on__lte=day))
        )
        assert _tier_counts(province, day) == (row["active"], row["last_end"])
    expected = {
        D(2010, 1, 1): (14, None),
        D(2019, 12, 31): (14, None),
        D(2020, 1, 1): (13, D(2020, 1, 1)),
        D(2025, 6, 30): (13, D(2020, 1, 1)),
        D(2025, 7, 1): (0, D(2025, 7, 1)),
        D(2026, 12, 6): (0, D(2025, 7, 1)),
    }
    assert _tier_counts(Province.objects.get(code="22"), day) == expected[day]
    assert _tier_counts(empty, day) == (0, None)


def _district_fields(d) -> tuple:
    return (
        d.pk, d.code, d.name, d.kind, d.established_on, d.dissolved_on, d.province_id, d.successor_id,
        d.successor_province_id, d.province.code, d.province.name,
        None if d.successor is None else (d.successor.code, d.successor.name),
        None if d.successor_province is None else d.successor_province.code,
    )  # fmt: skip


@pytest.mark.parametrize(
    "start,end",
    [(D(2015, 11, 30), D(2024, 12, 31)), (D(2020, 1, 1), D(2020, 1, 1)), (D(2025, 7, 1), D(2026, 1, 1)),
     (D(2019, 12, 31), D(2019, 12, 31)), (D(1990, 1, 1), D(1990, 1, 2))],
)  # fmt: skip
def test_period_districts_compiled_once_are_the_querysets(quang_ninh, django_assert_num_queries, start, end):
    """`period_districts` (`compiled_objects`) against `districts_in_period` read by the ORM: the
    same districts in the same order, each with its province, successor and successor province
    read with it (no query when they are asked for), for Quảng Ninh and the whole country."""
    from districts.selectors import districts_in_period
    from reports.selectors import period_districts

    for province in (Province.objects.get(code="22"), None):
        expected = [_district_fields(d) for d in districts_in_period(start, end, province=province).order_by("code")]
        with django_assert_num_queries(1):
            got = [_district_fields(d) for d in period_districts(start, end, province=province)]
        assert got == expected
    in_period = [d.code for d in period_districts(start, end, province=Province.objects.get(code="22"))]
    assert (
        len(in_period)
        == {
            (D(2015, 11, 30), D(2024, 12, 31)): 14,  # Hoành Bồ until 2020 included
            (D(2020, 1, 1), D(2020, 1, 1)): 13,
            (D(2025, 7, 1), D(2026, 1, 1)): 0,
            (D(2019, 12, 31), D(2019, 12, 31)): 14,
            (D(1990, 1, 1), D(1990, 1, 2)): 14,
        }[(start, end)]
    )


def test_the_programmes_published_figures_and_districts_compiled_once_are_the_querysets(
    quang_ninh, django_assert_num_queries
):
    """The reports' other reads compiled once (`compiled_objects`): the programmes in decision
    order with their decisions, a province's published aggregates up to a day with theirs, the
    districts' codes and dates; each the ORM's objects, related objects read with them."""
    from figures.engine import _codes_and_dates, _published_up_to, programme_list, programmes_ordered
    from mergers.models import PublishedAggregate

    def programme(p):
        return (
            p.pk,
            p.code,
            p.name,
            p.decision_id,
            None if p.decision is None else (p.decision.number, p.decision.date),
        )

    expected = [programme(p) for p in programmes_ordered()]
    with django_assert_num_queries(1):
        assert [programme(p) for p in programme_list()] == expected
    assert [p[1] for p in expected] == ["khoi-mttq", "kiem-tra-thanh-tra", "to-chuc-noi-vu"]

    province = Province.objects.get(code="22")
    assert PublishedAggregate.objects.filter(province=province).count() >= 2
    for day in (D(2015, 1, 1), D(2018, 12, 31), D(2026, 1, 1)):

        def aggregate(a):
            return (a.pk, a.programme_id, a.on, a.completed, a.total, a.headcount_before, a.source, a.decision_id,
                    None if a.decision is None else a.decision.number)  # fmt: skip

        expected = sorted(aggregate(a) for a in _published_up_to(day, province.pk))
        assert expected == sorted(
            aggregate(a)
            for a in PublishedAggregate.objects.filter(province=province, on__lte=day).select_related("decision")
        )
        with django_assert_num_queries(1):
            got = sorted(
                aggregate(a)
                for a in compiled_objects(("published_up_to",), _published_up_to, as_of=day, province=province.pk)
            )
        assert got == expected
    for key, values in ((("codes_and_dates",), {}), (("codes_and_dates", "province"), {"province": province.pk})):
        expected = [(d.pk, d.code, d.established_on, d.dissolved_on) for d in _codes_and_dates(**values)]
        assert [
            (d.pk, d.code, d.established_on, d.dissolved_on) for d in compiled_objects(key, _codes_and_dates, **values)
        ] == expected
    assert len(expected) == 14
