"""/reports/actual/: authorised, actual and the gap on a date, saying when actual figures are missing."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from figures.engine import default_as_of
from tests.reports.htmltext import text_of

URL = "/reports/actual/"


@pytest.fixture
def leader_client(client, leader, quang_ninh):
    client.force_login(leader)
    return client


def test_anonymous_goes_to_login_and_no_role_is_refused(client, db):
    response = client.get(URL)
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/reports/actual/")
    client.force_login(get_user_model().objects.create_user(username="nobody", password="pw-for-tests-1"))
    assert client.get(URL).status_code == 403


def test_complete_figures_on_1_june_2020(leader_client):
    page = leader_client.get(URL, {"as_of": "01/06/2020"}).content
    assert text_of(page, "period").startswith("Số liệu ngày 01/06/2020.")
    assert text_of(page, "actual-total") == "Toàn tỉnh 606 548 -58 -9,57% 39/39 demo"
    assert text_of(page, "actual-193") == "Thành phố Hạ Long 93 82 -11 -11,83% 3/3 demo"
    assert b'data-testid="actual-note"' not in page
    assert "actual-204" not in page.decode()  # Hoành Bồ was gone by then


def test_one_agency_without_actual_is_named_not_counted_as_zero(leader_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = leader_client.get(URL, {"as_of": "2019-01-01"}).content
    assert text_of(page, "actual-total") == (
        "Toàn tỉnh 606 Không có số liệu Không có số liệu Không có số liệu 41/42 demo"
    )
    assert text_of(page, "actual-note") == (
        "Chưa nhập số người làm việc thực tế của 1/42 cơ quan: tổng của các đơn vị thiếu là không có số liệu "
        "(không tính là 0). Nhập số liệu biên chế"
    )
    assert (
        text_of(page, "actual-193")
        == "Thành phố Hạ Long 52 Không có số liệu Không có số liệu Không có số liệu 2/3 demo"
    )


def test_before_the_mergers_it_says_actual_figures_were_not_entered(leader_client):
    page = leader_client.get(URL, {"as_of": "30/11/2015"}).content
    assert text_of(page, "actual-note") == (
        "Chưa nhập số người làm việc thực tế vào ngày 30/11/2015: chỉ có biên chế được giao, nên không tính "
        "được chênh lệch. Nhập số liệu biên chế"
    )
    assert text_of(page, "actual-total").startswith("Toàn tỉnh 700 Không có số liệu")


def test_a_wrong_date_shows_the_message_and_the_default_date(leader_client):
    response = leader_client.get(URL, {"as_of": "31/02/2020"})
    assert text_of(response.content, "error-as_of") == (
        "Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm, ví dụ 27/09/2017."
    )
    assert response.context["as_of"] == default_as_of() == datetime.date(2025, 6, 30)  # the tier's last day


def test_in_english(leader_client):
    leader_client.cookies["django_language"] = "en"
    page = leader_client.get(URL, {"as_of": "2019-01-01"}).content
    assert text_of(page, "actual-note") == (
        "No actual headcount was entered for 1/42 agencies: the totals they are part of are missing "
        "(not counted as 0). Enter headcounts"
    )
    assert text_of(page, "footer").startswith("Open data (CC-BY-4.0): Data Package (.zip) · Popolo JSON")
