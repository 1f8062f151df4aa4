"""MergerSerializer, HeadcountSerializer and DistrictSerializer build their JSON directly; DRF's generic walk over
their fields is the reference they must equal, for every merger, headcount record and district of
the shipped data, in both languages, with and without a request (absolute URLs or paths)."""

import datetime

import pytest
from django.utils import translation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.actors import SYSTEM
from core.api.representations import keep_fields
from districts.api.serializers import DistrictSerializer
from districts.models import District
from districts.selectors import district_list
from figures.selectors import SourceAgency, headcount_rows, merger_list
from mergers import services
from mergers.choices import MergerStatus
from mergers.models import Agency, HeadcountRecord, Merger
from registry.api.serializers import HeadcountSerializer, MergerSerializer
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, ProgrammeFactory

D = datetime.date


@pytest.fixture
def open_merger(quang_ninh):
    """Beside the fixture's completed mergers: an open one (no result, no date, no figures
    after), approved with a stage of its programme skipped, its sources without records: its
    figures are missing, and not demo."""
    agency_type, district = AgencyTypeFactory(), District.objects.get(code="207")
    a, b = (AgencyFactory(district=district, agency_type=agency_type, established_on=D(2015, 1, 1)) for _ in "ab")
    programme = ProgrammeFactory(
        source_types=[agency_type],
        decided_on=D(2021, 1, 1),
        stages=[MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED, MergerStatus.COMPLETED],
    )
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=a.district,
        source_agencies=[a, b],
        decision_number="9-QĐ/UBND",
        decided_on=D(2021, 2, 1),
    )
    return services.merger_advance(
        user=SYSTEM, merger=merger, status=MergerStatus.APPROVED, on=D(2021, 3, 1), skip_reason="Không cần."
    )


def _request(path="/api/v1/mergers/"):
    return Request(APIRequestFactory().get(path, secure=True, HTTP_HOST="testserver:8443"))


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("with_request", [True, False])
def test_the_direct_representation_is_drfs(open_merger, language, with_request, django_assert_num_queries):
    # Both measures: the fixture has no figures of actual staff, so those are all missing.
    mergers = list(merger_list(as_lists=True)) + list(merger_list(measure="actual", as_lists=True))
    assert len(mergers) == 2 * Merger.objects.count() > 80
    # The cases the fixture must hold for the comparison to mean something.
    assert any(m.result_agency is None for m in mergers)
    assert any(m.result_agency is not None for m in mergers)
    assert any(m.effective_on is None for m in mergers)
    assert any(m.headcount_before is None for m in mergers)
    assert any(m.reduction_pct is not None for m in mergers)
    assert {m.figures_demo for m in mergers} == {True, False}
    assert any(len(m.stage_list) > 1 for m in mergers)
    assert any(stage.skipped for m in mergers for stage in m.stage_list)
    context = {"request": _request() if with_request else None}
    with translation.override(language):
        with django_assert_num_queries(0):  # merger_list(as_lists=True) reads every column the answer shows
            many = MergerSerializer(mergers, many=True, context=context).data
        for merger in mergers:
            serializer = MergerSerializer(merger, context=context)
            direct = serializer.data
            assert direct == serializer.represent_generic(merger)
            assert list(direct) == list(serializer.fields)  # the same keys, in the same order
        assert many == [MergerSerializer(m, context=context).represent_generic(m) for m in mergers]


def test_fields_keeps_the_fields_named_in_the_serializers_order(quang_ninh):
    mergers = list(merger_list(as_lists=True)[:5])
    serializer = MergerSerializer(mergers, many=True, context={"request": _request()})
    keep_fields(serializer, ["stages", "id", "reduction_pct"])
    assert [list(row) for row in serializer.data] == [["id", "reduction_pct", "stages"]] * 5
    assert serializer.data == [serializer.child.represent_generic(m) for m in mergers]


def test_source_agencies_are_named_as_agencies_are(quang_ninh):
    """`SourceAgency` stands for an agency in the API's lists: its id and `str(agency)`."""
    merger = merger_list(as_lists=True).filter(source_agencies__isnull=False).first()
    agencies = Agency.objects.filter(absorbing_mergers=merger).order_by("pk")
    assert len(merger.source_list) == agencies.count() > 1
    assert merger.source_list == [SourceAgency(a.pk, str(a)) for a in agencies]
    assert [(s.pk, str(s)) for s in merger.source_list] == [(a.pk, str(a)) for a in agencies]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("with_request", [True, False])
def test_a_headcounts_direct_representation_is_drfs(quang_ninh, language, with_request, django_assert_num_queries):
    records = list(headcount_rows().order_by("pk"))
    assert len(records) == HeadcountRecord.objects.count() > 100
    assert any(r.actual is None for r in records) and any(r.actual is not None for r in records)
    assert {r.source_kind for r in records} == {"demo", "published"}
    context = {"request": _request("/api/v1/headcounts/") if with_request else None}
    with translation.override(language):
        assert any(not r.agency.district.full_name.startswith(("Thành phố", "Huyện", "Thị xã")) for r in records) == (
            language == "en"
        )
        with django_assert_num_queries(0):  # headcount_rows reads every column the answer shows
            many = HeadcountSerializer(records, many=True, context=context).data
        for record in records:
            serializer = HeadcountSerializer(record, context=context)
            assert serializer.data == serializer.represent_generic(record)
            assert list(serializer.data) == [name for name, f in serializer.fields.items() if not f.write_only]
        assert many == [HeadcountSerializer(r, context=context).represent_generic(r) for r in records]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("with_request", [True, False])
def test_a_districts_direct_representation_is_drfs(quang_ninh, language, with_request):
    DistrictFactory(established_on=None, dissolved_on=None)  # the fixture's all ended on 2025-07-01
    districts = list(district_list().order_by("code"))
    assert len(districts) == District.objects.count() == 15
    assert {d.successor is None for d in districts} == {True, False}
    assert {d.dissolved_on is None for d in districts} == {True, False}
    context = {"request": _request("/api/v1/districts/") if with_request else None}
    with translation.override(language):
        for district in districts:
            serializer = DistrictSerializer(district, context=context)
            assert serializer.data == serializer.represent_generic(district)
            assert list(serializer.data) == list(serializer.fields)
