"""Tokens, throttling, the OpenAPI schema and its docs, CSV output."""

import csv
import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

TOKEN = "/api/v1/auth/token/"


def test_token_for_username_and_password(analyst):
    client = APIClient()
    response = client.post(TOKEN, {"username": "analyst", "password": "pw-for-tests-1"}, format="json")
    assert response.status_code == 200
    assert list(response.json()) == ["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/provinces/").status_code == 200


def test_wrong_password_gets_no_token(analyst):
    response = APIClient().post(TOKEN, {"username": "analyst", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_bad_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get("/api/v1/provinces/")
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Token")
    assert response.json() == {"detail": "Token không hợp lệ."}


def test_session_authentication_works_too(quang_ninh, leader):
    client = APIClient()
    client.force_login(leader)
    body = client.get("/api/v1/districts/193/").json()
    assert (body["name"], body["short_name"], body["display"]) == ("Thành phố Hạ Long", "Hạ Long", "Thành phố Hạ Long")


def test_anonymous_requests_are_throttled(db):
    client = APIClient()
    statuses = [client.post(TOKEN, {}, format="json").status_code for _ in range(61)]
    assert statuses == [400] * 60 + [429]
    assert list(client.post(TOKEN, {}, format="json").json()) == ["detail"]


def test_schema_describes_every_endpoint_and_validates(db, tmp_path):
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/provinces/",
        "/api/v1/districts/{code}/",
        "/api/v1/agency-types/{code}/",
        "/api/v1/agencies/{id}/",
        "/api/v1/programmes/{code}/",
        "/api/v1/mergers/{id}/complete/",
        "/api/v1/mergers/{id}/advance/",
        "/api/v1/mergers/{id}/cancel/",
        "/api/v1/headcounts/",
        "/api/v1/reports/staffing/",
        "/api/v1/reports/progress/",
        "/api/v1/auth/token/",
    ):
        assert path in paths
    complete = paths["/api/v1/mergers/{id}/complete/"]["post"]
    assert sorted(complete["responses"]) == ["200", "400", "401", "403", "404", "409", "412"]
    assert {p["name"] for p in paths["/api/v1/agencies/"]["get"]["parameters"]} >= {
        "district",
        "agency_type",
        "sector",
        "active_on",
        "q",
        "page",
        "page_size",
        "ordering",
    }
    assert {p["name"] for p in paths["/api/v1/reports/staffing/"]["get"]["parameters"]} == {
        "format",
        "baseline",
        "as_of",
        "province",
        "measure",
        "like_for_like",
    }
    # drf-spectacular's own validation, failing on any warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_docs_are_served_without_any_cdn_or_inline_script(db):
    client = APIClient()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/css/api-docs.css" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "//"):
        assert cdn not in html.replace("http://www.w3.org", "")
    # Every script is a file (a Content-Security-Policy forbids inline ones), styles too.
    assert html.count("<script") == html.count("<script src=") == 3
    assert "<style" not in html
    assert 'style="' not in html
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    assert "/api/schema/" in script.content.decode()


def test_csv_rows_join_lists_and_keep_vietnamese(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/mergers/", {"format": "csv", "district": "193", "programme": "khoi-mttq"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    assert response["Content-Disposition"] == 'attachment; filename="mergers.csv"'
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["id"], row["district"], row["programme"], row["decision_number"]) == (
        "1",
        "193",
        "khoi-mttq",
        "44-QĐ/TU",
    )
    assert row["source_agencies"] == "1; 2; 3; 4; 5; 6"
    assert row["reduction_pct"] == "11.54"
    assert row["stages"].startswith("planned 2015-11-30 ")


def test_csv_of_one_agency(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/agencies/7/", {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="agencies-7.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    # Issue 14: its decisions (44-QĐ/TU, 373/ĐA-CP), its predecessors (the six bloc bodies and Hoành
    # Bồ's common agency), no successor agency, its functions to the province on 2025-07-01.
    assert lines == [
        "id,url,display,name,district,agency_type,sector,established_on,established_on_estimated,dissolved_on,"
        "established_by,dissolved_by,predecessors,successors,successor_province",
        "7,http://testserver/api/v1/agencies/7/,"
        '"Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long",'
        '"Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long"'
        ",193,khoi-mttq,front,2018-06-01,False,2025-07-01,1,7,1; 2; 3; 4; 5; 6; 137,,22",
    ]


@pytest.mark.parametrize("accept", ["text/html", "application/xml"])
def test_errors_are_json_whatever_the_client_accepts(db, accept):
    response = APIClient().get("/api/v1/agencies/", HTTP_ACCEPT=accept)
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]


def test_a_defect_is_a_logged_json_500_not_an_html_page(quang_ninh, analyst_client, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("defect")

    monkeypatch.setattr("reports.api.views.programme_figures", broken)
    response = analyst_client.get("/api/v1/reports/progress/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Lỗi máy chủ. Lỗi đã được ghi lại."}
    assert "Internal Server Error: /api/v1/reports/progress/" in caplog.text
