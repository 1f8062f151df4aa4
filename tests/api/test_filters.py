"""The API lists filter through the shared FilterSets: exact counts on the Quảng Ninh data."""

import pytest


def codes(response, key="code"):
    assert response.status_code == 200, response.json()
    return [row[key] for row in response.json()["results"]]


def count(client, path, **params):
    response = client.get(path, {"page_size": 500, **params})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert len(body["results"]) == body["count"]
    return body["count"]


@pytest.fixture
def client(quang_ninh, analyst_client):
    return analyst_client


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 14),
        ({"province": "22"}, 14),
        ({"province": "99"}, 0),
        ({"kind": "huyen"}, 8),
        ({"kind": "thanh-pho"}, 4),
        ({"kind": "thi-xa"}, 2),
        ({"active_on": "2019-12-31"}, 14),
        ({"active_on": "2020-01-01"}, 13),
    ],
)
def test_district_filters(client, params, expected):
    assert count(client, "/api/v1/districts/", **params) == expected


@pytest.mark.parametrize(
    ("q", "expected"), [("Ha Long", ["193"]), ("Hạ Long", ["193"]), ("Dam Ha", ["200"]), ("dam ha", ["200"])]
)
def test_district_search_ignores_diacritics(client, q, expected):
    assert codes(client.get("/api/v1/districts/", {"q": q})) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 182),
        ({"district": "193"}, 13),
        ({"district": "204"}, 13),
        ({"agency_type": "khoi-mttq"}, 14),
        ({"agency_type": "khoi-mttq", "district": "193"}, 1),
        ({"sector": "party"}, 56),
        ({"active_on": "2020-06-01"}, 39),
        ({"active_on": "2020-06-01", "district": "193"}, 3),
        ({"q": "Ha Long"}, 13),
        ({"q": "Dam Ha"}, 13),
        ({"q": "Đầm Hà"}, 13),
        ({"q": "phong noi vu huyen dam ha"}, 1),
    ],
)
def test_agency_filters(client, params, expected):
    assert count(client, "/api/v1/agencies/", **params) == expected


def test_agency_search_without_diacritics_finds_the_vietnamese_name(client):
    names = codes(client.get("/api/v1/agencies/", {"q": "phong noi vu huyen dam ha"}), key="name")
    assert names == ["Phòng Nội vụ huyện Đầm Hà"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 42),
        ({"programme": "khoi-mttq"}, 14),
        ({"programme": "khoi-mttq", "status": "completed"}, 14),
        ({"programme": "khoi-mttq", "status": "planned"}, 0),
        ({"district": "193"}, 3),
        ({"effective_before": "2017-09-27"}, 12),
        ({"effective_after": "2018-01-01"}, 30),
        ({"programme": "khoi-mttq", "effective_after": "2018-01-01"}, 2),
    ],
)
def test_merger_filters(client, params, expected):
    assert count(client, "/api/v1/mergers/", **params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 171),
        ({"agency": "7"}, 2),
        ({"district": "193"}, 15),
        ({"as_of_after": "2015-01-01", "as_of_before": "2015-12-31"}, 126),
        ({"agency": "7", "as_of_after": "2020-01-01"}, 1),
    ],
)
def test_headcount_filters(client, params, expected):
    assert count(client, "/api/v1/headcounts/", **params) == expected


def test_agency_type_filter_by_sector(client):
    assert codes(client.get("/api/v1/agency-types/", {"sector": "government"})) == ["phong-noi-vu", "thanh-tra"]


def test_ordering(client):
    assert codes(client.get("/api/v1/districts/", {"ordering": "-code", "page_size": 3})) == ["207", "206", "205"]
    assert codes(client.get("/api/v1/agencies/", {"ordering": "-id", "page_size": 2}), key="id") == [182, 181]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/districts/", {"kind": "tinh"}, "kind"),
        ("/api/v1/districts/", {"active_on": "2020-02-30"}, "active_on"),
        ("/api/v1/agencies/", {"district": "999"}, "district"),
        ("/api/v1/agencies/", {"agency_type": "khong-co"}, "agency_type"),
        ("/api/v1/agencies/", {"active_on": "hôm nay"}, "active_on"),
        ("/api/v1/mergers/", {"programme": "khong-co"}, "programme"),
        ("/api/v1/mergers/", {"status": "bogus"}, "status"),
        ("/api/v1/mergers/", {"effective_after": "2018-13-01"}, "effective_after"),
        ("/api/v1/headcounts/", {"agency": "abc"}, "agency"),
        ("/api/v1/headcounts/", {"as_of_before": "2018-02-30"}, "as_of_before"),
    ],
)
def test_bad_filter_values_answer_400_naming_the_parameter(client, path, params, field):
    response = client.get(path, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]


def test_bad_filter_value_is_json_even_when_csv_was_asked_for(client):
    response = client.get("/api/v1/agencies/", {"district": "999", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["district"]


def test_page_size_is_capped_at_500(client):
    body = client.get("/api/v1/headcounts/", {"page_size": 100000}).json()
    assert len(body["results"]) == 171
    body = client.get("/api/v1/agencies/", {"page_size": 2}).json()
    assert len(body["results"]) == 2
    assert body["next"] == "http://testserver/api/v1/agencies/?page=2&page_size=2"


@pytest.mark.parametrize("page", ["99", "0", "abc", "-1"])
def test_page_out_of_range_is_json_404(client, page):
    response = client.get("/api/v1/agencies/", {"page": page})
    assert response.status_code == 404
    assert response.json() == {"detail": "Trang không hợp lệ."}


def test_unknown_url_under_api_is_json_404(client):
    for path in ("/api/v1/nothing/", "/api/v2/", "/api/v1/districts"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Không tìm thấy."}


def test_unknown_format_is_json_404(client):
    response = client.get("/api/v1/agencies/", {"format": "xml"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy."}
