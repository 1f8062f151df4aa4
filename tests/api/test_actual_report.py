"""GET /api/v1/reports/actual-vs-authorised/: authorised, actual and the gap on the shipped data.

The demo data records actual figures from each merger's result onward, so that a date before
the mergers shows them as not entered, a date in 2019 one agency short (Hạ Long's Cơ quan Tổ
chức - Nội vụ, whose only record is the article's official authorised figure), and 2020 complete.
"""

import pytest

from figures.engine import default_as_of
from mergers.models import Agency

URL = "/api/v1/reports/actual-vs-authorised/"
CODES_2020 = ["193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "205", "206", "207"]


@pytest.fixture
def client(quang_ninh, analyst_client):
    return analyst_client


def test_complete_on_1_june_2020(client):
    body = client.get(URL, {"as_of": "2020-06-01", "province": "22"}).json()
    assert list(body) == ["as_of", "province", "total", "districts", "agencies"]
    assert (body["as_of"], body["province"]) == ("2020-06-01", "22")
    assert body["total"] == {
        "authorised": 606,
        "actual": 548,
        "gap": -58,
        "gap_pct": -9.57,
        "counted": 39,
        "actual_entered": 39,
        "actual_status": "complete",
        "demo": True,
        "missing_actual": [],
        "missing_authorised": [],
        "note": "",
    }
    rows = {row["district"]: row for row in body["districts"]}
    assert list(rows) == CODES_2020
    assert [(r["authorised"], r["actual"], r["gap"]) for r in rows.values()] == [
        (93, 82, -11), (49, 45, -4), (51, 46, -5), (49, 45, -4), (39, 35, -4), (41, 37, -4), (40, 36, -4),
        (41, 37, -4), (39, 35, -4), (42, 38, -4), (46, 42, -4), (46, 42, -4), (30, 28, -2),
    ]  # fmt: skip
    assert rows["193"]["name"] == "Thành phố Hạ Long"
    assert len(body["agencies"]) == 39
    ha_long_bloc = body["agencies"][0]
    assert (ha_long_bloc["name"], ha_long_bloc["agency_type"]) == (
        "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long",
        "khoi-mttq",
    )
    # 23 of its own + 20 from Hoành Bồ on 2020-01-01; 43 - 43 // 8 at work (demo).
    assert (ha_long_bloc["authorised"], ha_long_bloc["actual"], ha_long_bloc["gap"], ha_long_bloc["gap_pct"]) == (
        43,
        38,
        -5,
        -11.63,
    )
    assert sum(a["gap"] for a in body["agencies"]) == -58


def test_one_agency_without_actual_makes_the_sums_missing_not_smaller(client):
    body = client.get(URL, {"as_of": "2019-01-01"}).json()
    total = body["total"]
    assert (total["authorised"], total["actual"], total["gap"], total["gap_pct"]) == (606, None, None, None)
    assert (total["counted"], total["actual_entered"], total["actual_status"]) == (42, 41, "partial")
    tcnv = Agency.objects.get(name="Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long")
    assert total["missing_actual"] == [{"id": tcnv.pk, "name": tcnv.name, "district": "193"}]
    assert total["note"] == ("Chưa nhập số người làm việc thực tế của 1/42 cơ quan, nên tổng là không có số liệu.")
    rows = {row["district"]: row for row in body["districts"]}
    assert (rows["193"]["authorised"], rows["193"]["actual"], rows["193"]["actual_status"]) == (52, None, "partial")
    assert (rows["194"]["authorised"], rows["194"]["actual"], rows["194"]["gap"]) == (49, 45, -4)
    assert (rows["204"]["authorised"], rows["204"]["actual"], rows["204"]["actual_status"]) == (41, 37, "complete")
    agency = next(a for a in body["agencies"] if a["id"] == tcnv.pk)
    assert (agency["authorised"], agency["actual"], agency["gap"], agency["demo"]) == (15, None, None, False)


def test_before_the_mergers_actual_figures_were_not_entered(client):
    body = client.get(URL, {"as_of": "2015-11-30"}).json()
    total = body["total"]
    assert (total["authorised"], total["actual"], total["gap"]) == (700, None, None)
    assert (total["counted"], total["actual_entered"], total["actual_status"]) == (126, 0, "not_entered")
    assert total["note"] == "Chưa nhập số người làm việc thực tế của cơ quan nào vào ngày này."
    assert len(total["missing_actual"]) == 126
    assert [row["actual_status"] for row in body["districts"]] == ["not_entered"] * 14


def test_defaults_to_the_last_day_of_the_district_tier_and_refuses_bad_parameters(client):
    # Today (after 01/07/2025) the district tier has ended: the default is its last day.
    assert client.get(URL).json()["as_of"] == default_as_of().isoformat() == "2025-06-30"
    response = client.get(URL, {"as_of": "2019-02-30"})
    assert response.status_code == 400
    assert list(response.json()) == ["as_of"]
    response = client.get(URL, {"province": "99"})
    assert (response.status_code, list(response.json())) == (400, ["province"])


def test_a_date_before_any_district_is_empty_not_zero(client):
    total = client.get(URL, {"as_of": "1990-01-01"}).json()["total"]
    assert (total["authorised"], total["actual"], total["counted"], total["actual_status"]) == (
        None,
        None,
        0,
        "not_entered",
    )
    assert total["note"] == "Không có cơ quan nào được tính vào ngày này."


def test_the_actual_report_as_csv_lists_agencies_districts_and_the_province(quang_ninh, analyst_client):
    import csv
    import io

    response = analyst_client.get("/api/v1/reports/actual-vs-authorised/", {"as_of": "2020-06-01", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    levels = [row["level"] for row in rows]
    assert levels[-1] == "province" and levels.count("province") == 1
    assert levels.count("district") == 13
    province = rows[-1]
    assert (province["as_of"], province["authorised"], province["actual"], province["gap"]) == (
        "2020-06-01", "606", "548", "-58",
    )  # fmt: skip
