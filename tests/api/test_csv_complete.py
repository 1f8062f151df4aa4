"""CSV that a spreadsheet or pandas can take whole (issue 15): every filtered row of a list,
streamed, up to a stated bound; the reports as CSV; the exports with a token; formula-safe."""

import csv
import datetime
import io

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from core.actors import SYSTEM
from core.api.views import MSG_CSV_TOO_MANY
from districts.models import District
from mergers import services
from mergers.models import Agency, AgencyType, HeadcountRecord
from tests.api.conftest import token_client


def streamed_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_list_is_every_filtered_row(quang_ninh, analyst_client):
    all_rows = streamed_rows(analyst_client.get("/api/v1/headcounts/", {"format": "csv"}))
    assert len(all_rows) == HeadcountRecord.objects.count() == 171
    ha_long = streamed_rows(analyst_client.get("/api/v1/headcounts/", {"format": "csv", "district": "193"}))
    assert len(ha_long) == 15
    assert {row["district"] for row in ha_long} == {"193"}
    assert ha_long[0]["url"].startswith("http://testserver/api/v1/headcounts/")
    # Filters and ordering apply, pages do not.
    ordered = streamed_rows(analyst_client.get("/api/v1/agencies/", {"format": "csv", "ordering": "-id", "page": "2"}))
    assert [int(r["id"]) for r in ordered] == sorted(Agency.objects.values_list("id", flat=True), reverse=True)


@override_settings(API_CSV_MAX_ROWS=100)
def test_more_rows_than_the_bound_is_a_400_naming_it(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/headcounts/", {"format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"format": [str(MSG_CSV_TOO_MANY) % {"limit": 100, "count": 171}]}
    assert response.json()["format"][0].startswith("CSV có tối đa 100 dòng; danh sách đã lọc có 171 dòng.")
    assert len(streamed_rows(analyst_client.get("/api/v1/headcounts/", {"format": "csv", "district": "193"}))) == 15


def test_the_staffing_report_as_csv(quang_ninh, analyst_client):
    params = {"baseline": "2015-11-30", "as_of": "2020-06-01", "province": "22", "format": "csv"}
    response = analyst_client.get("/api/v1/reports/staffing/", params)
    assert response["Content-Disposition"] == 'attachment; filename="reports-staffing.csv"'
    table = rows(response)
    json = analyst_client.get("/api/v1/reports/staffing/", {k: v for k, v in params.items() if k != "format"}).json()
    assert len(table) == len(json["districts"]) + 1
    first = table[0]
    assert list(first)[:6] == ["baseline", "as_of", "province", "measure", "like_for_like", "district"]
    district = json["districts"][0]
    assert (first["baseline"], first["as_of"], first["province"], first["district"], first["name"]) == (
        "2015-11-30",
        "2020-06-01",
        "22",
        district["district"],
        district["name"],
    )
    assert first["headcount_current"] == (
        "" if district["headcount_current"] is None else str(district["headcount_current"])
    )
    total = table[-1]
    assert (total["district"], total["name"]) == ("", "Toàn tỉnh")
    assert total["headcount_baseline"] == str(json["total"]["headcount_baseline"])


def test_the_progress_report_as_csv(quang_ninh, analyst_client):
    table = rows(analyst_client.get("/api/v1/reports/progress/", {"as_of": "2017-09-27", "format": "csv"}))
    assert [row["programme"] for row in table] == ["khoi-mttq", "kiem-tra-thanh-tra", "to-chuc-noi-vu"]
    mttq = table[0]
    assert (mttq["as_of"], mttq["completed"], mttq["total"]) == ("2017-09-27", "12", "14")
    assert mttq["districts_pending"] == "193; 200"


@pytest.mark.parametrize("path", ["/exports/bao-cao-bien-che", "/exports/tien-do-hop-nhat"])
def test_exports_take_a_token(quang_ninh, analyst, path):
    client = token_client(analyst)
    csv_response = client.get(f"{path}.csv", {"as_of": "2020-06-01"})
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response.content.decode("utf-8-sig").splitlines()[0].startswith("Mã GSO,Đơn vị,Ghi chú,")
    xlsx = client.get(f"{path}.xlsx", {"as_of": "2020-06-01"})
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    refused = bad.get(f"{path}.csv")
    assert (refused.status_code, refused["WWW-Authenticate"], refused.json()) == (
        401,
        "Token",
        {"detail": "Token không hợp lệ."},
    )
    # Without a token: the login page, as before.
    anonymous = APIClient().get(f"{path}.csv")
    assert (anonymous.status_code, anonymous["Location"].split("?")[0]) == (302, "/accounts/login/")


def test_a_token_without_a_role_is_refused_by_the_exports(quang_ninh, nobody):
    assert token_client(nobody).get("/exports/bao-cao-bien-che.csv").status_code == 403


def test_every_typed_cell_stays_formula_safe(quang_ninh, analyst_client):
    day = datetime.date(2021, 1, 1)
    agency = services.agency_create(
        user=SYSTEM,
        district=District.objects.get(code="193"),
        agency_type=AgencyType.objects.get(code="ban-to-chuc"),
        name='=HYPERLINK("http://evil.example","x")',
        established_on=day,
    )
    services.headcount_record(user=SYSTEM, agency=agency, as_of=day, authorised=3, source="+cmd|' /C calc'!A0")
    table = streamed_rows(analyst_client.get("/api/v1/headcounts/", {"format": "csv", "agency": str(agency.pk)}))
    assert table[0]["source"] == "'+cmd|' /C calc'!A0"
    assert table[0]["display"].startswith("'=HYPERLINK(")
    agencies = streamed_rows(analyst_client.get("/api/v1/agencies/", {"format": "csv", "q": "hyperlink"}))
    assert (agencies[0]["name"], agencies[0]["display"]) == ("'" + agency.name, "'" + agency.name)
    one = rows(analyst_client.get(f"/api/v1/agencies/{agency.pk}/", {"format": "csv"}))
    assert one[0]["name"] == "'" + agency.name
