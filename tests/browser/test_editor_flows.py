"""Issue 16 through a real browser at a laptop's 1366 px and a phone's 390 px, on the shipped data
with the demo accounts (`create_demo_accounts`): a new programme and a merger under it from start
to completion, each form's refusals in one round, the duplicate refusal and back-and-resubmit,
the import with a pre-filled template, and the demo administrator setting an editor's scope."""

import io
import unicodedata

import openpyxl
import pytest
from django.core.management import call_command

from districts.models import AccessChange, EditorScope
from mergers.choices import MergerStatus
from mergers.models import Agency, HeadcountRecord, Merger, Programme
from tests.browser.a11y import axe_violations, horizontal_overflow
from tests.browser.actions import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = {390: 844, 1366: 900}
REQUIRED = "Trường này là bắt buộc."


@pytest.fixture
def shipped(roles, settings):
    call_command("loaddata", "quang_ninh", verbosity=0)
    settings.DEBUG = True  # the demo accounts are made only then
    call_command("create_demo_accounts", stdout=io.StringIO())
    settings.DEBUG = False


@pytest.fixture(params=list(WIDTHS), ids=lambda w: f"{w}px")
def screen(request, browser):
    """A page at one width, Vietnamese; the policy is bypassed only to inject axe-core."""
    width = request.param
    context = browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]}, locale="vi-VN", bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.width = width
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.js_errors = errors
    yield page
    context.close()


def log_in(page, base, username, next_path="/"):
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-demo-2015")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}{next_path}")


def check_page(page):
    """What every page must be: as wide as the screen at most, no serious or critical axe violation."""
    assert horizontal_overflow(page) == 0, page.url
    assert axe_violations(page) == [], page.url
    assert page.js_errors == []


def errors_of(page, field) -> list[str]:
    return [e.strip() for e in page.locator(f"[data-error-for={field}]").all_inner_texts()]


def open_menu(page):
    """On a phone the menu is folded behind its button."""
    if page.width < 992:
        page.click(".navbar-toggler")
        page.wait_for_selector("#main-menu.show")


def test_new_programme_and_its_merger_from_start_to_completion(screen, live_server, shipped):
    page, base = screen, live_server.url
    district = {390: "206", 1366: "207"}[page.width]
    name = {"206": "Thị xã Quảng Yên", "207": "Huyện Cô Tô"}[district]
    log_in(page, base, "bientap", "/programmes/new/")
    check_page(page)

    # A new programme through its form: the code left blank is made from the name.
    page.fill("#id_name", "Hợp nhất Tổ chức - Nội vụ với Kiểm tra - Thanh tra (thử)")
    page.get_by_label("Cơ quan Tổ chức - Nội vụ", exact=True).check()
    page.get_by_label("Cơ quan Kiểm tra - Thanh tra", exact=True).check()
    page.select_option("#id_result_type", label="Cơ quan Tổ chức - Nội vụ")
    page.click("button:text('Lưu')")
    page.wait_for_url(f"{base}/programmes/hop-nhat-to-chuc-noi-vu-voi-kiem-tra-thanh-tra-thu/")
    code = "hop-nhat-to-chuc-noi-vu-voi-kiem-tra-thanh-tra-thu"
    assert Programme.objects.filter(code=code).exists()

    # Step 1: the decision date first, then the programme; the districts follow.
    page.goto(f"{base}/mergers/new/")
    page.fill("#id_decided_on", "01/03/2021")
    page.select_option("#id_programme", code)
    submit(page, "[data-testid=choose]")
    options = page.locator("[data-testid=district-options] [data-district]")
    assert options.count() == 13  # Hoành Bồ is gone since 2020
    assert page.locator("[data-testid=district-options] input:disabled").count() == 0
    check_page(page)
    page.check(f"#id_district_{district}")
    submit(page, "[data-testid=choose]")

    # Step 2: only the agencies of the programme's two source types, active on that date.
    boxes = page.locator("input[name=source_agencies]")
    assert boxes.count() == 2
    labels = page.locator("[data-field=source_agencies] label").all_inner_texts()
    assert sorted(label.split(" (")[1] for label in labels) == [
        "Cơ quan Kiểm tra - Thanh tra)",
        "Cơ quan Tổ chức - Nội vụ)",
    ]
    check_page(page)

    # One round: one source and no decision number, both refused together.
    boxes.first.check()
    submit(page, "text=Lưu hợp nhất")
    assert errors_of(page, "source_agencies") == ["Cần ít nhất hai cơ quan để hợp nhất."]
    assert errors_of(page, "decision_number") == [REQUIRED]
    assert page.locator("input[name=source_agencies]:checked").count() == 1  # the choice kept
    assert Merger.objects.filter(programme__code=code).count() == 0
    check_page(page)

    page.locator("input[name=source_agencies]").nth(1).check()
    page.fill("#id_decision_number", "15-QĐ/TU")
    page.click("text=Lưu hợp nhất")
    page.wait_for_url(f"{base}/mergers/*/")
    merger = Merger.objects.get(programme__code=code)
    assert page.text_content("[data-testid=status]").strip() == "Kế hoạch"
    check_page(page)

    # Completion: a negative and an oversized figure are refused in the same round as a missing date.
    page.click("a:text('Hoàn thành')")
    page.fill("#id_headcount_after", "-5")
    page.fill("#id_actual_after", "100001")
    submit(page, "text=Xem trước")
    assert errors_of(page, "effective_on") == [REQUIRED]
    assert errors_of(page, "headcount_after") == ["Số liệu không được âm."]
    assert errors_of(page, "actual_after") == ["Số liệu quá lớn (tối đa 100.000)."]
    check_page(page)
    page.fill("#id_effective_on", "01/04/2021")
    page.fill("#id_headcount_after", "20")
    page.fill("#id_actual_after", "")
    submit(page, "text=Xem trước")
    result_name = f"Cơ quan Tổ chức - Nội vụ {name[0].lower()}{name[1:]}"
    assert page.text_content("[data-testid=new-agency]") == result_name
    check_page(page)
    page.click("[data-testid=confirm]")
    page.wait_for_url(f"{base}/mergers/{merger.pk}/")
    assert page.text_content("[data-testid=status]").strip() == "Hoàn thành"
    assert page.text_content("[data-testid=result]").strip() == result_name
    merger.refresh_from_db()
    assert merger.status == MergerStatus.COMPLETED
    assert HeadcountRecord.objects.get(agency=merger.result_agency).authorised == 20
    check_page(page)

    # The district is now marked under the programme, with a link to its merger.
    page.goto(f"{base}/mergers/new/?decided_on=01/06/2021&programme={code}")
    link = page.locator(f"[data-testid=existing-{district}]")
    assert link.get_attribute("href") == f"/mergers/{merger.pk}/"
    assert page.locator(f"#id_district_{district}").is_disabled()


def test_duplicate_agency_is_refused_and_back_and_resubmit_creates_one(screen, live_server, shipped):
    page, base = screen, live_server.url
    log_in(page, base, "bientap", "/agencies/new/")
    existing = Agency.objects.get(name="Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long")
    # The same name typed with combining diacritics (NFD), another case and doubled spaces.
    typed = unicodedata.normalize("NFD", "cơ quan tổ chức -  nội vụ thành ủy hạ long")
    page.select_option("#id_district", "193")
    page.select_option("#id_agency_type", label="Cơ quan Tổ chức - Nội vụ")
    page.fill("#id_name", typed)
    page.fill("#id_established_on", "01/01/2021")
    submit(page, "button:text('Lưu')")
    assert page.locator("[data-testid=duplicate] a").get_attribute("href") == f"/agencies/{existing.pk}/"
    assert Agency.objects.filter(district__code="193", agency_type__code="to-chuc-noi-vu").count() == 1
    check_page(page)

    # A real new agency, then back and the same form sent again: still one.
    page.select_option("#id_agency_type", label="Ban Tổ chức")
    page.fill("#id_name", unicodedata.normalize("NFD", "Ban Tổ chức Thành ủy Hạ Long (mới)"))
    page.click("button:text('Lưu')")
    page.wait_for_url(f"{base}/agencies/*/")
    created = Agency.objects.get(name="Ban Tổ chức Thành ủy Hạ Long (mới)")  # stored in NFC
    assert len(created.name) == len(unicodedata.normalize("NFC", created.name))
    page.go_back()
    page.wait_for_load_state()
    if page.locator("#id_name").input_value():  # the browser kept the form: send it again
        submit(page, "button:text('Lưu')")
    assert Agency.objects.filter(name__startswith="Ban Tổ chức Thành ủy Hạ Long (mới)").count() == 1


def test_import_with_a_prefilled_template(screen, live_server, shipped, tmp_path):
    page, base = screen, live_server.url
    log_in(page, base, "bientap", "/headcounts/")
    open_menu(page)
    page.click("#main-menu .dropdown-toggle:text('Biên chế')")
    page.click("[data-testid=menu-template]")
    page.wait_for_url(f"{base}/headcounts/template/")
    check_page(page)
    page.select_option("#id_district", "207")
    page.fill("#id_as_of", "01/01/2021")
    with page.expect_download() as download:
        page.click("button:text('Tải tệp mẫu (.xlsx)')")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "bien-che-207-2021-01-01.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted((r[4], r[5]) for r in rows) == [
        ("Cơ quan Kiểm tra - Thanh tra", "Huyện Cô Tô"),
        ("Cơ quan Tổ chức - Nội vụ", "Huyện Cô Tô"),
        ("Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể", "Huyện Cô Tô"),
    ]
    for row in sheet.iter_rows(min_row=2):
        row[3].value = row[2].value  # actual = authorised
    sheet.cell(row=2, column=3).value = -1
    workbook.save(path)

    page.goto(f"{base}/headcounts/import/?district=207&as_of=01/01/2021")
    page.fill("#id_source", "Sở Nội vụ, báo cáo 2021")
    page.select_option("#id_source_kind", "official")
    page.set_input_files("#id_file", str(path))
    submit(page, "button:text('Kiểm tra và lưu')")
    assert page.locator("[data-testid=bad-rows]").is_visible()
    assert page.locator("[data-testid=choose-file-again]").is_visible()
    assert page.input_value("#id_source") == "Sở Nội vụ, báo cáo 2021"
    assert page.input_value("#id_as_of") == "01/01/2021"
    assert not HeadcountRecord.objects.filter(as_of="2021-01-01").exists()
    check_page(page)

    sheet.cell(row=2, column=3).value = sheet.cell(row=2, column=4).value
    workbook.save(path)
    page.set_input_files("#id_file", str(path))
    page.click("button:text('Kiểm tra và lưu')")
    page.wait_for_url(f"{base}/headcounts/?district=207")
    assert HeadcountRecord.objects.filter(as_of="2021-01-01", agency__district__code="207").count() == 3
    check_page(page)


def test_demo_administrator_sets_an_editors_scope(screen, live_server, shipped):
    page, base = screen, live_server.url
    log_in(page, base, "quantri", "/")
    open_menu(page)
    page.click("[data-testid=current-user]")  # "Phân quyền" is in the user's menu
    submit(page, "#main-menu a:text('Phân quyền')")
    assert page.url == f"{base}/access/"
    check_page(page)
    page.click("[data-testid=edit-bientap]")
    page.uncheck("#id_province_wide")
    page.get_by_label("207 · Huyện Cô Tô", exact=True).check()
    submit(page, "button:text('Lưu')")
    assert page.locator(".alert-success").inner_text() == "Đã lưu quyền của “Biên tập viên (demo)”."
    assert list(EditorScope.objects.get(user__username="bientap").districts.values_list("code", flat=True)) == ["207"]
    history = " ".join(page.inner_text("[data-testid=access-history]").split())
    assert "quantri Biên tập → Biên tập Toàn tỉnh → Huyện Cô Tô" in history
    assert AccessChange.objects.count() == 1
    check_page(page)


def test_the_menu_is_one_line_at_1366_px_and_folds_on_a_phone(screen, live_server, shipped):
    """The administrator has the most links: at 1366 px the bar is one line, in Vietnamese and in
    English; on a phone the name and the button share one line, and the menu opens from it."""
    page, base = screen, live_server.url
    log_in(page, base, "quantri", "/")
    for language in ("vi", "en"):
        if language == "en":
            open_menu(page)
            submit(page, "button[name=language][value=en]")
        bar = page.evaluate(
            """() => {
                const nav = document.querySelector("nav.navbar"), style = getComputedStyle(nav);
                const shown = [...nav.querySelector(".container-fluid").children].filter((e) => e.offsetParent);
                const heights = shown.map((e) => e.getBoundingClientRect().height);
                return {height: nav.getBoundingClientRect().height, tallest: Math.max(...heights),
                        padding: parseFloat(style.paddingTop) + parseFloat(style.paddingBottom)};
            }"""
        )
        # One row: the bar is as tall as its tallest item (none wrapped below another), and that
        # item is one line of links (40 px), not a list wrapped onto two.
        assert bar["height"] == bar["tallest"] + bar["padding"], (language, bar)
        assert bar["tallest"] <= 40, (language, bar)
        if page.width == 1366:
            assert page.locator(".navbar-toggler").is_hidden()
            assert page.locator("#main-menu").is_visible()
        else:
            assert page.locator(".navbar-toggler").is_visible()
            assert page.locator("#main-menu").is_hidden()
    open_menu(page)
    assert page.locator("#main-menu").is_visible()
    # The secondary links wait in the user's menu.
    assert page.locator("#main-menu a:text('API')").is_hidden()
    page.click("[data-testid=current-user]")
    assert page.locator("#main-menu a:text('API')").is_visible()
    assert page.locator("#main-menu a:text('Access')").is_visible()
    assert page.locator("[data-testid=logout]").is_visible()
    check_page(page)
