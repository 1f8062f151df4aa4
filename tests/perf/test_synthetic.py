"""The synthetic national dataset: deterministic, labelled, and within the models' rules."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from datasets.synthetic import generate, months
from districts.models import District, Province
from figures.selectors import merger_list
from mergers.choices import MergerStatus, SourceKind
from mergers.models import Agency, HeadcountRecord, Merger

pytestmark = pytest.mark.django_db


def _fingerprint():
    return (
        list(District.objects.order_by("code").values_list("code", "kind")),
        Agency.objects.count(),
        list(Merger.objects.order_by("district__code", "programme__code").values_list("status", "effective_on")),
        HeadcountRecord.objects.count(),
        sorted(HeadcountRecord.objects.values_list("authorised", flat=True))[:200],
    )


def test_generation_is_deterministic_labelled_and_valid():
    # A first run, rolled back: the second run below starts from the same empty database.
    with transaction.atomic():
        generate(provinces=1, seed=7, districts_per_province=(3, 3), extra_agencies=(1, 2))
        first = _fingerprint()
        transaction.set_rollback(True)
    assert Province.objects.count() == 0
    counts = generate(provinces=1, seed=7, districts_per_province=(3, 3), extra_agencies=(1, 2))
    assert _fingerprint() == first
    assert counts["districts"] == 3 and counts["provinces"] == 1
    assert counts["mergers"] == 9
    assert set(HeadcountRecord.objects.values_list("source_kind", flat=True)) == {SourceKind.SYNTHETIC}
    assert set(Merger.objects.values_list("source_kind", flat=True)) == {SourceKind.SYNTHETIC}
    assert HeadcountRecord.objects.count() == counts["headcounts"]
    # Each district has the 10 programme sources plus 1-2 other agencies, plus one result per completed merger.
    for district in District.objects.all():
        completed = Merger.objects.filter(district=district, status=MergerStatus.COMPLETED).count()
        assert 11 + completed <= Agency.objects.filter(district=district).count() <= 12 + completed
    # No record of a source after its merger took effect; merger figures computable for every completed merger.
    for merger in merger_list().filter(status=MergerStatus.COMPLETED):
        assert not HeadcountRecord.objects.filter(
            agency__in=merger.source_agencies.all(), as_of__gte=merger.effective_on
        ).exists()
        assert merger.headcount_before is not None and merger.headcount_after is not None
        assert merger.headcount_after < merger.headcount_before


def test_command_refuses_a_second_run(db):
    out = io.StringIO()
    call_command("generate_synthetic", provinces=1, seed=1, no_progress=True, stdout=out)
    assert out.getvalue().startswith("Synthetic data created in ")
    assert Province.objects.filter(code="S01").count() == 1
    with pytest.raises(CommandError, match="already exist"):
        call_command("generate_synthetic", provinces=1, seed=1, no_progress=True)


def test_months():
    assert list(months(datetime.date(2015, 11, 20), datetime.date(2016, 2, 1))) == [
        datetime.date(2015, 11, 1),
        datetime.date(2015, 12, 1),
        datetime.date(2016, 1, 1),
        datetime.date(2016, 2, 1),
    ]
