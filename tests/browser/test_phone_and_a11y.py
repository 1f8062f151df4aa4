"""Every main page at a phone's 390 px and a laptop's 1366 px, on the shipped data: no page wider
than the screen (tables scroll inside their own box), and axe-core finds no serious or critical
violation. The context bypasses the Content-Security-Policy only so that axe can be injected
(tests/hardening/test_browser_csp.py checks the policy itself)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from mergers.models import Agency, Decision, Merger
from tests.browser.a11y import axe_violations, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-for-browser-3"
WIDTHS = {390: 844, 1366: 900}


@pytest.fixture
def shipped(roles):
    call_command("loaddata", "quang_ninh", verbosity=0)
    admin = get_user_model().objects.create_superuser(username="quantri", password=PASSWORD, first_name="Quản trị")
    return {
        "admin": admin,
        "merger": Merger.objects.order_by("pk").first(),
        # Every agency ended with the district tier (01/07/2025): one that lived until then.
        "agency": Agency.objects.filter(dissolved_on=datetime.date(2025, 7, 1)).order_by("pk").first(),
        "decision": Decision.objects.get(number="44-QĐ/TU"),
    }


def main_pages(shipped) -> list[str]:
    merger, agency = shipped["merger"], shipped["agency"]
    return [
        "/",
        "/?as_of=27/09/2017",
        "/districts/193/",
        "/reports/print/",  # the A4 sheet, on screen: on a phone it scrolls inside itself
        "/reports/print/193/",
        "/mergers/",
        f"/mergers/{merger.pk}/",
        "/mergers/new/",
        "/mergers/new/?decided_on=01/01/2021&programme=khoi-mttq",
        "/agencies/",
        f"/agencies/{agency.pk}/",
        "/agencies/new/",
        f"/agencies/{agency.pk}/edit/",
        "/programmes/",
        "/programmes/khoi-mttq/",
        "/programmes/new/",
        "/headcounts/",
        "/headcounts/entry/?district=193&as_of=01/01/2021",
        "/headcounts/import/",
        "/headcounts/template/",
        "/access/",
        f"/access/{shipped['admin'].pk}/",
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_main_page_fits_the_screen_and_passes_axe(browser, live_server, shipped, width):
    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    problems = []
    page.goto(f"{base}/accounts/login/")
    problems += [f"/accounts/login/ {v}" for v in axe_violations(page)]
    page.fill("#id_username", "quantri")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")
    for path in main_pages(shipped):
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        overflow = horizontal_overflow(page)
        if overflow > 0:
            problems.append(f"{path}: {overflow} px wider than the screen")
        problems += [f"{path} {v}" for v in axe_violations(page)]
    context.close()
    assert problems == [], "\n".join(problems)
