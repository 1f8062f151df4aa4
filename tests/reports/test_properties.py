"""Property tests (hypothesis) of the report arithmetic in reports/selectors.py.

The database-backed properties compare what the selectors compute in SQL with a few lines
of plain Python written from the rules in DESIGN.md ("How figures are computed"), on small
random worlds of districts, agencies, headcount records and mergers. Each example builds
its world inside a transaction that is rolled back, so examples do not see each other.
"""

import copy
import dataclasses
import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from figures.engine import DayFigure, total_of
from figures.selectors import merger_list
from mergers.choices import MergerStatus
from mergers.models import Agency, HeadcountRecord, Merger
from reports.selectors import (
    StaffingRow,
    fold_into_successors,
    programme_figures,
    progress_dict,
    staffing_report,
)
from tests.factories import (
    AgencyFactory,
    AgencyTypeFactory,
    DecisionFactory,
    DistrictFactory,
    ProgrammeFactory,
    ProvinceFactory,
)

DB_EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Ten dates, 8 months apart, from 2014-01-01 to 2020-01-01: few enough that generated dates
# often coincide with the report dates and with each other, where "on or before" and
# "before" differ.
MONTHS = 10


def month(n: int) -> datetime.date:
    return datetime.date(2014 + (n * 8) // 12, (n * 8) % 12 + 1, 1)


months = st.integers(0, MONTHS - 1).map(month)
# Mostly present: a missing figure makes the whole sum missing.
counts = st.integers(0, 300)
figures = st.one_of(counts, counts, counts, st.none())


@dataclasses.dataclass
class Rec:
    as_of: datetime.date
    authorised: int | None
    actual: int | None


@dataclasses.dataclass
class Ag:
    in_quota: bool
    established_on: datetime.date | None
    dissolved_on: datetime.date | None
    records: list[Rec]
    pk: int | None = None

    def active_on(self, day):
        return (self.established_on is None or self.established_on <= day) and (
            self.dissolved_on is None or self.dissolved_on > day
        )

    def headcount(self, day, measure, strictly_before=False):
        """The measure of the latest record on (or strictly before) `day`; None: no record."""
        dated = [r for r in self.records if (r.as_of < day if strictly_before else r.as_of <= day)]
        return getattr(max(dated, key=lambda r: r.as_of), measure) if dated else None


@st.composite
def records(draw, max_size=3, dates_from=months):
    dates = draw(st.lists(dates_from, max_size=max_size, unique=True))
    out = []
    for day in dates:
        authorised, actual = draw(figures), draw(figures)
        if authorised is None and actual is None:  # the model requires one of them
            authorised = draw(st.integers(0, 300))
        out.append(Rec(day, authorised, actual))
    return out


@st.composite
def validity(draw):
    """(established_on, dissolved_on), either open, dissolved strictly after established."""
    start = draw(st.one_of(st.none(), st.integers(0, MONTHS - 2)))
    end = draw(st.one_of(st.none(), st.integers((start or 0) + 1, MONTHS - 1)))
    return (None if start is None else month(start)), (None if end is None else month(end))


@st.composite
def agencies(draw, max_size=4):
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        established_on, dissolved_on = draw(validity())
        out.append(Ag(draw(st.booleans()), established_on, dissolved_on, draw(records())))
    return out


@st.composite
def worlds(draw):
    """1-3 districts, each with its validity and 0-4 agencies with 0-3 records each."""
    return [{"validity": draw(validity()), "agencies": draw(agencies())} for _ in range(draw(st.integers(1, 3)))]


def rolled_back(build_and_check):
    """Run one example in a transaction that is always rolled back."""
    with transaction.atomic():
        build_and_check()
        transaction.set_rollback(True)


class World:
    """The generated data, saved through the models, and what the rules say it should give."""

    def __init__(self, spec, province=None):
        self.province = province or ProvinceFactory()
        self.quota = AgencyTypeFactory(code="in-quota", in_district_quota=True)
        self.outside = AgencyTypeFactory(code="outside-quota", in_district_quota=False)
        self.districts = []
        for item in spec:
            established_on, dissolved_on = item["validity"]
            district = DistrictFactory(province=self.province, established_on=established_on, dissolved_on=dissolved_on)
            for ag in item["agencies"]:
                self.add_agency(district, ag)
            self.districts.append((district, item["agencies"]))

    def add_agency(self, district, ag: Ag) -> Agency:
        # An agency's establishment date is required: "before the period" is a date before it.
        ag.established_on = ag.established_on or datetime.date(2000, 1, 1)
        agency = AgencyFactory(
            district=district,
            agency_type=self.quota if ag.in_quota else self.outside,
            established_on=ag.established_on,
            dissolved_on=ag.dissolved_on,
        )
        ag.pk = agency.pk
        for rec in ag.records:
            self.add_record(agency, rec)
        return agency

    @staticmethod
    def add_record(agency, rec: Rec):
        HeadcountRecord.objects.create(
            agency=agency, as_of=rec.as_of, authorised=rec.authorised, actual=rec.actual, source="thử"
        )

    @staticmethod
    def expected_headcount(ags, day, measure):
        counted = [a.headcount(day, measure) for a in ags if a.active_on(day) and a.in_quota]
        return None if not counted or None in counted else sum(counted)

    def expected_rows(self, baseline, as_of, measure):
        out = {}
        for district, ags in self.districts:
            row = {}
            for label, day in (("baseline", baseline), ("current", as_of)):
                active = district.is_active_on(day)
                row[f"headcount_{label}"] = self.expected_headcount(ags, day, measure) if active else None
                row[f"agencies_{label}"] = sum(a.active_on(day) for a in ags) if active else None
            in_window = (district.established_on is None or district.established_on <= max(baseline, as_of)) and (
                district.dissolved_on is None or district.dissolved_on > min(baseline, as_of)
            )
            if in_window:
                out[district.code] = row
        return out


def sum_or_none(values):
    values = list(values)
    return None if None in values else sum(values)


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    spec=worlds(),
    other=worlds(),
    baseline=months,
    as_of=months,
    measure=st.sampled_from(["authorised", "actual"]),
)
def test_district_figures_follow_the_rules_and_the_province_total_is_their_sum(spec, other, baseline, as_of, measure):
    assume(baseline <= as_of)  # the report period refuses a baseline after as_of

    def check():
        world = World(spec)
        # Another province's districts count neither in this province's rows nor its total.
        World(other, province=ProvinceFactory(code="99", name="Tỉnh khác"))
        report = staffing_report(province=world.province, baseline=baseline, as_of=as_of, measure=measure)
        expected = world.expected_rows(baseline, as_of, measure)
        keys = ["headcount_baseline", "headcount_current", "agencies_baseline", "agencies_current"]
        assert {r.district: {k: getattr(r, k) for k in keys} for r in report.rows} == expected

        active = {
            "baseline": [r for r in report.rows if r.active_baseline],
            "current": [r for r in report.rows if r.active_current],
        }
        total = report.total
        for label in ("baseline", "current"):
            expected_headcount = sum_or_none(getattr(r, f"headcount_{label}") for r in active[label])
            if not active[label]:
                expected_headcount = None  # nothing to sum is missing, not zero
            assert getattr(total, f"headcount_{label}") == expected_headcount
            assert getattr(total, f"agencies_{label}") == (
                sum(getattr(r, f"agencies_{label}") for r in active[label]) if active[label] else None
            )
        change = (
            None
            if total.headcount_baseline is None or total.headcount_current is None
            else total.headcount_current - total.headcount_baseline
        )
        assert total.change == change

    rolled_back(check)


@pytest.mark.django_db
@DB_EXAMPLES
@given(effective_index=st.integers(1, MONTHS - 2), measure=st.sampled_from(["authorised", "actual"]), data=st.data())
def test_a_mergers_reduction_is_before_minus_after(effective_index, measure, data):
    effective = month(effective_index)
    # Records just before, on and after the effective date: where "before" and "on" differ.
    near = st.sampled_from([month(effective_index - 1), effective, month(effective_index + 1)])
    sources = data.draw(
        st.lists(st.builds(Ag, st.booleans(), st.none(), st.none(), records(dates_from=near)), min_size=1, max_size=4)
    )
    result_records = data.draw(records(dates_from=near))

    def check():
        world = World([])
        district = DistrictFactory(province=world.province)
        source_agencies = [world.add_agency(district, ag) for ag in sources]
        result = Ag(True, effective, None, result_records)
        result_agency = world.add_agency(district, result)
        programme = ProgrammeFactory(decided_on=month(0))
        merger = Merger.objects.create(
            programme=programme,
            district=district,
            result_agency=result_agency,
            decision=programme.decision,
            effective_on=effective,
            status=MergerStatus.COMPLETED,
        )
        merger.source_agencies.set(source_agencies)

        counted = [a.headcount(effective, measure, strictly_before=True) for a in sources if a.in_quota]
        before = None if not counted or None in counted else sum(counted)
        after = result.headcount(effective, measure)
        reduction = None if before is None or after is None else before - after

        figures = merger_list(measure=measure).get(pk=merger.pk)
        assert (figures.headcount_before, figures.headcount_after, figures.reduction) == (before, after, reduction)
        if reduction is not None and before > 0:  # a percentage is rounded to 2 decimals (figures.pct)
            assert figures.reduction_pct == round(reduction * 100 / before, 2)
        else:
            assert figures.reduction_pct is None

        # The programme's figures are the same sums (authorised headcount).
        if measure == "authorised":
            (summary,) = [p for p in programme_figures(as_of=effective) if p.programme == programme]
            complete = reduction is not None
            assert summary.mergers == 1
            assert summary.mergers_without_data == (0 if complete else 1)
            assert (summary.headcount_before, summary.headcount_after, summary.reduction) == (
                (before, after, reduction) if complete else (None, None, None)
            )
            assert summary.focal_points_removed == len(sources) - 1

    rolled_back(check)


def _snapshot(province, programme, baseline, as_of):
    return {
        "staffing": {
            (measure, lfl): [
                r.as_dict()
                for r in staffing_report(
                    province=province, baseline=baseline, as_of=as_of, measure=measure, like_for_like=lfl
                ).rows
            ]
            for measure in ("authorised", "actual")
            for lfl in (False, True)
        },
        "progress": [progress_dict(p) for p in programme_figures(province=province, as_of=as_of)],
        "mergers": [  # reduction is derived in Python (figures.merger_derived), not a column
            (m.pk, m.headcount_before, m.headcount_after, m.reduction)
            for m in merger_list().filter(effective_on__lte=as_of).order_by("pk")
        ],
    }


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    spec=worlds(),
    dates=st.lists(st.integers(0, MONTHS - 2), min_size=2, max_size=2).map(sorted),
    later=st.data(),
)
def test_figures_as_of_a_date_ignore_everything_dated_later(spec, dates, later):
    baseline, as_of = month(dates[0]), month(dates[1])
    after = st.integers(dates[1] + 1, MONTHS - 1).map(month)

    def check():
        world = World(spec)
        programme = ProgrammeFactory(decided_on=month(0))
        district = world.districts[0][0]
        # A merger completed by `as_of` (when the district's first agencies allow it).
        ags = world.districts[0][1]
        if len(ags) >= 2:
            merger = Merger.objects.create(
                programme=programme,
                district=district,
                result_agency_id=ags[-1].pk,
                decision=programme.decision,
                effective_on=as_of,
                status=MergerStatus.COMPLETED,
            )
            merger.source_agencies.set([a.pk for a in ags[:-1]])
        before = _snapshot(world.province, programme, baseline, as_of)

        # Later: new records for existing agencies, new agencies, a new district, a new merger.
        for _, ags in world.districts:
            for ag in ags:
                used = {r.as_of for r in ag.records}
                for day in later.draw(st.lists(after, max_size=2, unique=True)):
                    if day not in used:
                        World.add_record(Agency.objects.get(pk=ag.pk), Rec(day, later.draw(figures) or 0, None))
        start = later.draw(after)
        new_agency = world.add_agency(district, Ag(True, start, None, [Rec(start, 7, 7)]))
        newcomer = DistrictFactory(province=world.province, established_on=start)
        sources = [world.add_agency(newcomer, Ag(True, None, None, [Rec(month(0), 5, 5)])) for _ in range(2)]
        late = Merger.objects.create(
            programme=programme,
            district=newcomer,
            result_agency=world.add_agency(newcomer, Ag(True, start, None, [Rec(start, 6, 6)])),
            decision=DecisionFactory(number="2-QĐ/TU", date=start),
            effective_on=start,
            status=MergerStatus.COMPLETED,
        )
        late.source_agencies.set(sources)
        assert new_agency.pk is not None

        assert _snapshot(world.province, programme, baseline, as_of) == before

    rolled_back(check)


# --- the like-for-like fold: a pure function over report rows --------------------------


@st.composite
def staffing_rows(draw):
    """Rows as staffing_report makes them: figures only where the district is active."""
    codes = [f"{100 + i}" for i in range(draw(st.integers(1, 6)))]
    rows = []
    for code in codes:
        active_baseline, active_current = draw(st.booleans()), draw(st.booleans())
        successor = draw(st.one_of(st.none(), st.sampled_from([*codes, "999"])))
        if successor == code:
            successor = None

        def figure(day, active):
            if not active:
                return DayFigure(on=day, active=False)
            headcount = draw(st.one_of(st.none(), st.integers(0, 500)))
            return DayFigure(
                on=day, active=True, headcount=headcount, agencies=draw(st.integers(0, 50)), counted=1,
                demo=headcount is not None and draw(st.booleans()),
            )  # fmt: skip

        rows.append(
            StaffingRow(
                district=code,
                name=f"Huyện {code}",
                kind="huyen",
                dissolved_on=None if active_current else datetime.date(2020, 1, 1),
                successor=None if active_current else successor,
                baseline=figure(BASE, active_baseline),
                current=figure(NOW, active_current),
            )
        )
    return rows


BASE, NOW = datetime.date(2015, 1, 1), datetime.date(2020, 6, 30)


def _total(rows):
    return total_of((r.baseline for r in rows), on=BASE), total_of((r.current for r in rows), on=NOW)


@settings(max_examples=300)
@given(rows=staffing_rows())
def test_the_like_for_like_fold_preserves_totals(rows):
    folded = fold_into_successors(copy.deepcopy(rows))
    assert _total(folded) == _total(rows)
    # Every row still there is unchanged at the end date; the folded ones are gone.
    kept = {r.district for r in folded}
    gone = {code for r in folded for code in r.folded}
    assert kept.isdisjoint(gone)
    assert kept | gone == {r.district for r in rows}
    by_code = {r.district: r for r in rows}
    for row in folded:
        assert row.current == by_code[row.district].current
        for code in row.folded:
            assert by_code[code].successor == row.district
            assert by_code[code].active_baseline and not by_code[code].active_current


def test_the_fold_of_a_district_into_a_successor_that_did_not_exist_at_baseline():
    """Found by the property above: the predecessor's baseline must not vanish."""
    old = StaffingRow(
        "204", "H. Hoành Bồ", "huyen", datetime.date(2020, 1, 1), "300",
        baseline=DayFigure(BASE, True, headcount=40, agencies=4, counted=3, demo=True),
        current=DayFigure(NOW, False),
    )  # fmt: skip
    new = StaffingRow(
        "300", "TP mới", "thanh_pho", None, None,
        baseline=DayFigure(BASE, False), current=DayFigure(NOW, True, headcount=35, agencies=3, counted=3),
    )  # fmt: skip
    (row,) = fold_into_successors([old, new])
    assert (row.district, row.folded, row.headcount_baseline, row.agencies_baseline) == ("300", ["204"], 40, 4)
    assert (row.change, row.demo) == (-5, True)
