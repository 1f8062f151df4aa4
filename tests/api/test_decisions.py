"""Issue 14 in the API: the decision register, the progress report's headline fields and the
end of the district tier, the focal-point reconciliation (fixture quang_ninh)."""

import pytest

from mergers.models import Agency, Merger

DECISIONS = "/api/v1/decisions/"
PROGRESS = "/api/v1/reports/progress/"
STAFFING = "/api/v1/reports/staffing/"
FOCAL = "/api/v1/reports/focal-points/"


@pytest.fixture
def client(quang_ninh, analyst_client):
    return analyst_client


def _mttq_merger_ids() -> list[int]:
    return list(Merger.objects.filter(programme__code="khoi-mttq").order_by("pk").values_list("pk", flat=True))


def test_decision_44_by_its_exact_number_with_the_14_mttq_mergers(client):
    body = client.get(DECISIONS, {"number": "44-QĐ/TU"}).json()
    assert body["count"] == 1
    decision = body["results"][0]
    assert {k: decision[k] for k in ("number", "date", "issuer", "issuer_name", "kind", "district", "demo")} == {
        "number": "44-QĐ/TU",
        "date": "2015-11-30",
        "issuer": "btv-tinh-uy",
        "issuer_name": "Ban Thường vụ Tỉnh ủy",
        "kind": "quyet-dinh",
        "district": None,
        "demo": False,
    }
    assert decision["title"].startswith("Phê duyệt Đề án “Xây dựng cơ quan tham mưu, giúp việc chung khối MTTQ")
    assert decision["programmes"] == ["khoi-mttq"]
    mttq = _mttq_merger_ids()
    assert len(mttq) == 14 and decision["mergers"] == mttq
    events = decision["events"]
    assert [e["id"] for e in events if e["type"] == "merger"] == mttq
    # Each bloc merger's two stages (planned on 30/11/2015, completed), its 6 sources' end and its result.
    assert {t: sum(1 for e in events if e["type"] == t) for t in {e["type"] for e in events}} == {
        "programme": 1,
        "merger": 14,
        "merger_stage": 28,
        "agency_established": 14,
        "agency_dissolved": 84,
    }
    first = next(e for e in events if e["type"] == "merger")
    assert first == {
        "type": "merger",
        "id": mttq[0],
        "date": "2018-06-01",
        "label": "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể chính trị - xã hội cấp huyện – "
        "Thành phố Hạ Long",
        "url": f"/mergers/{mttq[0]}/",
        "programme": "khoi-mttq",
        "district": "193",
        "status": "completed",
    }


def test_the_mergers_cite_the_register(client):
    mttq = _mttq_merger_ids()[0]
    body = client.get(f"/api/v1/mergers/{mttq}/").json()
    decision = client.get(DECISIONS, {"number": "44-QĐ/TU"}).json()["results"][0]["id"]
    assert (body["decision"], body["decision_number"], body["decided_on"]) == (decision, "44-QĐ/TU", "2015-11-30")
    assert [s["decision"] for s in body["stages"]] == [decision, decision]


def test_the_known_decisions_and_the_district_changes(client):
    unified = {
        r["number"]: (r["date"], r["issuer"], r["kind"], r["demo"], r["districts"])
        for r in client.get(DECISIONS, {"issuer": "ubtvqh"}).json()["results"]
        + client.get(DECISIONS, {"issuer": "chinh-phu"}).json()["results"]
    }
    thirteen = ["193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "205", "206", "207"]
    assert unified == {
        "837/NQ-UBTVQH14": ("2019-12-17", "ubtvqh", "nghi-quyet", False, ["204"]),
        "373/ĐA-CP": ("2025-05-09", "chinh-phu", "de-an", False, thirteen),
    }


def test_filters_kind_dates_and_a_search_without_diacritics(client):
    numbers = [r["number"] for r in client.get(DECISIONS, {"kind": "de-an", "ordering": "date"}).json()["results"]]
    assert numbers == ["DEMO-04/ĐA-TU", "373/ĐA-CP"]
    found = client.get(DECISIONS, {"q": "nhap huyen hoanh bo vao thanh pho ha long"}).json()["results"]
    assert [r["number"] for r in found] == ["837/NQ-UBTVQH14"]
    window = client.get(DECISIONS, {"date_after": "2019-01-01", "date_before": "2025-12-31", "ordering": "date"})
    assert [r["number"] for r in window.json()["results"]] == ["837/NQ-UBTVQH14", "373/ĐA-CP"]
    # 7 of the province and the State, 28 of the districts (the 2018 mergers, demo).
    assert client.get(DECISIONS).json()["count"] == 35
    assert client.get(DECISIONS, {"issuer": "huyen-uy", "district": "200"}).json()["count"] == 2
    assert client.get(DECISIONS, {"issuer": "nope"}).status_code == 400


def test_only_the_three_known_decisions_are_real(client):
    results = client.get(DECISIONS, {"page_size": 100}).json()["results"]
    assert sorted(r["number"] for r in results if not r["demo"]) == ["373/ĐA-CP", "44-QĐ/TU", "837/NQ-UBTVQH14"]
    # 44-QĐ/TU is known from the 2017 article (published); the other two are public record (official).
    assert sorted((r["number"], r["source_kind"]) for r in results if not r["demo"]) == [
        ("373/ĐA-CP", "official"),
        ("44-QĐ/TU", "published"),
        ("837/NQ-UBTVQH14", "official"),
    ]


def test_progress_on_27_september_2017_gives_the_headlines_directly(client):
    body = client.get(PROGRESS, {"as_of": "2017-09-27", "province": "22"}).json()
    mttq = next(p for p in body["programmes"] if p["programme"] == "khoi-mttq")
    headline = ("completed", "total", "headcount_before", "headcount_after", "reduction", "reduction_pct")
    assert [mttq[k] for k in headline] == [12, 14, 279, 244, 35, 12.54]
    assert (mttq["focal_points_removed"], mttq["demo"]) == (60, True)
    assert body["totals"] == {
        "completed": 12,
        "total": 42,
        "mergers": 12,
        "mergers_without_data": 0,
        "headcount_before": 279,
        "headcount_after": 244,
        "reduction": 35,
        "reduction_pct": 12.54,
        "focal_points_removed": 60,
        "demo": True,
    }
    assert body["district_tier"]["active_districts"] == 14 and body["district_tier"]["ended"] is False


def test_the_2018_programmes_remove_28_focal_points_in_the_totals(client):
    body = client.get(PROGRESS, {"as_of": "2018-12-31", "province": "22"}).json()
    removed = {p["programme"]: p["focal_points_removed"] for p in body["programmes"]}
    assert removed == {"khoi-mttq": 70, "kiem-tra-thanh-tra": 14, "to-chuc-noi-vu": 14}
    assert (body["totals"]["completed"], body["totals"]["total"], body["totals"]["focal_points_removed"]) == (
        42,
        42,
        98,
    )


def test_on_2_july_2025_no_district_is_active_and_the_report_says_why(client):
    body = client.get(PROGRESS, {"as_of": "2025-07-02", "province": "22"}).json()
    assert {p["programme"]: (p["completed"], p["total"]) for p in body["programmes"]} == {
        "khoi-mttq": (0, 0),
        "kiem-tra-thanh-tra": (0, 0),
        "to-chuc-noi-vu": (0, 0),
    }
    # What the mergers removed stays: the results of 2015-2018 are history.
    assert (body["totals"]["focal_points_removed"], body["totals"]["reduction"]) == (98, 94)
    tier = body["district_tier"]
    decision = tier.pop("decision")
    assert tier == {
        "on": "2025-07-02",
        "active_districts": 0,
        "ended": True,
        "ended_on": "2025-07-01",
        "last_day": "2025-06-30",
        "successor_province": "22",
    }
    assert (decision["number"], decision["date"], decision["issuer"]) == ("373/ĐA-CP", "2025-05-09", "chinh-phu")
    staffing = client.get(STAFFING, {"baseline": "2025-06-30", "as_of": "2025-07-02", "province": "22"}).json()
    assert staffing["district_tier"]["ended"] is True
    # As on the web pages: the last day's figures, and a note saying so.
    assert (staffing["requested_as_of"], staffing["as_of"], staffing["baseline"]) == (
        "2025-07-02",
        "2025-06-30",
        "2025-06-30",
    )
    assert (staffing["total"]["agencies_baseline"], staffing["total"]["agencies_current"]) == (39, 39)
    assert staffing["note"] == (
        "Ngày 02/07/2025 không còn đơn vị hành chính cấp huyện nào hoạt động: cấp huyện đã kết thúc từ ngày "
        "01/07/2025; theo đề án 373/ĐA-CP ngày 09/05/2025 của Chính phủ; chức năng chuyển về tỉnh Quảng Ninh. "
        "Số liệu dưới đây là số liệu cuối cùng, ngày 30/06/2025."
    )


def test_a_staffing_report_after_the_tier_clamps_like_the_dashboard(client, leader):
    """The API and the dashboard read one rule (figures.engine.within_tier): the same figures."""
    from django.test import Client

    staffing = client.get(STAFFING, {"baseline": "2015-11-30", "as_of": "2026-01-15", "province": "22"}).json()
    web = Client()
    web.force_login(leader)
    page = web.get("/", {"baseline": "30/11/2015", "as_of": "15/01/2026"})
    total = page.context["report"].total
    assert (staffing["as_of"], page.context["as_of"].isoformat()) == ("2025-06-30", "2025-06-30")
    assert (staffing["total"]["headcount_baseline"], staffing["total"]["headcount_current"]) == (
        total.headcount_baseline,
        total.headcount_current,
    )
    assert staffing["total"]["headcount_current"] == 606
    assert staffing["note"].endswith("Số liệu dưới đây là số liệu cuối cùng, ngày 30/06/2025.")
    csv = client.get(
        STAFFING, {"baseline": "2015-11-30", "as_of": "2026-01-15", "province": "22", "format": "csv"}
    ).content.decode("utf-8-sig")
    header, first = csv.splitlines()[:2]
    assert header.split(",")[:2] == ["baseline", "as_of"] and header.endswith(",requested_as_of")
    assert first.startswith("2015-11-30,2025-06-30,") and first.endswith(",2026-01-15")
    # Before the end of the tier nothing moves and nothing is said.
    before = client.get(STAFFING, {"baseline": "2015-11-30", "as_of": "2025-06-30", "province": "22"}).json()
    assert (before["as_of"], before["requested_as_of"], before["note"]) == ("2025-06-30", "2025-06-30", "")


def test_the_staffing_report_says_demo_on_each_row_and_the_total(client):
    body = client.get(STAFFING, {"baseline": "2015-11-30", "as_of": "2020-06-01", "province": "22"}).json()
    assert [row["demo"] for row in body["districts"]] == [True] * 13
    assert body["total"]["demo"] is True


def test_the_reconciliation_2015_2020_balances_and_names_hoanh_bos_three(client):
    body = client.get(FOCAL, {"baseline": "2015-11-30", "as_of": "2020-12-31", "province": "22"}).json()
    counts = [body[term]["count"] for term in ("start", "established", "merged_away", "dissolved", "end")]
    assert counts == [140, 42, 143, 0, 39]
    assert (body["balanced"], body["change"]) == (True, -101)
    moved = [a for a in body["merged_away"]["agencies"] if a["cause"] == "district"]
    ha_long = {
        a.agency_type.code: a.pk
        for a in Agency.objects.filter(
            district__code="193", established_on__lte="2020-01-01", dissolved_on="2025-07-01"
        )
    }
    assert [(a["name"], a["date"], a["decision"], a["successor"]["id"], a["successor"]["district"]) for a in moved] == [
        (
            "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể huyện Hoành Bồ",
            "2020-01-01",
            "837/NQ-UBTVQH14",
            ha_long["khoi-mttq"],
            "193",
        ),
        (
            "Cơ quan Tổ chức - Nội vụ Huyện ủy Hoành Bồ",
            "2020-01-01",
            "837/NQ-UBTVQH14",
            ha_long["to-chuc-noi-vu"],
            "193",
        ),
        (
            "Cơ quan Kiểm tra - Thanh tra Huyện ủy Hoành Bồ",
            "2020-01-01",
            "837/NQ-UBTVQH14",
            ha_long["kiem-tra-thanh-tra"],
            "193",
        ),
    ]
    assert moved[0]["url"] == f"/agencies/{moved[0]['id']}/"
    causes = [(c["programme"] or c["decision"], c["established"], c["merged_away"], c["net"]) for c in body["causes"]]
    assert causes == [
        ("khoi-mttq", 14, 84, -70),
        ("kiem-tra-thanh-tra", 14, 28, -14),
        ("to-chuc-noi-vu", 14, 28, -14),
        ("837/NQ-UBTVQH14", 0, 3, -3),
    ]


def test_the_reconciliation_explains_the_28_of_2018(client):
    body = client.get(FOCAL, {"baseline": "2017-12-31", "as_of": "2018-12-31", "province": "22"}).json()
    assert [body[t]["count"] for t in ("start", "established", "merged_away", "dissolved", "end")] == [
        80,
        30,
        68,
        0,
        42,
    ]
    nets = {c["programme"]: c["net"] for c in body["causes"]}
    assert nets == {"khoi-mttq": -10, "kiem-tra-thanh-tra": -14, "to-chuc-noi-vu": -14}
    assert nets["kiem-tra-thanh-tra"] + nets["to-chuc-noi-vu"] == -28


def test_the_reconciliation_to_the_end_of_the_tier_and_for_one_district(client):
    body = client.get(FOCAL, {"baseline": "2025-06-30", "as_of": "2025-07-01", "province": "22"}).json()
    assert [body[t]["count"] for t in ("start", "established", "merged_away", "dissolved", "end")] == [39, 0, 0, 39, 0]
    assert {(a["cause"], a["decision"], a["successor_province"]) for a in body["dissolved"]["agencies"]} == {
        ("district", "373/ĐA-CP", "22")
    }
    hoanh_bo = client.get(FOCAL, {"baseline": "2015-11-30", "as_of": "2020-01-01", "district": "204"}).json()
    assert (hoanh_bo["province"], hoanh_bo["district"]) == ("22", "204")
    assert [hoanh_bo[t]["count"] for t in ("start", "established", "merged_away", "dissolved", "end")] == [
        10,
        3,
        13,
        0,
        0,
    ]
    assert client.get(FOCAL, {"district": "999"}).status_code == 400
