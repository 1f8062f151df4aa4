"""In a real browser, the strict CSP breaks neither the pages nor Swagger UI (no violations)."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def page(monkeypatch):
    if not shutil.which(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is required (REQUIRE_BROWSER is set)")
        pytest.skip(f"{CHROMIUM} missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's database
    # work happens in its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="vi-VN")
        page.violations = []
        page.on("console", lambda m: "Content Security Policy" in m.text and page.violations.append(m.text))
        yield page
        browser.close()


@pytest.mark.urls("tests.hardening.urls_swagger")
def test_swagger_ui_renders_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "Quảng Ninh merger tracker API" in page.inner_text(".swagger-ui .info .title")
    assert page.violations == []


@pytest.mark.urls("tests.hardening.urls_swagger")
def test_redoc_renders_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("h1", timeout=20_000)
    page.wait_for_timeout(1000)
    assert "Quảng Ninh merger tracker API" in page.inner_text("h1")
    # Only Redoc's "powered by" logo, from its CDN, is refused: as it should be.
    assert {v.split("'")[1] for v in page.violations} == {"https://cdn.redoc.ly/redoc/logo-mini.svg"}


@pytest.mark.urls("tests.hardening.urls_swagger")
def test_the_default_swagger_view_would_be_blocked(live_server, page):
    """Why /api/docs/ must be the split view: the inline script of the default one is refused."""
    page.goto(f"{live_server.url}/api/docs-inline/")
    page.wait_for_timeout(1500)
    assert page.query_selector(".swagger-ui .info .title") is None
    assert any("script-src 'self'" in v for v in page.violations), page.violations


def test_login_page_renders_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.inner_text("h1") == "Đăng nhập"
    assert page.evaluate("typeof bootstrap") == "object"
    assert page.violations == []
