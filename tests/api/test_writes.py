"""Agencies, programmes and headcounts written through the API answer with the services' rules."""

import pytest

from districts.models import District, EditorScope
from districts.scope import MSG_DISTRICT_NOT_ALLOWED
from mergers import services
from mergers.models import Agency, HeadcountRecord, Programme
from registry.api.serializers import MSG_CODE_FIXED, MSG_DISTRICT_FIXED, MSG_FIXED

HC = "/api/v1/headcounts/"


@pytest.fixture
def client(quang_ninh, editor_client):
    return editor_client


def refused(response, status_code=400) -> dict:
    assert response.status_code == status_code, response.json()
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_headcount_rules_come_from_the_service(client):
    before = HeadcountRecord.objects.count()
    body = refused(client.post(HC, {"agency": 7, "as_of": "2021-01-01", "source": " "}))
    assert body == {
        "authorised": [str(services.MSG_HEADCOUNT_NO_FIGURE)],
        "source": [str(services.MSG_SOURCE_REQUIRED)],
    }
    name = "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long"
    body = refused(client.post(HC, {"agency": 7, "as_of": "2020-01-01", "authorised": 1, "source": "x"}))
    assert body == {"as_of": [str(services.MSG_HEADCOUNT_EXISTS) % {"agency": name, "date": "01/01/2020"}]}
    body = refused(client.post(HC, {"agency": 1, "as_of": "2019-01-01", "authorised": 1, "source": "x"}))
    assert body == {
        "as_of": [
            str(services.MSG_HEADCOUNT_NOT_ACTIVE)
            % {"agency": "Cơ quan Ủy ban MTTQ Việt Nam thành phố Hạ Long", "date": "01/01/2019"}
        ]
    }
    body = refused(client.post(HC, {"agency": 7, "as_of": "2021-01-01", "authorised": -2, "source": "x"}))
    assert body == {"authorised": [str(services.MSG_NEGATIVE)]}
    assert HeadcountRecord.objects.count() == before


def test_headcount_update_keeps_agency_and_date(client):
    body = refused(client.patch("/api/v1/headcounts/169/", {"as_of": "2019-01-01"}))
    assert body == {"as_of": [str(MSG_FIXED)]}
    response = client.put(
        "/api/v1/headcounts/169/",
        {
            "agency": 7,
            "as_of": "2020-01-01",
            "authorised": 44,
            "actual": 40,
            "source": "Báo cáo",
            "source_kind": "official",
            "confirm": True,  # 44 is more than half above the agency's record before (see test_headcount_warnings)
        },
    )
    assert response.status_code == 200
    record = HeadcountRecord.objects.get(pk=169)
    assert (record.authorised, record.actual, record.source, record.source_kind, record.version) == (
        44,
        40,
        "Báo cáo",
        "official",
        2,
    )


def test_agency_rules(client):
    before = Agency.objects.count()
    body = refused(
        client.post(
            "/api/v1/agencies/",
            {
                "district": "193",
                "agency_type": "ban-to-chuc",
                "name": "Cơ quan thử",
                "established_on": "2021-01-01",
                "dissolved_on": "2020-01-01",
            },
        )
    )
    assert body == {"non_field_errors": ["Ngày chấm dứt hoạt động không được trước ngày thành lập."]}
    body = refused(
        client.post(
            "/api/v1/agencies/",
            {"district": "193", "agency_type": "khong-co", "name": "x", "established_on": "2021-01-01"},
        )
    )
    assert body == {"agency_type": ["Không có đối tượng có code=khong-co."]}
    assert Agency.objects.count() == before
    assert refused(client.patch("/api/v1/agencies/7/", {"district": "194"})) == {"district": [str(MSG_DISTRICT_FIXED)]}
    # Its own district, given again, is no change.
    assert client.patch("/api/v1/agencies/7/", {"district": "193", "dissolved_on": "2030-01-01"}).status_code == 200
    assert str(Agency.objects.get(pk=7).dissolved_on) == "2030-01-01"


def test_programme_rules(client):
    body = refused(
        client.post(
            "/api/v1/programmes/", {"code": "khoi-mttq", "name": "x", "source_types": [], "result_type": "mttq"}
        )
    )
    assert body == {"code": ["Đề án có Mã đã tồn tại."]}
    assert refused(client.patch("/api/v1/programmes/khoi-mttq/", {"code": "moi"})) == {"code": [str(MSG_CODE_FIXED)]}
    response = client.patch("/api/v1/programmes/khoi-mttq/", {"source_types": ["mttq", "hoi-nong-dan"]})
    assert response.status_code == 200
    assert [t["code"] for t in response.json()["source_types"]] == ["hoi-nong-dan", "mttq"]
    assert sorted(Programme.objects.get(code="khoi-mttq").source_types.values_list("code", flat=True)) == [
        "hoi-nong-dan",
        "mttq",
    ]


def test_editor_scope_limits_agency_and_headcount_writes(client, editor):
    scope = EditorScope.objects.create(user=editor)
    scope.districts.set([District.objects.get(code="194")])
    agencies, records = Agency.objects.count(), HeadcountRecord.objects.count()
    forbidden = {"detail": str(MSG_DISTRICT_NOT_ALLOWED) % {"district": "Thành phố Hạ Long"}}
    response = client.post(
        "/api/v1/agencies/",
        {"district": "193", "agency_type": "ban-to-chuc", "name": "x", "established_on": "2021-01-01"},
    )
    assert refused(response, 403) == forbidden
    response = client.post(HC, {"agency": 7, "as_of": "2021-01-01", "authorised": 1, "source": "x"})
    assert refused(response, 403) == forbidden
    assert refused(client.patch("/api/v1/agencies/7/", {"name": "Tên mới"}), 403) == forbidden
    assert (Agency.objects.count(), HeadcountRecord.objects.count()) == (agencies, records)
    assert Agency.objects.get(pk=7).name != "Tên mới"
    # In his own district he writes.
    response = client.post(
        "/api/v1/agencies/",
        {"district": "194", "agency_type": "ban-to-chuc", "name": "Cơ quan mới", "established_on": "2021-01-01"},
    )
    assert response.status_code == 201


def test_malformed_bodies_answer_400(client):
    assert list(refused(client.post("/api/v1/headcounts/", [1, 2]))) == ["non_field_errors"]
    response = client.post("/api/v1/mergers/1/complete/", "null", content_type="application/json")
    assert list(refused(response)) == ["non_field_errors"]
    response = client.post("/api/v1/agencies/", "<xml/>", content_type="application/xml")
    assert refused(response, 415) == {"detail": "Không hỗ trợ kiểu nội dung “application/xml” trong yêu cầu."}


def test_api_root_lists_the_endpoints_for_signed_in_users(client, anon_client):
    body = client.get("/api/v1/").json()
    assert list(body) == [
        "provinces",
        "districts",
        "agency-types",
        "agencies",
        "programmes",
        "mergers",
        "headcounts",
        "decisions",
    ]
    assert anon_client.get("/api/v1/").status_code == 401


def test_history_records_who_wrote_through_the_api(client, editor):
    assert client.patch("/api/v1/agencies/7/", {"name": "Tên mới"}).status_code == 200
    latest = Agency.history.filter(id=7).latest("history_date")
    assert (latest.name, latest.history_user) == ("Tên mới", editor)
