"""NetBox-style representations (issue 15): `url` and `display` on every object, brief nested
objects for foreign keys (written as plain keys), `?brief=1`, `?fields=`, one district name."""

from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.api.representations import MSG_BAD_BRIEF, MSG_UNKNOWN_FIELDS, object_url
from districts.models import District
from mergers.models import Agency, HeadcountRecord, Merger

BASE = "http://testserver/api/v1"
HA_LONG = {"id": None, "url": f"{BASE}/districts/193/", "display": "Thành phố Hạ Long", "code": "193"}


@pytest.fixture
def ha_long(quang_ninh):
    return {**HA_LONG, "id": District.objects.get(code="193").pk}


@pytest.mark.parametrize(
    ("path", "lookup"),
    [
        ("provinces", "code"),
        ("districts", "code"),
        ("agency-types", "code"),
        ("agencies", "id"),
        ("programmes", "code"),
        ("mergers", "id"),
        ("headcounts", "id"),
    ],
)
def test_every_object_has_its_url_and_display(quang_ninh, analyst_client, path, lookup):
    results = analyst_client.get(f"/api/v1/{path}/", {"page_size": 500}).json()["results"]
    for obj in results:
        assert obj["url"] == f"{BASE}/{path}/{obj[lookup]}/"
        assert isinstance(obj["display"], str) and obj["display"]
    first = results[0]
    assert analyst_client.get(first["url"]).json() == first


def test_a_headcount_carries_its_agency_and_district(quang_ninh, analyst_client, ha_long):
    record = HeadcountRecord.objects.select_related("agency").get(pk=169)
    body = analyst_client.get("/api/v1/headcounts/169/").json()
    agency = record.agency
    assert body["agency"] == {"id": agency.pk, "url": f"{BASE}/agencies/{agency.pk}/", "display": agency.name}
    assert body["district"] == {
        "id": agency.district.pk,
        "url": f"{BASE}/districts/{agency.district.code}/",
        "display": agency.district.full_name,
        "code": agency.district.code,
    }
    assert body["display"] == f"{agency.name} @ {record.as_of:%d/%m/%Y}"


def test_a_merger_carries_its_programme_district_and_agencies(quang_ninh, analyst_client, ha_long):
    merger = Merger.objects.get(pk=1)
    body = analyst_client.get("/api/v1/mergers/1/").json()
    assert body["district"] == ha_long
    assert body["programme"] == {
        "id": merger.programme.pk,
        "url": f"{BASE}/programmes/khoi-mttq/",
        "display": merger.programme.name,
        "code": "khoi-mttq",
    }
    sources = Agency.objects.filter(absorbing_mergers=merger).order_by("pk")
    assert body["source_agencies"] == [
        {"id": a.pk, "url": f"{BASE}/agencies/{a.pk}/", "display": a.name} for a in sources
    ]
    assert [a["id"] for a in body["source_agencies"]] == [1, 2, 3, 4, 5, 6]
    assert body["result_agency"]["url"] == f"{BASE}/agencies/{merger.result_agency_id}/"
    assert body["display"] == f"{merger.programme.name} – Thành phố Hạ Long"


def test_one_name_for_a_district_everywhere(quang_ninh, analyst_client, ha_long):
    """District.full_name, from the district endpoint to the reports."""
    district = analyst_client.get("/api/v1/districts/193/").json()
    assert (district["name"], district["display"], district["short_name"]) == ("Thành phố Hạ Long",) * 2 + ("Hạ Long",)
    staffing = analyst_client.get("/api/v1/reports/staffing/", {"as_of": "2019-01-01"}).json()
    row = next(r for r in staffing["districts"] if r["district"] == "193")
    headcount = analyst_client.get("/api/v1/headcounts/", {"district": "193", "page_size": 1}).json()["results"][0]
    agency = analyst_client.get("/api/v1/agencies/7/").json()
    merger = analyst_client.get("/api/v1/mergers/1/").json()
    assert {
        row["name"],
        headcount["district"]["display"],
        agency["district"]["display"],
        merger["district"]["display"],
    } == {"Thành phố Hạ Long"}
    # The successor of Hoành Bồ is the same brief object.
    assert analyst_client.get("/api/v1/districts/204/").json()["successor"] == ha_long


def test_writes_take_keys_or_the_brief_objects_read(quang_ninh, editor_client):
    agency = editor_client.get("/api/v1/agencies/7/").json()
    response = editor_client.post(
        "/api/v1/headcounts/",
        {"agency": agency, "as_of": "2021-01-01", "authorised": 20, "source": "Báo cáo", "confirm": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["agency"]["id"] == 7
    body = {
        "name": "Cơ quan mới",
        "district": agency["district"],
        "agency_type": "ban-to-chuc",
        "established_on": "2021-01-01",
    }
    created = editor_client.post("/api/v1/agencies/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["district"]["code"] == "193"


def test_brief_gives_id_url_display_and_the_natural_key(quang_ninh, analyst_client, ha_long):
    body = analyst_client.get("/api/v1/districts/", {"brief": "1", "page_size": 1}).json()
    assert body["results"] == [ha_long]
    assert analyst_client.get("/api/v1/districts/193/", {"brief": "true"}).json() == ha_long
    agency = analyst_client.get("/api/v1/agencies/7/", {"brief": "1"}).json()
    assert agency == {"id": 7, "url": f"{BASE}/agencies/7/", "display": Agency.objects.get(pk=7).name}
    assert list(analyst_client.get("/api/v1/agencies/7/", {"brief": "0"}).json())[:4] == [
        "id",
        "url",
        "display",
        "name",
    ]
    bad = analyst_client.get("/api/v1/agencies/", {"brief": "yes please"})
    assert (bad.status_code, bad.json()) == (400, {"brief": [str(MSG_BAD_BRIEF) % {"value": "yes please"}]})


def test_fields_keeps_only_the_fields_named(quang_ninh, analyst_client, ha_long):
    body = analyst_client.get("/api/v1/headcounts/169/", {"fields": "id,district,authorised"}).json()
    record = HeadcountRecord.objects.get(pk=169)
    assert list(body) == ["id", "district", "authorised"]
    assert body["authorised"] == record.authorised
    rows = analyst_client.get("/api/v1/districts/", {"fields": "code, name", "page_size": 2}).json()["results"]
    assert rows == [{"code": "193", "name": "Thành phố Hạ Long"}, {"code": "194", "name": "Thành phố Móng Cái"}]
    brief = analyst_client.get("/api/v1/districts/193/", {"brief": "1", "fields": "code"}).json()
    assert brief == {"code": "193"}
    content = b"".join(
        analyst_client.get("/api/v1/districts/", {"fields": "code,name", "format": "csv"}).streaming_content
    )
    assert content.decode("utf-8-sig").splitlines()[:2] == ["code,name", "193,Thành phố Hạ Long"]


def test_an_unknown_field_is_a_400_naming_it(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/provinces/", {"fields": "code,population"})
    assert response.status_code == 400
    assert response.json() == {
        "fields": [str(MSG_UNKNOWN_FIELDS) % {"names": "population", "allowed": "id, url, display, code, name"}]
    }
    assert response.json()["fields"][0] == "Không có trường “population”. Các trường: id, url, display, code, name."
    # A write-only field (a headcount's `confirm`) is not a field of the answer.
    confirm = analyst_client.get("/api/v1/headcounts/169/", {"fields": "confirm"})
    assert (confirm.status_code, list(confirm.json())) == (400, ["fields"])


def test_options_describe_the_writable_keys(quang_ninh, editor_client):
    """OPTIONS (DRF's metadata) still works with brief foreign keys: they are described, not listed."""
    response = editor_client.options("/api/v1/agencies/")
    assert response.status_code == 200
    post = response.json()["actions"]["POST"]
    assert (post["district"]["type"], post["district"]["read_only"]) == ("field", False)
    assert post["url"]["read_only"] is True


def test_a_synthetic_district_and_province_have_urls(quang_ninh, analyst_client):
    """The national benchmark data (generate_synthetic) codes its provinces S01 and districts
    S0101: a merger there links to them, and the links answer (they raised NoReverseMatch)."""
    ha_long = District.objects.get(code="193")
    province = type(ha_long.province).objects.create(code="S01", name="Tỉnh tổng hợp 01")
    District.objects.create(code="S0101", name="Tổng hợp 0101", kind="huyen", province=province)
    body = analyst_client.get("/api/v1/districts/S0101/").json()
    assert (body["url"], body["province"]["url"]) == (f"{BASE}/districts/S0101/", f"{BASE}/provinces/S01/")
    assert analyst_client.get("/api/v1/provinces/S01/").json()["display"] == "Tỉnh tổng hợp 01"


@pytest.mark.parametrize(
    ("route", "lookup", "values"),
    [
        ("district-detail", "code", ["193", "S0101"]),
        ("province-detail", "code", ["22", "S01"]),
        ("programme-detail", "code", ["to-chuc-noi-vu", "a_b-9"]),
        ("agencytype-detail", "code", ["ban-to-chuc"]),
        ("merger-detail", "pk", [1, 12345678901]),
        ("agency-detail", "pk", [7]),
        ("headcount-detail", "pk", [169]),
    ],
)
def test_urls_cut_from_one_reversed_route_equal_reverse(route, lookup, values):
    """object_url reverses each route once and formats the key in: the same URL."""
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    for value in values:
        obj = SimpleNamespace(**{lookup: value})
        assert object_url(request, route, lookup, obj) == "http://testserver" + reverse(route, kwargs={lookup: value})
        assert object_url(None, route, lookup, obj) == reverse(route, kwargs={lookup: value})
