"""Plausibility warnings through the API: 400 with the warnings unless `confirm` is true."""

import datetime

import pytest

from mergers.models import HeadcountRecord
from tests.factories import AgencyFactory, HeadcountFactory

D = datetime.date
CONFIRM = "Số liệu có điểm bất thường (xem cảnh báo). Hãy kiểm tra lại; nếu số liệu đúng, hãy xác nhận để lưu."


@pytest.fixture
def agency(db):
    agency = AgencyFactory(established_on=D(2010, 1, 1))
    HeadcountFactory(agency=agency, as_of=D(2017, 1, 1), authorised=20, actual=18)
    return agency


def body(agency, **figures):
    return {"agency": agency.pk, "as_of": "2018-01-01", "source": "Báo cáo", "source_kind": "official", **figures}


def test_actual_above_authorised_is_refused_until_confirmed(editor_client, agency):
    response = editor_client.post("/api/v1/headcounts/", body(agency, authorised=20, actual=21), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "actual": ["Số người làm việc thực tế (21) lớn hơn biên chế được giao (20)."],
        "confirm": [CONFIRM],
    }
    assert not HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).exists()
    response = editor_client.post(
        "/api/v1/headcounts/", body(agency, authorised=20, actual=21, confirm=True), format="json"
    )
    assert response.status_code == 201, response.content
    assert "confirm" not in response.json()
    assert HeadcountRecord.objects.get(as_of=D(2018, 1, 1)).actual == 21


def test_a_change_of_more_than_half_is_refused_until_confirmed(editor_client, agency):
    response = editor_client.post("/api/v1/headcounts/", body(agency, authorised=31, actual=18), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "authorised": ["Biên chế được giao thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 20 → 31."],
        "confirm": [CONFIRM],
    }
    # Half exactly is plausible.
    response = editor_client.post("/api/v1/headcounts/", body(agency, authorised=30, actual=9), format="json")
    assert response.status_code == 201, response.content


def test_an_update_is_compared_with_the_records_around_it(editor_client, agency):
    record = HeadcountFactory(agency=agency, as_of=D(2018, 1, 1), authorised=20, actual=18)
    HeadcountFactory(agency=agency, as_of=D(2019, 1, 1), authorised=20, actual=18)
    response = editor_client.patch(f"/api/v1/headcounts/{record.pk}/", {"actual": 5}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "actual": [
            "Số người làm việc thực tế thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 18 → 5.",
            "Số người làm việc thực tế thay đổi hơn một nửa so với số liệu ngày 01/01/2019: 5 → 18.",
        ],
        "confirm": [CONFIRM],
    }
    response = editor_client.patch(f"/api/v1/headcounts/{record.pk}/", {"actual": 5, "confirm": True}, format="json")
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.actual == 5


def test_confirm_is_in_the_schema(editor_client):
    schema = editor_client.get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["HeadcountRequest"]["properties"]["confirm"]
    assert field["type"] == "boolean"
    assert field["writeOnly"] is True
    assert "confirm=true" in field["description"]
