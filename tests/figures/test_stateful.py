"""Model-based test of every figure: random sequences of service calls, and after each step
everything the dashboard, the exports and the API show compared with the oracle
(tests/oracle.py), which recomputes it in plain Python from the rules.

Each example runs in a savepoint rolled back at its end. Examples: the Hypothesis profile's
(tests/conftest.py): 200 with HYPOTHESIS_PROFILE=ci, 25 by default.
"""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from core.actors import SYSTEM
from figures.engine import actual_vs_authorised, headcount_series, programme_figures, reconcile_focal_points
from figures.selectors import merger_list
from mergers import services
from mergers.choices import MergerStatus, SourceKind
from mergers.models import Agency, AgencyType, Decision, HeadcountRecord, Programme
from reports.selectors import staffing_report
from tests.api.conftest import token_client
from tests.factories import DistrictFactory, ProvinceFactory
from tests.oracle import REAL, World, active

D = datetime.date
DAYS = [D(2015, 1, 1), D(2016, 1, 1), D(2016, 7, 1), D(2017, 1, 1), D(2018, 1, 1), D(2019, 1, 1), D(2020, 1, 1)]
PAIRS = [(DAYS[0], DAYS[-1]), (DAYS[2], DAYS[4])]
days = st.sampled_from(DAYS)
counts = st.one_of(st.none(), st.integers(0, 60))
kinds = st.sampled_from(SourceKind.values)


def refused(call, *args, **kwargs):
    """A service call; a refusal (bad input for the state reached) is a legitimate outcome."""
    try:
        return call(*args, **{"user": SYSTEM, **kwargs})
    except (ValidationError, PermissionDenied):
        return None


def _d(day):
    return day.strftime("%d/%m/%Y")


def _ids(refs):
    return tuple(sorted(a.id for a in refs))


class Figures(RuleBasedStateMachine):
    agencies = Bundle("agencies")
    records = Bundle("records")
    mergers = Bundle("mergers")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.province = ProvinceFactory()
        self.districts = [
            DistrictFactory(province=self.province, code=code, name=f"Thử {code}", established_on=D(2010, 1, 1))
            for code in ("801", "802", "803")
        ]
        self.types = [
            AgencyType.objects.create(code=f"loai-{i}", name=f"Loại {i}", name_en=f"Type {i}", sector="party")
            for i in range(3)
        ]
        self.types[2].in_district_quota = False
        self.types[2].save()
        self.programme = Programme.objects.create(
            code="de-an-thu", name="Đề án thử", result_type=self.types[0],
            decision=Decision.objects.create(number="1-QĐ/TU", date=DAYS[0], issuer="tinh-uy", kind="quyet-dinh"),
        )  # fmt: skip
        self.programme.source_types.set(self.types)
        self.checks = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- writes, each through a service

    @initialize(
        target=agencies,
        specs=st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from(DAYS[:3]), counts, kinds),
            min_size=3,
            max_size=7,
        ),
    )
    def first_agencies(self, specs):
        """A district's agencies to start with, most with a first figure, so mergers have sources."""
        created = []
        for district, type_, established, authorised, kind in specs:
            agency = self._create_agency(district, type_, established)
            if agency is not None and authorised is not None:
                refused(
                    services.headcount_record,
                    agency=agency, as_of=established, authorised=authorised, source="Nguồn thử",
                    source_kind=kind, confirm=True,
                )  # fmt: skip
            created.append(agency)
        return multiple(*created)

    @rule(target=agencies, district=st.integers(0, 2), type_=st.integers(0, 2), established=days)
    def create_agency(self, district, type_, established):
        return self._create_agency(district, type_, established)

    def _create_agency(self, district, type_, established):
        return refused(
            services.agency_create,
            district=self.districts[district],
            agency_type=self.types[type_],
            name=f"Cơ quan {Agency.objects.count() + 1}",
            established_on=established,
        )

    @rule(agency=agencies, established=days, dissolved=st.one_of(st.none(), days))
    def edit_agency(self, agency, established, dissolved):
        if agency is not None:
            refused(
                services.agency_update,
                agency=agency,
                data={"established_on": established, "dissolved_on": dissolved},
            )

    @rule(type_=st.integers(0, 2))
    def toggle_quota(self, type_):
        agency_type = AgencyType.objects.get(pk=self.types[type_].pk)
        services.agency_type_update(
            user=SYSTEM, agency_type=agency_type, data={"in_district_quota": not agency_type.in_district_quota}
        )

    @rule(target=records, agency=agencies, day=days, authorised=counts, actual=counts, kind=kinds)
    def record(self, agency, day, authorised, actual, kind):
        if agency is None:
            return None
        return refused(
            services.headcount_record,
            agency=agency, as_of=day, authorised=authorised, actual=actual, source="Nguồn thử", source_kind=kind, confirm=True,
        )  # fmt: skip

    @rule(record=records, authorised=counts, actual=counts, kind=kinds)
    def correct(self, record, authorised, actual, kind):
        if record is not None and HeadcountRecord.objects.filter(pk=record.pk).exists():
            refused(
                services.headcount_update,
                record=record, authorised=authorised, actual=actual, source="Sửa thử", source_kind=kind, confirm=True,
            )  # fmt: skip

    @rule(district=st.integers(0, 2), day=days, values=st.lists(st.integers(0, 60), min_size=1, max_size=3), kind=kinds)
    def bulk_entry(self, district, day, values, kind):
        agencies = list(Agency.objects.filter(district=self.districts[district]).order_by("pk")[: len(values)])
        rows = [{"agency": a, "authorised": v, "actual": None} for a, v in zip(agencies, values, strict=False)]
        if rows:
            refused(
                services.headcount_record_many,
                district=self.districts[district], as_of=day, rows=rows, source="Nhập hàng loạt", source_kind=kind, confirm=True,
            )  # fmt: skip

    @rule(target=mergers, district=st.integers(0, 2), day=days, kind=kinds, data=st.data())
    def plan_merger(self, district, day, kind, data):
        candidates = list(Agency.objects.filter(district=self.districts[district]).order_by("pk"))
        if len(candidates) < 2:
            return None
        sources = data.draw(st.lists(st.sampled_from(candidates), min_size=2, max_size=3, unique=True))
        return refused(
            services.merger_create,
            programme=self.programme, district=self.districts[district], source_agencies=sources,
            decision_number="2-QĐ/HU", decided_on=day, source_kind=kind,
        )  # fmt: skip

    @rule(
        target=mergers,
        district=st.integers(0, 2),
        decided=st.integers(0, len(DAYS) - 1),
        later=st.integers(0, 2),
        after=counts,
        kind=kinds,
        data=st.data(),
    )
    def plan_and_complete(self, district, decided, later, after, kind, data):
        """The whole story in one step, so that completed mergers with figures are common."""
        effective = DAYS[min(decided + later, len(DAYS) - 1)]
        candidates = list(Agency.objects.filter(district=self.districts[district]).order_by("pk"))
        candidates = [a for a in candidates if a.is_active_on(effective)]
        if len(candidates) < 2:
            return None
        sources = data.draw(st.lists(st.sampled_from(candidates), min_size=2, max_size=3, unique=True))
        merger = refused(
            services.merger_create,
            programme=self.programme, district=self.districts[district], source_agencies=sources,
            decision_number="3-QĐ/HU", decided_on=DAYS[decided], source_kind=kind,
        )  # fmt: skip
        if merger is not None:
            if data.draw(st.booleans()):
                # A source's figure dated on the effective day itself: "before" must not read it.
                refused(
                    services.headcount_record,
                    agency=sources[0], as_of=effective, authorised=data.draw(st.integers(0, 60)),
                    source="Nguồn thử", source_kind=kind, confirm=True,
                )  # fmt: skip
            refused(
                services.merger_complete,
                merger=merger, effective_on=effective, headcount_after=after,
                headcount_source="Quyết định thử" if after is not None else "", headcount_source_kind=kind,
            )  # fmt: skip
        return merger

    @rule(agency=agencies, day=days, authorised=st.integers(0, 60), kind=kinds)
    def record_again(self, agency, day, authorised, kind):
        """Another record for an agency: several records an agency make "the day before" matter."""
        if agency is not None:
            refused(
                services.headcount_record,
                agency=agency, as_of=day, authorised=authorised, source="Nguồn thử", source_kind=kind, confirm=True,
            )  # fmt: skip

    @rule(merger=mergers, day=days, status=st.sampled_from([MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED]))
    def advance(self, merger, day, status):
        if merger is not None:
            refused(services.merger_advance, merger=merger, status=status, on=day)

    @rule(merger=mergers, day=days)
    def cancel(self, merger, day):
        if merger is not None:
            refused(services.merger_cancel, merger=merger, on=day)

    @rule(merger=mergers, day=days, after=counts, kind=kinds)
    def complete(self, merger, day, after, kind):
        if merger is not None:
            refused(
                services.merger_complete,
                merger=merger, effective_on=day, headcount_after=after,
                headcount_source="Quyết định thử" if after is not None else "", headcount_source_kind=kind,
            )  # fmt: skip

    @rule(
        day=days,
        completed=st.one_of(st.none(), st.integers(0, 3)),
        before=counts,
        after=counts,
        pct=st.one_of(st.none(), st.decimals(-100, 100, places=2)),
        focal=st.one_of(st.none(), st.integers(0, 6)),
        kind=st.sampled_from([SourceKind.PUBLISHED, SourceKind.OFFICIAL]),
    )
    def publish(self, day, completed, before, after, pct, focal, kind):
        """A province-level figure from a published source (it may disagree with the districts')."""
        refused(
            services.published_aggregate_create,
            province=self.province, programme=self.programme, on=day, source="Bài báo thử", source_kind=kind,
            completed=completed, total=3 if completed is not None else None, headcount_before=before,
            headcount_after=after, reduction_pct=pct, focal_points_removed=focal,
        )  # fmt: skip

    @precondition(lambda self: self.districts[0].dissolved_on is None)
    @rule(day=days, successor=st.sampled_from([1, 2, None]))
    def dissolve_first_district(self, day, successor):
        district = refused(
            services.district_dissolve,
            district=self.districts[0],
            on=day,
            successor=self.districts[successor] if successor is not None else None,
        )
        if district is not None:
            self.districts[0] = district

    # --- what everyone sees, against the oracle

    @invariant()
    def every_figure_agrees_with_the_oracle(self):
        world = World()
        self.checks += 1
        for baseline, as_of in PAIRS:
            for measure, like_for_like in (("authorised", False), ("authorised", True), ("actual", False)):
                self.compare_staffing(world, baseline, as_of, measure, like_for_like)
        for as_of, measure in ((DAYS[2], "authorised"), (DAYS[-1], "authorised"), (DAYS[-1], "actual")):
            (figures,) = programme_figures(as_of=as_of, province=self.province, measure=measure)
            expected = world.programme(self.programme.pk, self.province.pk, as_of, measure)
            assert _programme_shown(figures, expected) == expected, (as_of, measure)
        for merger in merger_list().filter(district__province=self.province):
            expected = world.merger(merger.pk, "authorised")
            shown = {
                "headcount_before": merger.headcount_before,
                "headcount_after": merger.headcount_after,
                "reduction": merger.reduction,
                "reduction_pct": None if merger.reduction_pct is None else round(merger.reduction_pct, 2),
                "demo": merger.figures_demo,
            }
            assert shown == expected, merger.pk
        ids = world.in_period(self.province.pk, DAYS[0], DAYS[-1])
        districts = [d for d in self.all_districts() if d.pk in ids]
        series = headcount_series(start=DAYS[0], end=DAYS[-1], districts=districts)
        assert [(p.on, p.headcount, p.is_demo) for p in series] == world.series(ids, DAYS[0], DAYS[-1], "authorised")
        for start, end in PAIRS:
            self.compare_reconciliation(world, start, end)
        for day in (DAYS[2], DAYS[-1]):
            self.compare_actual(world, day)
        if self.checks % 2 == 1:  # the pages read the same engine: every other step, and the first
            self.compare_pages(world)

    def compare_actual(self, world, day):
        """Actual against authorised: each agency, each district active that day, their total."""
        shown = actual_vs_authorised(on=day, districts=self.all_districts())

        def gap(figure):
            return (
                figure.authorised, figure.actual, _ids(figure.missing_authorised), _ids(figure.missing_actual),
                figure.authorised_demo and figure.authorised is not None, figure.actual_demo and figure.actual is not None,
            )  # fmt: skip

        def expected(authorised, actual):
            return (
                authorised.headcount,
                actual.headcount,
                authorised.missing,
                actual.missing,
                authorised.demo,
                actual.demo,
            )

        sides = {
            d.pk: (world.district(d.pk, day, "authorised"), world.district(d.pk, day, "actual"))
            for d in self.all_districts()
            if world.district_active(d.pk, day)
        }
        assert {d.pk: gap(g) for d, g in shown.districts} == {pk: expected(*s) for pk, s in sides.items()}, day
        totals = [world.total([s[i] for s in sides.values()]) for i in (0, 1)]
        if sides:
            assert gap(shown.total) == expected(*totals), day
        agencies = {}
        for pk in sides:
            for agency in world.agencies.values():
                if (
                    agency["district_id"] == pk
                    and world.counted(agency)
                    and active(agency["established_on"], agency["dissolved_on"], day)
                ):
                    record = world.record_on(agency["id"], day)
                    values = (record["authorised"], record["actual"]) if record else (None, None)
                    demo = record is not None and record["source_kind"] not in REAL
                    agencies[agency["id"]] = (*values, demo)
        assert {
            a.agency.id: (a.figure.authorised, a.figure.actual, a.figure.authorised_demo) for a in shown.agencies
        } == agencies, day

    def compare_reconciliation(self, world, start, end):
        rec = reconcile_focal_points(start=start, end=end, province=self.province)
        codes = {self.programme.code: self.programme.pk}
        shown = {
            term: sorted(
                (a.id, a.cause or None, a.successor.id if a.successor else None, codes.get(a.programme))
                for a in getattr(rec, term)
            )
            for term in ("at_start", "established", "merged_away", "dissolved", "at_end")
        }
        assert shown == world.reconciliation(self.province.pk, start, end), (start, end)
        assert rec.balanced, (start, end)

    def all_districts(self):
        return sorted(type(self.districts[0]).objects.filter(province=self.province), key=lambda d: d.code)

    def compare_staffing(self, world, baseline, as_of, measure, like_for_like):
        # The report alone (the API, the exports), and with its series (the dashboard: its two
        # dates read with the series' dates, by records' spans): both against the oracle.
        for with_series in (False, True):
            report = staffing_report(
                province=self.province,
                baseline=baseline,
                as_of=as_of,
                measure=measure,
                like_for_like=like_for_like,
                with_series=with_series,
            )
            self.compare_report(world, report, baseline, as_of, measure, like_for_like)
        ids = world.in_period(self.province.pk, baseline, as_of)
        assert [(p.on, p.headcount, p.is_demo) for p in report.series] == world.series(ids, baseline, as_of, measure)

    def compare_report(self, world, report, baseline, as_of, measure, like_for_like):
        expected = world.staffing(self.province.pk, baseline, as_of, measure, like_for_like)
        shown = {r.district: r for r in report.rows}
        shown[""] = report.total
        assert set(shown) == set(expected), (baseline, as_of, measure, like_for_like)
        for code, (base, now, folded) in expected.items():
            row = shown[code]
            context = (code, baseline, as_of, measure, like_for_like)
            assert (row.active_baseline, row.active_current) == (base.active, now.active), context
            assert (row.headcount_baseline, row.headcount_current) == (base.headcount, now.headcount), context
            assert (row.agencies_baseline, row.agencies_current) == (base.agencies, now.agencies), context
            assert (row.baseline.demo, row.current.demo) == (base.demo, now.demo), context
            assert (_ids(row.missing_baseline), _ids(row.missing_current)) == (base.missing, now.missing), context
            assert row.folded == folded, context

    def compare_pages(self, world):
        """The dashboard, its CSV export and the API, for one period, against the oracle."""
        baseline, as_of = PAIRS[0]
        expected = world.staffing(self.province.pk, baseline, as_of, "authorised", True)
        query = f"?province={self.province.code}&baseline={_d(baseline)}&as_of={_d(as_of)}"
        page = self.leader.get("/" + query)
        assert page.status_code == 200
        total = page.context["report"].total
        assert (total.headcount_baseline, total.headcount_current, total.demo) == (
            expected[""][0].headcount,
            expected[""][1].headcount,
            expected[""][0].demo or expected[""][1].demo,
        )
        last = page.context["series"][-1] if page.context["series"] else None
        if last is not None:
            assert last.headcount == expected[""][1].headcount  # the chart ends where the table does
        export = self.leader.get("/exports/bao-cao-bien-che.csv" + query)
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        by_code = {r[0]: r for r in rows[1:]}
        for code, (base, now, _folded) in expected.items():
            cells = by_code[code]
            assert (cells[3], cells[4]) == (_cell(base.headcount), _cell(now.headcount)), code
            assert cells[10] == ("demo" if base.demo or now.demo else ""), code
        api = self.analyst.get(
            "/api/v1/reports/staffing/",
            {"province": self.province.code, "baseline": baseline.isoformat(), "as_of": as_of.isoformat()},
        ).json()
        assert (api["total"]["headcount_baseline"], api["total"]["headcount_current"]) == (
            expected[""][0].headcount,
            expected[""][1].headcount,
        )
        assert {
            r["district"]: (r["headcount_baseline"], r["headcount_current"], r["demo"]) for r in api["districts"]
        } == {code: (b.headcount, n.headcount, b.demo or n.demo) for code, (b, n, _f) in expected.items() if code}
        progress = self.analyst.get(
            "/api/v1/reports/progress/", {"province": self.province.code, "as_of": as_of.isoformat()}
        ).json()
        (shown,) = progress["programmes"]
        oracle = world.programme(self.programme.pk, self.province.pk, as_of, "authorised")
        api_shown = {k: shown[k] for k in oracle if k not in ("kinds", "discrepancies", "published")}
        api_shown["kinds"] = shown["source_kinds"]
        api_shown["discrepancies"] = tuple(
            (d["figure"], d["published"], d["districts"]) for d in shown["discrepancies"]
        )
        api_shown["published"] = shown["published"]["id"] if shown["published"] else None
        assert api_shown == oracle


def _programme_shown(figures, expected: dict) -> dict:
    """The engine's programme figures under the oracle's names."""
    shown = {k: getattr(figures, k) for k in expected if k not in ("discrepancies", "published")}
    shown["discrepancies"] = tuple((d.figure, d.published, d.districts) for d in figures.discrepancies)
    shown["published"] = figures.published.id if figures.published else None
    return shown


def _cell(value):
    return "" if value is None else str(value)


@pytest.mark.django_db
def test_every_figure_agrees_with_the_oracle_after_every_step(leader, analyst):
    from hypothesis.stateful import run_state_machine_as_test

    leader_client = Client()
    leader_client.force_login(leader)
    analyst_client = token_client(analyst)

    class Machine(Figures):
        def __init__(self):
            super().__init__()
            self.leader, self.analyst = leader_client, analyst_client

    run_state_machine_as_test(
        Machine,
        # max_examples from the profile (tests/conftest.py): 200 in CI.
        settings=settings(
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        ),
    )
