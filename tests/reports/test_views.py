"""The dashboard at "/": access, figures on the page, dates, query count at 14 and 140 districts."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.actors import SYSTEM
from districts.models import District, Province
from mergers import services
from mergers.choices import SourceKind
from mergers.models import AgencyType, Merger, Programme
from reports.forms import MSG_BAD_DATE, MSG_BASELINE_AFTER
from tests.factories import AgencyFactory, DistrictFactory, HeadcountFactory, ProvinceFactory
from tests.reports.htmltext import text_of

D = datetime.date
URL_2020 = "/?baseline=30/11/2015&as_of=01/06/2020"
# The province (?province=, default Quảng Ninh) is one of them; then the district tier on the
# date (1), the focal-point reconciliation (2: the agencies it names, with the mergers that
# created or absorbed them; those mergers), the programmes' mergers (2: their sources' records in
# force, then the mergers with their results') and the province's published aggregates (1). The
# districts of the period and the programmes are read once for the table, the matrix, the cards
# and the reconciliation; the table's two dates are read with the series' (one query, and one
# for the series' dates).
DASHBOARD_QUERIES = 17  # (the user's own and group permissions: one query, core.auth)


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def test_anonymous_is_sent_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_a_user_without_view_permissions_is_refused(client, db):
    user = get_user_model().objects.create_user(username="nobody", password="pw-for-tests-1")
    client.force_login(user)
    assert client.get("/").status_code == 403
    assert client.get("/exports/bao-cao-bien-che.csv").status_code == 403


def test_the_page_renders_for_a_leader_with_the_default_period(leader_client, quang_ninh, monkeypatch):
    for name in ("figures.engine.today", "reports.views.today"):
        monkeypatch.setattr(name, lambda: D(2024, 5, 6))
    response = leader_client.get("/")
    assert response.status_code == 200
    assert response.context["baseline"] == D(2015, 11, 30)
    assert response.context["as_of"] == D(2024, 5, 6)
    assert text_of(response.content, "period").startswith("Số liệu ngày 06/05/2024, so với ngày gốc 30/11/2015.")
    # 13 districts are active that day: Hoành Bồ is part of Hạ Long.
    assert text_of(response.content, "headline-khoi-mttq").count("13/13") == 1
    html = response.content.decode()
    assert "<script>" not in html and 'style="' not in html


def test_headlines_on_27_september_2017(leader_client, quang_ninh):
    response = leader_client.get("/?as_of=27/09/2017&baseline=30/11/2015")
    page = response.content
    assert text_of(page, "headline-khoi-mttq").split(" 12/14 ")[0].endswith("30/11/2015")
    mttq = text_of(page, "headline-khoi-mttq")
    # 12/14 and 12.54% are the article's (published); 279 -> 244 sum the districts' demo records.
    assert "12/14 công bố đơn vị đã hoàn thành hợp nhất · chưa: Thành phố Hạ Long, Huyện Đầm Hà" in mttq
    assert "Tinh giản biên chế 35 demo (12,54%) công bố" in mttq
    assert "Trước → sau 279 demo → 244 demo" in mttq
    assert text_of(page, "published-source") == (
        "công bố Số liệu tỉnh ngày 27/09/2017: Báo Quảng Ninh, 28/09/2017: sơ kết 2 năm Quyết định 44-QĐ/TU: “toàn "
        "tỉnh có 12/14 huyện, thị xã, thành phố thực hiện”, “tinh giản 12,54% biên chế trong 2 năm” (44-QĐ/TU)."
    )
    assert "published-mismatch" not in page.decode()
    assert "0/14 demo" not in text_of(page, "headline-to-chuc-noi-vu")  # nothing completed: nothing made up
    assert "0/14" in text_of(page, "headline-to-chuc-noi-vu")


def test_a_published_figure_the_districts_disagree_with_shows_both(leader_client, quang_ninh):
    from core.actors import SYSTEM
    from districts.models import Province
    from mergers.models import Programme

    services.published_aggregate_create(
        user=SYSTEM,
        province=Province.objects.get(code="22"),
        programme=Programme.objects.get(code="khoi-mttq"),
        on=D(2017, 10, 1),
        source="Nguồn thử",
        completed=13,
        reduction_pct="10.00",
    )
    page = leader_client.get("/?as_of=31/12/2017&baseline=30/11/2015").content
    mttq = text_of(page, "headline-khoi-mttq")
    assert "13/14 công bố" in mttq and "(10,00%) công bố" in mttq
    assert text_of(page, "published-mismatch") == (
        "Tổng số liệu các đơn vị khác số liệu công bố: Số đơn vị đã hoàn thành: công bố 13, tổng các đơn vị 12 "
        "Tỷ lệ tinh giản biên chế: công bố 10,00%, tổng các đơn vị 12,54%"
    )


def test_headlines_on_31_december_2018(leader_client, quang_ninh):
    page = leader_client.get("/?as_of=31/12/2018&baseline=30/11/2015").content
    for code in ("to-chuc-noi-vu", "kiem-tra-thanh-tra"):
        text = text_of(page, f"headline-{code}")
        assert "14/14 demo đơn vị đã hoàn thành hợp nhất" in text  # the 2019 article is not out yet
        assert "chưa:" not in text
        assert text.endswith("Đầu mối giảm 14 demo")
    assert text_of(page, "headline-to-chuc-noi-vu").count("Tinh giản biên chế 33 demo (16,42%) demo") == 1
    assert "Đầu mối giảm nhờ hợp nhất 98" in text_of(page, "headline-total")


def test_staffing_figures_2015_to_2020(leader_client, quang_ninh):
    page = leader_client.get(URL_2020 + "&like_for_like=off").content
    total = text_of(page, "headline-total")
    assert "Biên chế ngày gốc 700" in total
    assert "Biên chế ngày xem 606" in total
    assert "Thay đổi -94 (-13,43%)" in total
    assert "Đầu mối 140 → 39" in total
    assert text_of(page, "staffing-total") == "Toàn tỉnh 700 606 -94 -13,43% 140 → 39 demo"
    table = text_of(page, "staffing")
    assert "193 · Thành phố Hạ Long Tiếp nhận Huyện Hoành Bồ từ 01/01/2020 63 93 +30 +47,62% 10 → 3 demo" in table
    assert (
        "204 · Huyện Hoành Bồ Giải thể từ 01/01/2020, sáp nhập vào Thành phố Hạ Long 47 đã giải thể — — 10 → — demo"
    ) in table


def test_before_2020_ha_long_has_not_yet_taken_over_hoanh_bo(leader_client, quang_ninh):
    table = text_of(leader_client.get("/?as_of=27/09/2017&baseline=30/11/2015").content, "staffing")
    assert "193 · Thành phố Hạ Long 63 63 0 0,00% 10 → 10 demo" in table
    assert "Tiếp nhận" not in table


def test_like_for_like_on_the_page(leader_client, quang_ninh):
    response = leader_client.get(URL_2020 + "&like_for_like=on")
    table = text_of(response.content, "staffing")
    assert (
        "193 · Thành phố Hạ Long Ngày gốc gồm cả số liệu của Huyện Hoành Bồ 110 93 -17 -15,45% 20 → 3 demo"
    ) in table
    assert "204 ·" not in table
    assert response.context["report"].rows[0].folded == ["204"]


def test_matrix_cells_link_to_mergers_and_show_stage_date_decision(leader_client, quang_ninh):
    page = leader_client.get("/?as_of=27/09/2017&baseline=30/11/2015").content.decode()
    mong_cai = Merger.objects.get(programme__code="khoi-mttq", district__code="194")
    assert f'href="/mergers/{mong_cai.pk}/"' in page
    assert text_of(page, "cell-194-1") == "Hoàn thành 01/03/2016 Quyết định 44-QĐ/TU demo"
    assert text_of(page, "cell-193-1") == "Kế hoạch 30/11/2015 Quyết định 44-QĐ/TU demo"
    assert text_of(page, "cell-193-2") == "Nhất thể hóa chức danh 04/01/2016 demo"
    assert 'class="stage stage-completed"' in page
    # A district with no merger under a programme: nothing planned yet, not missing figures.
    new = DistrictFactory(province=Province.objects.get(code="22"), code="999", name="Thử")
    page = leader_client.get("/?as_of=27/09/2017&baseline=30/11/2015").content.decode()
    assert [text_of(page, f"cell-{new.code}-{n}") for n in (1, 2, 3)] == ["Chưa có hợp nhất"] * 3
    # Hoành Bồ still appears in 2020, labelled with its successor.
    page_2020 = leader_client.get(URL_2020).content
    assert text_of(page_2020, "successor-204") == "giải thể từ 01/01/2020, sáp nhập vào Thành phố Hạ Long"


def test_like_for_like_is_the_default_and_the_chart_says_so(leader_client, quang_ninh):
    response = leader_client.get(URL_2020)
    assert response.context["like_for_like"] is True
    table = text_of(response.content, "staffing")
    assert "193 · Thành phố Hạ Long Ngày gốc gồm cả số liệu của Huyện Hoành Bồ 110 93 -17 -15,45% 20 → 3 demo" in table
    assert "204 ·" not in table
    assert text_of(response.content, "change-chart-note") == (
        "Từ 30/11/2015 đến 01/06/2020. So sánh cùng địa bàn (mặc định): số liệu ngày gốc của đơn vị đã giải thể được tính vào"
        " đơn vị tiếp nhận."
    )
    # Unticking sends "off" (a hidden field before the checkbox): the districts as they were.
    off = leader_client.get(URL_2020 + "&like_for_like=off")
    assert off.context["like_for_like"] is False
    assert "Theo địa giới từng thời điểm" in text_of(off.content, "change-chart-note")
    # Ticked: the browser sends the hidden "off" then "on"; the last one counts.
    assert leader_client.get(URL_2020 + "&like_for_like=off&like_for_like=on").context["like_for_like"] is True


def test_charts_are_inline_svg_without_inline_styles(leader_client, quang_ninh):
    page = leader_client.get(URL_2020 + "&like_for_like=off").content.decode()
    assert '<svg class="chart chart-line" id="chart-province-headcount"' in page
    assert '<svg class="chart chart-bars" id="chart-district-change"' in page
    assert "<title>30/11/2015: 700 (demo)</title>" in page
    assert "<title>193 Thành phố Hạ Long: +30 (+47,62%) demo</title>" in page
    assert "style=" not in page


def test_actual_measure_shows_missing_data_not_zero(leader_client, quang_ninh):
    page = leader_client.get(URL_2020 + "&measure=actual").content
    # The demo data has actual figures from the mergers on (548 in 2020), none in 2015.
    assert text_of(page, "staffing-total") == (
        "Toàn tỉnh Không có số liệu 548 Không có số liệu Không có số liệu 140 → 39 demo"
    )
    mttq = text_of(page, "headline-khoi-mttq")
    assert "Tinh giản biên chế Không có số liệu Trước → sau Không có số liệu → Không có số liệu" in mttq
    assert mttq.endswith("Đầu mối giảm 70 demo Hợp nhất thiếu số liệu 14")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?as_of=31/02/2020", "as_of", str(MSG_BAD_DATE)),
        ("?as_of=hôm qua", "as_of", str(MSG_BAD_DATE)),
        ("?baseline=2020-13-01", "baseline", str(MSG_BAD_DATE)),
        ("?baseline=01/06/2020&as_of=30/11/2015", "baseline", str(MSG_BASELINE_AFTER)),
    ],
)
def test_bad_dates_give_a_clear_message(leader_client, quang_ninh, query, field, message):
    response = leader_client.get("/" + query)
    assert response.status_code == 200
    assert text_of(response.content, f"error-{field}") == message
    assert "Một số ngày nhập chưa hợp lệ" in text_of(response.content, "period-errors")


def test_iso_dates_are_accepted(leader_client, quang_ninh):
    response = leader_client.get("/?baseline=2015-11-30&as_of=2020-06-01")
    assert (response.context["baseline"], response.context["as_of"]) == (D(2015, 11, 30), D(2020, 6, 1))
    assert not response.context["form"].errors


def _add_districts(count: int) -> None:
    """`count` more districts, each with two agencies, headcounts and a completed merger."""
    programme = Programme.objects.get(code="to-chuc-noi-vu")
    party, government = AgencyType.objects.get(code="ban-to-chuc"), AgencyType.objects.get(code="phong-noi-vu")
    for _ in range(count):
        district = DistrictFactory()
        sources = [AgencyFactory(district=district, agency_type=t) for t in (party, government)]
        for agency in sources:
            HeadcountFactory(agency=agency, as_of=D(2015, 1, 1), authorised=5, source_kind=SourceKind.DEMO)
        merger = services.merger_create(
            user=SYSTEM,
            programme=programme,
            district=district,
            source_agencies=sources,
            decision_number="1/QĐ",
            decided_on=D(2017, 1, 1),
        )
        # The programme lists titles unified and approved (issue 14): completing at once says why.
        services.merger_complete(
            user=SYSTEM, merger=merger, effective_on=D(2018, 1, 1), headcount_after=8, skip_reason="Số liệu thử."
        )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_dashboard_costs_the_same_queries_with_14_and_140_districts(
    leader_client, quang_ninh, django_assert_num_queries
):
    url = "/?baseline=30/11/2015&as_of=31/12/2018"
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = leader_client.get(url)
    assert len(response.context["matrix"].rows) == 14
    _add_districts(126)
    assert District.objects.count() == 140
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = leader_client.get(url)
    assert len(response.context["matrix"].rows) == 140
    headline = next(h for h in response.context["headlines"] if h.programme.code == "to-chuc-noi-vu")
    assert (headline.completed, headline.total) == (140, 140)
    assert "140/140" in text_of(response.content, "headline-to-chuc-noi-vu")
    # Missing figures (no actual headcounts): one more query names the agencies that lack them.
    assert _count(leader_client, url + "&like_for_like=on&measure=actual") == DASHBOARD_QUERIES + 1


def test_an_empty_database_renders_without_figures(client, leader):
    client.force_login(leader)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["matrix"].rows == []
    assert response.context["series"] == []
    # One clear message instead of zero totals, an empty matrix and blank charts.
    assert text_of(response.content, "empty") == (
        "Chưa có số liệu: chưa có đơn vị cấp huyện nào hoạt động trong khoảng thời gian này. "
        "Hãy chọn khoảng thời gian khác, hoặc đề nghị quản trị viên nhập danh sách đơn vị."
    )
    html = response.content.decode()
    assert 'data-testid="headline-total"' not in html and 'data-testid="matrix"' not in html
    assert "chart-empty" not in html


@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_analysts_and_editors_see_the_dashboard_too(client, quang_ninh, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL_2020).status_code == 200
    assert client.get("/exports/tien-do-hop-nhat.csv").status_code == 200


def test_the_dashboard_shows_one_province_and_refuses_an_unknown_one(client, leader, quang_ninh):
    other = ProvinceFactory(code="S01", name="Tỉnh tổng hợp 01")
    DistrictFactory(province=other, code="S0101", name="Tổng hợp 01-01")
    client.force_login(leader)
    page = client.get("/", {"as_of": "27/09/2017", "baseline": "30/11/2015"})
    assert len(page.context["matrix"].rows) == 14
    assert "Tổng hợp 01-01" not in page.content.decode()
    other_page = client.get("/", {"province": "S01", "as_of": "27/09/2017", "baseline": "30/11/2015"})
    assert [row.district.code for row in other_page.context["matrix"].rows] == ["S0101"]
    assert client.get("/", {"province": "99"}).status_code == 404
