"""Through a real browser: the dashboard and a district page on the shipped Quảng Ninh data.

No console error and no page error on either page, in Vietnamese and in English, and the
figures a leader reads are the articles' figures (12 of 14 districts on 27/09/2017, 279 → 244).
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.roles import LEADERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-for-browser-2"


@pytest.fixture
def leader(roles):
    call_command("loaddata", "quang_ninh", verbosity=0)
    user = get_user_model().objects.create_user(username="lanhdao", password=PASSWORD, first_name="Lãnh đạo")
    user.groups.add(Group.objects.get(name=LEADERS))
    return user


def _log_in(page, base, next_path):
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", "lanhdao")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}{next_path}")


def _text(page, testid: str) -> str:
    return " ".join(page.inner_text(f"[data-testid={testid}]").split())


def test_dashboard_on_27_september_2017(page, live_server, leader):
    base = live_server.url
    _log_in(page, base, "/?as_of=27/09/2017")
    assert page.title() == "Tổng quan hợp nhất cơ quan cấp huyện · Quảng Ninh"
    assert page.locator("a.nav-link.active").inner_text() == "Tổng quan"
    assert _text(page, "period") == (
        "Số liệu ngày 27/09/2017, so với ngày gốc 30/11/2015. Biên chế được giao · so sánh cùng địa bàn"
    )

    mttq = page.locator("[data-testid=headline-khoi-mttq]")
    # The article's figures (12/14, 12.54%) are published; 279 -> 244 sum the districts' demo values.
    assert mttq.locator("[data-testid=completion]").inner_text() == "12/14 công bố"
    assert mttq.locator("[data-testid=completion] .published-mark").is_visible()
    assert mttq.locator("[data-testid=pending]").inner_text() == "Thành phố Hạ Long, Huyện Đầm Hà"
    assert mttq.locator("[data-testid=reduction]").inner_text() == "35 demo (12,54%) công bố"
    assert "279 demo → 244 demo" in mttq.inner_text()
    assert mttq.locator(".demo-badge").first.is_visible()  # demo per-agency values behind the figure
    assert mttq.locator("[data-testid=published-source]").is_visible()
    for code in ("to-chuc-noi-vu", "kiem-tra-thanh-tra"):
        assert page.locator(f"[data-testid=headline-{code}] [data-testid=completion]").inner_text() == "0/14"
    assert _text(page, "staffing-total") == "Toàn tỉnh 700 665 -35 -5,00% 140 → 80 demo"
    assert page.locator("[data-testid=matrix] tbody tr").count() == 14
    assert page.locator("#chart-province-headcount").is_visible()
    assert page.watcher.problems == []

    # A wrong date: a message, the page still drawn with the default for that field.
    page.goto(f"{base}/?baseline=31/02/2016&as_of=27/09/2017")
    assert _text(page, "error-baseline") == "Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm, ví dụ 27/09/2017."
    assert page.locator("[data-testid=headline-khoi-mttq] [data-testid=completion]").inner_text() == "12/14 công bố"
    assert page.watcher.problems == []

    # The same figures in English, through the EN button.
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "District-level agency mergers: overview"
    assert page.locator("[data-testid=headline-khoi-mttq] [data-testid=completion]").inner_text() == "12/14 published"
    assert page.locator("[data-testid=headline-khoi-mttq] [data-testid=reduction]").inner_text() == (
        "35 demo (12.54%) published"
    )
    assert page.locator("a.nav-link.active").inner_text() == "Overview"
    assert page.watcher.problems == []


def test_district_page_of_ha_long(page, live_server, leader):
    base = live_server.url
    _log_in(page, base, "/districts/193/")
    assert page.title() == "Thành phố Hạ Long · Quảng Ninh"
    assert " ".join(page.locator("h1").inner_text().split()) == "Thành phố Hạ Long mã 193"
    assert _text(page, "predecessors") == "Tiếp nhận: Huyện Hoành Bồ (từ 01/01/2020)"
    assert page.locator("a.nav-link.active").inner_text() == "Tổng quan"
    # Hạ Long's Tổ chức - Nội vụ merger: 20 → 15 staff, 25%.
    cards = page.locator("[data-testid^=merger-]")
    assert cards.count() == 3
    to_chuc = cards.filter(has_text="Phòng Nội vụ")
    assert "Biên chế trước → sau: 20 → 15 · giảm 5 (25,00%)" in " ".join(to_chuc.inner_text().split())
    assert page.watcher.problems == []

    page.click("[data-testid=predecessors] a")
    page.wait_for_url(f"{base}/districts/204/")
    assert _text(page, "successor") == (
        "Giải thể từ ngày 01/01/2020, sáp nhập vào Thành phố Hạ Long (theo 837/NQ-UBTVQH14)"
    )
    assert page.watcher.problems == []
