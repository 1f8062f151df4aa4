"""Which headcount records the merger figures read (`records_read_by_mergers_sql`, issue 17).

The read cache keeps the national mergers list through a headcount record created where no
merger's figures read it (core.readcache.MERGER_FIGURES). The rule may say "read" of more records
than are (the cache is then renewed for nothing), never of fewer: a record it says no merger
reads changes no merger's figures, which the property test checks against `merger_list` itself.
"""

import datetime

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from figures.engine import records_read_by_mergers_sql
from figures.selectors import merger_list
from mergers.choices import SourceKind
from mergers.models import HeadcountRecord, Merger
from tests.factories import AgencyFactory
from tests.mergers.test_query_budgets import _planned_merger, _sources

D = datetime.date
pytestmark = pytest.mark.django_db


def reads(*records: tuple[int, D]) -> bool:
    condition, params = records_read_by_mergers_sql([(agency, day.isoformat()) for agency, day in records])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 WHERE {condition}", params)  # noqa: S608 (the rule's SQL)
        return cursor.fetchone() is not None


def figures() -> list[tuple]:
    return [
        (m.pk, measure, m.headcount_before, m.headcount_after, bool(m.before_demo), m.after_kind, m.figures_demo)
        for measure in ("authorised", "actual")
        for m in merger_list(measure=measure).order_by("pk")
    ]


def test_the_records_a_completed_merger_reads(quang_ninh):
    """Hạ Long's common advisory agency: sources 1-6, result 7, effective 1 June 2018."""
    merger = Merger.objects.get(result_agency_id=7)
    assert merger.effective_on == D(2018, 6, 1)
    assert sorted(merger.source_agencies.values_list("pk", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert reads((1, D(2018, 5, 31)))  # a source, the day before: its headcount before
    assert reads((6, D(2010, 1, 1)))
    assert not reads((1, D(2018, 6, 1)))  # a source, on the effective date: after the merger
    assert reads((7, D(2018, 6, 1)))  # the result, on the date: its headcount after
    assert reads((7, D(2015, 1, 1)))
    assert not reads((7, D(2018, 6, 2)))  # the result, later: no merger's figure
    assert not reads((7, D(2021, 1, 1)), (1, D(2019, 1, 1)))
    assert reads((7, D(2021, 1, 1)), (1, D(2017, 1, 1)))  # one of them is read


def test_an_open_mergers_sources_are_read_whatever_the_date(quang_ninh):
    merger = _planned_merger(_sources())
    source = merger.source_agencies.order_by("pk").first()
    assert merger.effective_on is None
    assert reads((source.pk, D(2030, 1, 1)))
    # Every agency of the seed takes part in a merger: one that takes part in none.
    outside = AgencyFactory(district=source.district, agency_type=source.agency_type)
    assert not reads((outside.pk, D(2014, 1, 1)))
    assert not reads((outside.pk, D(2030, 1, 1)))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pick=st.integers(0, 10_000),
    role=st.sampled_from(["source", "result", "open merger's source", "in no merger"]),
    shift=st.sampled_from([-1, 0, 1, -2000, 2000]),  # days from the merger's effective date
    authorised=st.one_of(st.none(), st.integers(0, 60)),
    actual=st.one_of(st.none(), st.integers(0, 60)),
    kind=st.sampled_from(SourceKind.values),
)
# The edges, always tried: the result's record on the effective date, the sources' the day before,
# an open merger's source's long after.
@example(pick=0, role="result", shift=0, authorised=50, actual=None, kind="official")
@example(pick=0, role="source", shift=-1, authorised=50, actual=None, kind="official")
@example(pick=1, role="open merger's source", shift=2000, authorised=50, actual=None, kind="official")
def test_a_record_the_rule_says_no_merger_reads_changes_no_merger(
    quang_ninh, pick, role, shift, authorised, actual, kind
):
    """A record of a merger's source or result, of an open merger's source or of an agency in no
    merger, dated on, just before or after the effective date, or far from it, with any figures
    and kind (replacing the agency's record of that day, if any): where the rule says no merger
    reads it, every merger's figures (both measures, the demo flags) are what they were."""
    assume(authorised is not None or actual is not None)
    with transaction.atomic():
        open_merger = _planned_merger(_sources())
        completed = list(Merger.objects.filter(effective_on__isnull=False).order_by("pk"))
        merger = completed[pick % len(completed)]
        day = merger.effective_on + datetime.timedelta(days=shift)
        if role == "source":
            agency = merger.source_agencies.order_by("pk")[pick % merger.source_agencies.count()]
        elif role == "result":
            agency = merger.result_agency
        elif role == "open merger's source":
            agency = open_merger.source_agencies.order_by("pk")[pick % open_merger.source_agencies.count()]
        else:
            agency = AgencyFactory(district=merger.district, agency_type=merger.result_agency.agency_type)
        HeadcountRecord.objects.filter(agency=agency, as_of=day).delete()
        before = figures()
        read = reads((agency.pk, day))
        HeadcountRecord.objects.create(
            agency=agency, as_of=day, authorised=authorised, actual=actual, source="Kiểm thử", source_kind=kind
        )
        if not read:
            assert figures() == before
        transaction.set_rollback(True)
