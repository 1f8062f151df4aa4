"""The district page /districts/<code>/: agencies over time, mergers and lineage, headcount series."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from districts.models import District
from mergers.models import Merger
from tests.factories import AgencyFactory, HeadcountFactory
from tests.reports.htmltext import text_of

# + the reconciliation (the agencies it names, with the mergers that created or absorbed them;
# those mergers; the programmes' names: 3), the district tier today, which gives the default as-of (2).
DISTRICT_QUERIES = 18  # (the user's own and group permissions: one query, core.auth)


@pytest.fixture
def leader_client(client, leader, quang_ninh):
    client.force_login(leader)
    return client


def test_anonymous_is_sent_to_the_login_page(client, quang_ninh):
    response = client.get("/districts/193/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/districts/193/"


def test_unknown_district_is_404(leader_client):
    assert leader_client.get("/districts/999/").status_code == 404


def test_ha_long_page(leader_client):
    response = leader_client.get("/districts/193/")
    assert response.status_code == 200
    page = response.content
    assert text_of(page, "predecessors") == "Tiếp nhận: Huyện Hoành Bồ (từ 01/01/2020)"
    tcnv = Merger.objects.get(programme__code="to-chuc-noi-vu", district__code="193")
    card = text_of(page, f"merger-{tcnv.pk}")
    assert "Biên chế trước → sau: 20 → 15 · giảm 5 (25,00%)" in card
    assert text_of(page, f"lineage-{tcnv.pk}") == (
        "Phòng Nội vụ thành phố Hạ Long (đến 02/01/2018) Ban Tổ chức Thành ủy Hạ Long (đến 02/01/2018) "
        "→ Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long (từ 02/01/2018)"
    )
    assert f'href="/mergers/{tcnv.pk}/"' in page.decode()
    mttq = Merger.objects.get(programme__code="khoi-mttq", district__code="193")
    assert "Biên chế trước → sau: 26 → 23 · giảm 3 (11,54%)" in text_of(page, f"merger-{mttq.pk}")
    series = text_of(page, "series")
    assert series.startswith("Ngày Biên chế được giao 30/11/2015 63 demo 02/01/2018 55 demo 01/06/2018 52 demo")
    assert "01/01/2020 93 demo" in series
    agencies = text_of(page, "agencies")
    assert (
        "Ban Tổ chức Thành ủy Hạ Long Đảng 01/01/2015 (ước tính) 02/01/2018 Đã chấm dứt "
        "cơ quan sau hợp nhất · DEMO-193-TCNV —"
    ) in agencies
    # Issue 14: the district tier ended on 2025-07-01; its last figures are those of 30/06/2025.
    assert (
        "Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long Đảng 02/01/2018 01/07/2025 Đã chấm dứt "
        "tỉnh Quảng Ninh · 373/ĐA-CP 26 demo"
    ) in agencies
    assert "Liên đoàn Lao động thành phố Hạ Long (ngoài biên chế cấp huyện)" in agencies
    assert len(response.context["agencies"]) == 13
    assert response.context["agencies_active"] == 3
    assert "style=" not in page.decode()


def test_hoanh_bo_page_names_its_successor(leader_client):
    response = leader_client.get("/districts/204/")
    page = response.content
    assert text_of(page, "successor") == (
        "Giải thể từ ngày 01/01/2020, sáp nhập vào Thành phố Hạ Long (theo 837/NQ-UBTVQH14 )"
    )
    series = response.context["series"]
    assert [(p.on.isoformat(), p.headcount) for p in series][0] == ("2015-11-30", 47)
    assert series[-1].on.isoformat() == "2019-12-31"
    assert series[-1].headcount == 47 - 3 - 2 - 1
    assert response.context["agencies_active"] == 3


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_district_page_costs_a_fixed_number_of_queries(leader_client, django_assert_num_queries):
    with django_assert_num_queries(DISTRICT_QUERIES):
        leader_client.get("/districts/193/")
    assert _count(leader_client, "/districts/204/") == DISTRICT_QUERIES
    assert _count(leader_client, "/districts/207/?measure=actual") == DISTRICT_QUERIES
    # Ten more agencies with two records each: still the same count.
    co_to = District.objects.get(code="207")
    for agency in AgencyFactory.create_batch(10, district=co_to):
        HeadcountFactory(agency=agency, as_of=datetime.date(2016, 1, 1))
        HeadcountFactory(agency=agency, as_of=datetime.date(2017, 1, 1), authorised=4)
    response = leader_client.get("/districts/207/")
    assert len(response.context["agencies"]) == 23
    assert _count(leader_client, "/districts/207/") == DISTRICT_QUERIES
