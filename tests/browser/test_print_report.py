"""The one-page report printed by Chromium: the province's and each district's fit one A4 page.

Playwright's `page.pdf(format="A4")` prints each page as a person printing it would (print media,
the print stylesheet); pypdf counts the pages of the result.
"""

import io

import pypdf
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.roles import LEADERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-for-browser-3"
CODES = ["193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207"]
A4_PORTRAIT = (595.3, 841.9)  # points: 210 x 297 mm (Chromium rounds to 8.27 x 11.7 in)


@pytest.fixture
def leader(roles):
    call_command("loaddata", "quang_ninh", verbosity=0)
    user = get_user_model().objects.create_user(username="lanhdao", password=PASSWORD)
    user.groups.add(Group.objects.get(name=LEADERS))
    return user


def _log_in(page, base):
    page.goto(f"{base}/accounts/login/?next=/")
    page.fill("#id_username", "lanhdao")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


def _printed_pages(page) -> list:
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    return list(reader.pages)


def test_the_province_and_every_district_print_on_one_a4_page(page, live_server, leader):
    base = live_server.url
    _log_in(page, base)
    counts = {}
    for path in ["/reports/print/?as_of=27/09/2017", "/reports/print/", *(f"/reports/print/{c}/" for c in CODES)]:
        page.goto(f"{base}{path}")
        assert (
            page.locator("[data-testid=print-report] h1")
            .inner_text()
            .startswith("Báo cáo hợp nhất cơ quan cấp huyện – ")
        )
        pages = _printed_pages(page)
        counts[path] = len(pages)
        box = pages[0].mediabox
        assert abs(float(box.width) - A4_PORTRAIT[0]) < 1 and abs(float(box.height) - A4_PORTRAIT[1]) < 1.5
        text = " ".join(pages[0].extract_text().split())
        assert "In ngày" in text  # the footer made it onto the page
        assert "Đăng xuất" not in text  # the menu is not printed
    assert counts == dict.fromkeys(counts, 1)
    assert len(counts) == 16
    assert page.watcher.problems == []


def test_the_dashboard_and_district_page_link_the_printable_report(page, live_server, leader):
    base = live_server.url
    _log_in(page, base)
    page.goto(f"{base}/?as_of=27/09/2017")
    page.click("[data-testid=print-link]")
    page.wait_for_url(f"{base}/reports/print/?as_of=27%2F09%2F2017")
    assert "12/14 đơn vị công bố 279 demo → 244 demo" in " ".join(
        page.inner_text("[data-testid=print-programmes]").split()
    )
    page.goto(f"{base}/districts/204/")
    page.click("[data-testid=print-link]")
    page.wait_for_url(f"{base}/reports/print/204/")
    assert page.watcher.problems == []
