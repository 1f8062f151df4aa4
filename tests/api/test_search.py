"""`q` on every list, with or without Vietnamese diacritics (issue 15)."""

import pytest

from core.actors import SYSTEM
from mergers import services
from mergers.models import AgencyType, HeadcountRecord, Merger, Programme


def ids(client, path, q, key="id"):
    body = client.get(f"/api/v1/{path}/", {"q": q, "page_size": 500}).json()
    return sorted(row[key] for row in body["results"])


@pytest.mark.parametrize("q", ["Kiểm tra", "kiem tra", "KIEM TRA", "Inspectorate"])
def test_programmes(quang_ninh, analyst_client, q):
    assert ids(analyst_client, "programmes", q, "code") == ["kiem-tra-thanh-tra"]


def test_programmes_by_code_and_the_stored_key(quang_ninh, analyst_client):
    assert ids(analyst_client, "programmes", "noi-vu", "code") == ["to-chuc-noi-vu"]
    assert Programme.objects.get(code="khoi-mttq").search_name.startswith("co quan tham muu, giup viec chung khoi mttq")


def test_a_renamed_programme_is_found_by_its_new_name(quang_ninh, analyst_client):
    programme = Programme.objects.get(code="khoi-mttq")
    services.programme_update(
        user=SYSTEM, programme=programme, data={"name": "Đề án Đông Triều"}, expected_version=None
    )
    assert ids(analyst_client, "programmes", "dong trieu", "code") == ["khoi-mttq"]


@pytest.mark.parametrize("q", ["Hội Nông dân", "hoi nong dan", "Farmers"])
def test_agency_types(quang_ninh, analyst_client, q):
    assert ids(analyst_client, "agency-types", q, "code") == ["hoi-nong-dan"]


@pytest.mark.parametrize("q", ["Đầm Hà", "dam ha"])
def test_mergers_by_district(quang_ninh, analyst_client, q):
    expected = sorted(Merger.objects.filter(district__code="200").values_list("pk", flat=True))
    assert len(expected) == 3
    assert ids(analyst_client, "mergers", q) == expected


def test_mergers_by_programme_agency_or_decision(quang_ninh, analyst_client):
    by_programme = ids(analyst_client, "mergers", "thanh tra")
    assert by_programme == sorted(
        Merger.objects.filter(programme__code="kiem-tra-thanh-tra").values_list("pk", flat=True)
    )
    assert len(ids(analyst_client, "mergers", "44-QĐ/TU")) == 14
    # A source agency's name (the Labour Federation is a source of every MTTQ bloc merger only).
    assert ids(analyst_client, "mergers", "lien doan lao dong") == sorted(
        Merger.objects.filter(programme__code="khoi-mttq").values_list("pk", flat=True)
    )


def test_headcounts_by_agency_district_or_source(quang_ninh, analyst_client):
    co_to = ids(analyst_client, "headcounts", "co to")
    assert co_to == sorted(HeadcountRecord.objects.filter(agency__district__code="207").values_list("pk", flat=True))
    assert co_to
    assert ids(analyst_client, "headcounts", "Cô Tô") == co_to


def test_an_agency_type_keeps_its_search_key_when_renamed(quang_ninh):
    agency_type = AgencyType.objects.get(code="thanh-tra")
    agency_type.name = "Thanh tra Huyện"
    agency_type.save()
    assert AgencyType.objects.get(code="thanh-tra").search_name == "thanh tra huyen inspectorate"
