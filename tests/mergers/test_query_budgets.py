"""Query budgets of the writes (issue 17): a headcount write at most 10 queries, a merger
completion at most 30, on the shipped data and on a district with a long history (the count
must not grow with either). And the faster completion writes the same history records as
saving each source would."""

import datetime

import pytest
from django.db import transaction
from django.test import RequestFactory
from simple_history.models import HistoricalRecords

from core import audit
from core.actors import SYSTEM
from districts.validity import valid_on_q
from mergers import services
from mergers.choices import OPEN_STATUSES, MergerStatus
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger

DAY = datetime.date(2024, 1, 1)
HEADCOUNT_BUDGET = 10
COMPLETE_BUDGET = 30
HISTORY_FIELDS = ("id", "name", "established_on", "established_on_estimated", "dissolved_on", "search_name",
                  "version", "district_id", "agency_type_id", "history_type", "history_user_id",
                  "history_change_reason")  # fmt: skip


def _sources():
    """Three agencies of distinct types of the first district (in code order) active on DAY, in no open merger."""
    agencies = (
        Agency.objects.filter(valid_on_q(DAY), district__code__isnull=False)
        .exclude(absorbing_mergers__status__in=OPEN_STATUSES)
        .order_by("district__code", "pk")
    )
    by_district: dict = {}
    for agency in agencies:
        by_type = by_district.setdefault(agency.district_id, {})
        by_type.setdefault(agency.agency_type_id, agency)
        if len(by_type) == 3:
            return list(by_type.values())
    raise AssertionError("no district with three agencies of distinct types")


def _planned_merger(sources):
    result_type = AgencyType.objects.exclude(pk__in=[a.agency_type_id for a in sources]).first()
    programme = services.programme_create(
        user=SYSTEM,
        code="budget",
        name="Budget",
        result_type=result_type,
        source_types=[a.agency_type for a in sources],
    )
    return services.merger_create(user=SYSTEM,
        programme=programme, district=sources[0].district, source_agencies=sources,
        decision_number="1-BUDGET", decided_on=DAY, source_kind="synthetic",
    )  # fmt: skip


def _long_history(sources):
    """Ten years of monthly records for each agency of the sources' district, and 30 corrections
    of one of them (history rows): what a district accumulates."""
    district = sources[0].district
    rows = []
    for agency in Agency.objects.filter(district=district):
        for month in range(120):
            day = datetime.date(2014 + month // 12, month % 12 + 1, 15)
            if agency.is_active_on(day) and day != DAY:
                rows.append(HeadcountRecord(agency=agency, as_of=day, authorised=10 + month % 3, source="x"))
    HeadcountRecord.objects.bulk_create(rows, ignore_conflicts=True)
    record = HeadcountRecord.objects.filter(agency=sources[0]).first()
    for n in range(30):
        services.headcount_update(
            user=SYSTEM, record=record, authorised=10 + n % 2, actual=None, source="x", confirm=True
        )
    assert HeadcountRecord.objects.filter(agency__district=district).count() > 500


@pytest.fixture(params=["shipped", "long history"])
def sources(request, quang_ninh):
    chosen = _sources()
    if request.param == "long history":
        _long_history(chosen)
    return chosen


def test_headcount_write_budget(sources, django_assert_max_num_queries):
    with django_assert_max_num_queries(HEADCOUNT_BUDGET):
        services.headcount_record(user=SYSTEM, agency=sources[0], as_of=DAY, authorised=10, source="s", confirm=True)
    previous = HeadcountRecord.objects.filter(agency=sources[1], as_of__lt=DAY).order_by("as_of").last()
    with django_assert_max_num_queries(HEADCOUNT_BUDGET):  # unconfirmed: the plausibility check reads the neighbours
        services.headcount_record(user=SYSTEM, agency=sources[1], as_of=DAY, authorised=previous.authorised, source="s")
    record = HeadcountRecord.objects.get(agency=sources[0], as_of=DAY)
    with django_assert_max_num_queries(HEADCOUNT_BUDGET):
        services.headcount_update(user=SYSTEM, record=record, authorised=11, actual=None, source="s", confirm=True)


def test_merger_complete_budget(sources, django_assert_max_num_queries):
    merger = _planned_merger(sources)
    with django_assert_max_num_queries(COMPLETE_BUDGET):
        services.merger_complete(user=SYSTEM, merger=merger, effective_on=DAY, headcount_after=20, headcount_source="s")
    merger.refresh_from_db()
    assert merger.status == MergerStatus.COMPLETED
    assert HeadcountRecord.objects.get(agency=merger.result_agency, as_of=DAY).authorised == 20


def test_merger_complete_budget_with_an_existing_result(sources, django_assert_max_num_queries):
    merger = _planned_merger(sources[:2])
    with django_assert_max_num_queries(COMPLETE_BUDGET):
        services.merger_complete(
            user=SYSTEM, merger=merger, effective_on=DAY, result_agency=sources[2], headcount_after=20
        )
    assert HeadcountRecord.objects.get(agency=sources[2], as_of=DAY).source == "Quyết định 1-BUDGET"


def _history_rows(agencies):
    return [
        Agency.history.filter(id=a.pk).order_by("-history_date", "-history_id").values(*HISTORY_FIELDS).first()
        for a in agencies
    ]


@pytest.mark.parametrize("command", [None, "import_headcounts"])
def test_sources_history_is_what_each_save_would_write(quang_ninh, editor, command):
    """The one UPDATE and bulk history insert leave the records that saving each source made
    (same fields, type, user from the request and change reason from the command)."""
    sources = _sources()
    merger = _planned_merger(sources)
    request = RequestFactory().post("/")
    request.user = editor
    HistoricalRecords.context.request = request
    token = audit._command.set(command)
    try:
        with transaction.atomic():  # the reference: each source saved as before issue 17, rolled back
            for source in Agency.objects.filter(pk__in=[s.pk for s in sources]).order_by("pk"):
                source.dissolved_on = DAY
                source.version += 1
                source.save(update_fields=["dissolved_on", "version"])
            expected = _history_rows(sources)
            transaction.set_rollback(True)
        services.merger_complete(user=SYSTEM, merger=merger, effective_on=DAY)
        actual = _history_rows(sources)
    finally:
        audit._command.reset(token)
        del HistoricalRecords.context.request
    for got, want in zip(actual, expected, strict=True):
        assert got == want
    assert {(row["history_type"], row["history_user_id"], row["dissolved_on"]) for row in actual} == {
        ("~", editor.pk, DAY)
    }
    assert {row["history_change_reason"] for row in actual} == {audit.command_reason(command) if command else None}
    assert Merger.objects.get(pk=merger.pk).status == MergerStatus.COMPLETED
