"""The report endpoints against the figures of the seed articles (fixture quang_ninh)."""

import datetime

import pytest
from django.contrib.auth.models import Permission

from mergers.models import Decision
from tests.api.conftest import token_client

STAFFING = "/api/v1/reports/staffing/"
PROGRESS = "/api/v1/reports/progress/"
ALL_CODES = ["193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207"]


SOURCE_KIND_FIGURES = [
    "completed", "total", "headcount_before", "headcount_after", "focal_points_removed", "reduction", "reduction_pct",
]  # fmt: skip


@pytest.fixture
def client(quang_ninh, analyst_client):
    return analyst_client


def test_progress_of_quang_ninh_gives_each_figure_its_source_kind(client):
    body = client.get(PROGRESS, {"as_of": "2017-09-27", "province": "22"}).json()
    mttq = next(p for p in body["programmes"] if p["programme"] == "khoi-mttq")
    assert (mttq["completed"], mttq["total"], mttq["headcount_before"], mttq["reduction_pct"]) == (12, 14, 279, 12.54)
    assert mttq["source_kinds"] == {
        "completed": "published",
        "total": "published",
        "headcount_before": "demo",
        "headcount_after": "demo",
        "focal_points_removed": "demo",
        "reduction": "demo",
        "reduction_pct": "published",
    }
    assert {k: mttq["published"][k] for k in ("on", "source_kind", "decision", "figures")} == {
        "on": "2017-09-27",
        "source_kind": "published",
        "decision": "44-QĐ/TU",
        "figures": {"completed": 12, "total": 14, "reduction_pct": 12.54},
    }
    assert mttq["published"]["source"].startswith("Báo Quảng Ninh, 28/09/2017")
    assert mttq["discrepancies"] == []
    csv_rows = client.get(PROGRESS, {"as_of": "2017-09-27", "province": "22", "format": "csv"}).content
    header, first = csv_rows.decode("utf-8-sig").splitlines()[:2]
    assert "completed_source_kind" in header.split(",") and "published_source" in header.split(",")
    assert ",published,published,demo,demo,demo,demo,published,2017-09-27," in first


def test_progress_on_27_september_2017(client):
    response = client.get(PROGRESS, {"as_of": "2017-09-27"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["as_of", "province", "measure", "programmes", "totals", "district_tier"]
    assert (body["as_of"], body["province"], body["measure"]) == ("2017-09-27", None, "authorised")
    mttq = next(p for p in body["programmes"] if p["programme"] == "khoi-mttq")
    assert mttq == {
        "programme": "khoi-mttq",
        "name": "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể chính trị - xã hội cấp huyện",
        "decision": Decision.objects.get(number="44-QĐ/TU").pk,
        "decision_number": "44-QĐ/TU",
        "decided_on": "2015-11-30",
        "completed": 12,
        "total": 14,
        "districts_completed": [c for c in ALL_CODES if c not in ("193", "200")],
        "districts_pending": ["193", "200"],
        "mergers": 12,
        "mergers_without_data": 0,
        "headcount_before": 279,
        "headcount_after": 244,
        "reduction": 35,
        "reduction_pct": 12.54,
        "focal_points_removed": 60,
        "demo": True,
        # Every province at once: no province's published figures stand for the sum.
        "source_kinds": dict.fromkeys(SOURCE_KIND_FIGURES, "demo"),
        "published": None,
        "discrepancies": [],
    }
    others = {p["programme"]: (p["completed"], p["total"]) for p in body["programmes"] if p is not mttq}
    assert others == {"kiem-tra-thanh-tra": (0, 14), "to-chuc-noi-vu": (0, 14)}


def test_progress_in_2020_counts_13_districts_all_done(client):
    body = client.get(PROGRESS, {"as_of": "2020-06-01", "province": "22"}).json()
    assert body["province"] == "22"
    assert {p["programme"]: (p["completed"], p["total"], p["districts_pending"]) for p in body["programmes"]} == {
        "khoi-mttq": (13, 13, []),
        "to-chuc-noi-vu": (13, 13, []),
        "kiem-tra-thanh-tra": (13, 13, []),
    }


def test_progress_defaults_to_today_while_the_district_tier_exists(client, monkeypatch):
    monkeypatch.setattr("figures.engine.today", lambda: datetime.date(2024, 5, 6))
    assert client.get(PROGRESS).json()["as_of"] == "2024-05-06"


def test_progress_defaults_to_the_tiers_last_day_once_it_has_ended(client, monkeypatch):
    """Issue 14: after 2025-07-01 no district-level unit exists: the default is its last day."""
    monkeypatch.setattr("figures.engine.today", lambda: datetime.date(2026, 12, 6))
    body = client.get(PROGRESS).json()
    assert body["as_of"] == "2025-06-30"
    assert {p["programme"]: (p["completed"], p["total"]) for p in body["programmes"]} == {
        "khoi-mttq": (13, 13),
        "kiem-tra-thanh-tra": (13, 13),
        "to-chuc-noi-vu": (13, 13),
    }


def test_staffing_from_decision_44_to_june_2020(client):
    response = client.get(
        STAFFING, {"baseline": "2015-11-30", "as_of": "2020-06-01", "province": "22", "like_for_like": "false"}
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "baseline",
        "as_of",
        "province",
        "measure",
        "like_for_like",
        "districts",
        "total",
        "district_tier",
        "requested_as_of",
        "note",
    ]
    assert (body["baseline"], body["as_of"], body["province"], body["measure"], body["like_for_like"]) == (
        "2015-11-30",
        "2020-06-01",
        "22",
        "authorised",
        False,
    )
    assert body["total"] == {
        "headcount_baseline": 700,
        "headcount_current": 606,
        "change": -94,
        "change_pct": -13.43,
        "agencies_baseline": 140,
        "agencies_current": 39,
        "agencies_change": -101,
        "demo": True,
        "missing_baseline": [],
        "missing_current": [],
    }
    assert [row["district"] for row in body["districts"]] == ALL_CODES
    hoanh_bo = body["districts"][ALL_CODES.index("204")]
    assert hoanh_bo == {
        "district": "204",
        "name": "Huyện Hoành Bồ",
        "kind": "huyen",
        "dissolved_on": "2020-01-01",
        "successor": "193",
        "folded": [],
        "note": "Giải thể từ 01/01/2020, sáp nhập vào Thành phố Hạ Long",
        "headcount_baseline": 47,
        "headcount_current": None,
        "change": None,
        "change_pct": None,
        "agencies_baseline": 10,
        "agencies_current": None,
        "agencies_change": None,
        "demo": True,
        "missing_baseline": [],
        "missing_current": [],
    }
    mong_cai = body["districts"][1]
    assert (mong_cai["headcount_baseline"], mong_cai["headcount_current"], mong_cai["change_pct"]) == (57, 49, -14.04)


def test_staffing_like_for_like_folds_hoanh_bo_into_ha_long(client):
    body = client.get(
        STAFFING, {"baseline": "2015-11-30", "as_of": "2020-06-01", "province": "22", "like_for_like": "true"}
    ).json()
    assert body["like_for_like"] is True
    assert [row["district"] for row in body["districts"]] == [c for c in ALL_CODES if c != "204"]
    ha_long = body["districts"][0]
    assert {k: ha_long[k] for k in ("district", "folded", "headcount_baseline", "headcount_current", "change")} == {
        "district": "193",
        "folded": ["204"],
        "headcount_baseline": 110,
        "headcount_current": 93,
        "change": -17,
    }
    assert ha_long["change_pct"] == -15.45
    assert body["total"]["change_pct"] == -13.43


def test_staffing_defaults_to_the_first_decision_today_and_like_for_like(client, monkeypatch):
    monkeypatch.setattr("figures.engine.today", lambda: datetime.date(2024, 5, 6))
    body = client.get(STAFFING, {"province": "22"}).json()
    assert (body["baseline"], body["as_of"], body["like_for_like"]) == ("2015-11-30", "2024-05-06", True)
    assert [row["district"] for row in body["districts"]] == [c for c in ALL_CODES if c != "204"]
    assert body["districts"][0]["folded"] == ["204"]


def test_staffing_actual_measure_is_missing_not_zero(client):
    body = client.get(STAFFING, {"baseline": "2015-11-30", "as_of": "2020-06-01", "measure": "actual"}).json()
    assert body["measure"] == "actual"
    assert body["total"]["headcount_baseline"] is None
    assert body["total"]["change_pct"] is None
    assert body["total"]["agencies_current"] == 39
    # Why it is missing: each counted agency without an actual figure on the baseline, named.
    missing = body["total"]["missing_baseline"]
    assert len(missing) == 14 * 9
    assert {"id", "name", "district"} == set(missing[0])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (STAFFING, {"baseline": "2015-02-30"}, "baseline"),
        (STAFFING, {"as_of": "hôm nay"}, "as_of"),
        (STAFFING, {"province": "99"}, "province"),
        (STAFFING, {"measure": "both"}, "measure"),
        (STAFFING, {"like_for_like": "perhaps"}, "like_for_like"),
        (STAFFING, {"baseline": "2020-06-02", "as_of": "2020-06-01"}, "baseline"),
        (PROGRESS, {"as_of": "2017-9-277"}, "as_of"),
        (PROGRESS, {"measure": "both"}, "measure"),
        (PROGRESS, {"province": "abc"}, "province"),
    ],
)
def test_bad_parameters_answer_400_naming_them(client, path, params, field):
    response = client.get(path, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]


def test_a_baseline_after_as_of_is_refused_with_the_web_forms_message(client):
    from reports.forms import MSG_BASELINE_AFTER

    response = client.get(STAFFING, {"baseline": "2020-06-02", "as_of": "2020-06-01"})
    assert response.json() == {"baseline": [str(MSG_BASELINE_AFTER)]}


@pytest.mark.parametrize("path", [STAFFING, PROGRESS])
def test_report_access(quang_ninh, path, anon_client, nobody, nobody_client, leader_client, editor_client):
    response = anon_client.get(path)
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Token")
    assert nobody_client.get(path).status_code == 403
    assert leader_client.get(path).status_code == 200
    assert editor_client.get(path).status_code == 200
    # Viewing mergers alone is not enough: the reports add up headcounts too.
    nobody.user_permissions.add(Permission.objects.get(codename="view_merger"))
    assert token_client(nobody).get(path).status_code == 403


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        # The active districts, the mergers' sources with their records in force, the mergers
        # with their results', the programmes; + the district tier on the date (issue 14: one
        # query while it exists).
        (PROGRESS, {"as_of": "2017-09-27"}, 5),
        # The province, the districts, then one query for all their figures on both dates; the tier.
        (STAFFING, {"baseline": "2015-11-30", "as_of": "2020-06-01", "province": "22"}, 4),
        (STAFFING, {"as_of": "2020-06-01"}, 4),
    ],
)
def test_reports_are_computed_in_a_few_queries(client, path, params, queries, django_assert_num_queries):
    # Token + user (1), the user's and his groups' permissions (1, core.auth), then the report itself.
    with django_assert_num_queries(2 + queries):
        assert client.get(path, params).status_code == 200


def test_the_national_reports_cost_the_same_queries_with_14_and_140_districts(client, django_assert_num_queries):
    """Issue 17: the national staffing report sums every district in one statement, and the
    progress report every completed merger in two (their sources, then the mergers): ten times
    the districts, the same queries."""
    from tests.reports.test_views import _add_districts

    staffing = {"baseline": "2015-11-30", "as_of": "2019-06-01"}  # the districts, their figures, the tier
    progress = {"as_of": "2019-06-01"}  # the districts, the sources, the mergers, the programmes, the tier
    with django_assert_num_queries(2 + 3):
        small = client.get(STAFFING, staffing).json()
    with django_assert_num_queries(2 + 5):
        assert client.get(PROGRESS, progress).status_code == 200
    _add_districts(126)
    with django_assert_num_queries(2 + 3):
        large = client.get(STAFFING, staffing).json()
    with django_assert_num_queries(2 + 5):
        programmes = client.get(PROGRESS, progress).json()["programmes"]
    assert (len(small["districts"]), len(large["districts"])) == (14, 140)
    # Each new district: two agencies of 5 (demo) at the baseline, merged into one of 8 in 2018.
    assert large["total"]["headcount_current"] == small["total"]["headcount_current"] + 126 * 8
    assert large["total"]["demo"] is True
    merged = next(p for p in programmes if p["programme"] == "to-chuc-noi-vu")
    assert merged["completed"] == merged["total"] == 140
