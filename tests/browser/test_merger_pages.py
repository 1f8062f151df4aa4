"""Through a real browser: log in, create a merger, see a refusal, complete it, no JavaScript errors."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import EDITORS
from mergers.choices import MergerStatus
from mergers.models import Merger
from tests.browser.actions import submit
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory, ProgrammeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-for-browser-1"


@pytest.fixture
def data(roles):
    editor = get_user_model().objects.create_user(username="bientap", password=PASSWORD, first_name="Biên tập")
    editor.groups.add(Group.objects.get(name=EDITORS))
    district = DistrictFactory(code="951", name="Trình Duyệt")
    ban = AgencyTypeFactory(code="ban-to-chuc", name="Ban Tổ chức")
    phong = AgencyTypeFactory(code="phong-noi-vu", name="Phòng Nội vụ")
    result = AgencyTypeFactory(code="to-chuc-noi-vu", name="Cơ quan Tổ chức - Nội vụ")
    programme = ProgrammeFactory(
        code="to-chuc-noi-vu", name="Hợp nhất Tổ chức - Nội vụ", result_type=result, source_types=[ban, phong]
    )
    a1 = AgencyFactory(district=district, agency_type=ban, name="Ban Tổ chức Huyện ủy Trình Duyệt")
    a2 = AgencyFactory(district=district, agency_type=phong, name="Phòng Nội vụ huyện Trình Duyệt")
    HeadcountFactory(agency=a1, as_of=datetime.date(2017, 1, 1), authorised=11)
    HeadcountFactory(agency=a2, as_of=datetime.date(2017, 1, 1), authorised=9)
    return {"programme": programme, "district": district, "a1": a1, "a2": a2}


def _no_problems(page):
    assert page.watcher.problems == []


def test_create_refuse_complete_a_merger(page, live_server, data):
    base = live_server.url
    page.goto(f"{base}/mergers/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "bientap")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/mergers/")
    assert "Biên tập" in page.text_content("[data-testid=current-user]")
    _no_problems(page)

    page.click("text=Thêm hợp nhất")
    page.wait_for_url(f"{base}/mergers/new/")
    page.fill("#id_decided_on", "15/01/2018")
    page.select_option("#id_programme", "to-chuc-noi-vu")
    submit(page, "[data-testid=choose]")
    page.check("#id_district_951")
    submit(page, "[data-testid=choose]")
    assert page.locator("[data-testid=merger-form]").is_visible()
    _no_problems(page)

    # One source only: refused next to the field, the input kept.
    page.check(f"input[name=source_agencies][value='{data['a1'].pk}']")
    page.fill("#id_decision_number", "77-QĐ/HU")
    submit(page, "text=Lưu hợp nhất")
    assert page.text_content("[data-error-for=source_agencies]").strip() == "Cần ít nhất hai cơ quan để hợp nhất."
    assert page.input_value("#id_decision_number") == "77-QĐ/HU"
    assert Merger.objects.count() == 0
    _no_problems(page)

    page.check(f"input[name=source_agencies][value='{data['a2'].pk}']")
    page.click("text=Lưu hợp nhất")
    page.wait_for_url(f"{base}/mergers/*/")
    merger = Merger.objects.get()
    assert page.url == f"{base}/mergers/{merger.pk}/"
    assert page.text_content("[data-testid=status]").strip() == "Kế hoạch"
    _no_problems(page)

    page.click("a:text('Hoàn thành')")
    page.fill("#id_effective_on", "01/03/2018")
    page.fill("#id_headcount_after", "15")
    submit(page, "text=Xem trước")
    confirmation = page.locator("[data-testid=confirmation]")
    assert "Ban Tổ chức Huyện ủy Trình Duyệt" in confirmation.text_content()
    assert page.text_content("[data-testid=new-agency]") == "Cơ quan Tổ chức - Nội vụ huyện Trình Duyệt"
    merger.refresh_from_db()
    assert merger.status == MergerStatus.PLANNED  # nothing done before the confirmation
    _no_problems(page)

    page.click("[data-testid=confirm]")
    page.wait_for_url(f"{base}/mergers/{merger.pk}/")
    assert page.text_content("[data-testid=status]").strip() == "Hoàn thành"
    assert page.text_content("[data-testid=result]").strip() == "Cơ quan Tổ chức - Nội vụ huyện Trình Duyệt"
    figures = page.text_content("[data-testid=figures]")
    assert "20" in figures and "15" in figures and "25,00%" in figures
    assert "bientap" in page.text_content("[data-testid=history]") or "Biên tập" in page.text_content(
        "[data-testid=history]"
    )
    merger.refresh_from_db()
    assert merger.status == MergerStatus.COMPLETED
    _no_problems(page)

    for path in [
        "/agencies/",
        f"/agencies/{merger.result_agency_id}/",
        "/programmes/",
        "/programmes/to-chuc-noi-vu/",
        "/headcounts/",
        "/headcounts/entry/?district=951&as_of=01/03/2018",
        "/headcounts/import/",
        "/agencies/new/",
        "/programmes/new/",
    ]:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        _no_problems(page)


def test_new_merger_form_works_without_javascript(browser, live_server, data):
    context = browser.new_context(java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/mergers/new/")
    page.fill("#id_username", "bientap")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/mergers/new/")
    page.fill("#id_decided_on", "2018-01-15")
    page.select_option("#id_programme", "to-chuc-noi-vu")
    submit(page, "[data-testid=choose]")
    page.check("#id_district_951")
    page.click("[data-testid=choose]")
    page.wait_for_url(f"{base}/mergers/new/?decided_on=2018-01-15&programme=to-chuc-noi-vu&district=951")
    page.check(f"input[name=source_agencies][value='{data['a1'].pk}']")
    page.check(f"input[name=source_agencies][value='{data['a2'].pk}']")
    page.fill("#id_decision_number", "78-QĐ/HU")
    page.click("text=Lưu hợp nhất")
    page.wait_for_url(f"{base}/mergers/*/")
    assert Merger.objects.get().decision_number == "78-QĐ/HU"
    context.close()
