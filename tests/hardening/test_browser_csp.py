"""In a real browser, the strict CSP breaks neither the pages nor Swagger UI (no violations)."""

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    """A page that records every Content-Security-Policy violation (the browser: tests/conftest.py)."""
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.violations.append(m.text))
    yield page
    context.close()


@pytest.mark.urls("tests.hardening.urls_swagger")
def test_swagger_ui_renders_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "Quang Ninh Merger Tracker API" in page.inner_text(".swagger-ui .info .title")
    assert page.violations == []


@pytest.mark.urls("tests.hardening.urls_swagger")
def test_redoc_renders_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("h1", timeout=20_000)
    page.wait_for_timeout(1000)
    assert "Quang Ninh Merger Tracker API" in page.inner_text("h1")
    # Only Redoc's "powered by" logo, from its CDN, is refused: as it should be.
    assert {v.split("'")[1] for v in page.violations} == {"https://cdn.redoc.ly/redoc/logo-mini.svg"}


@pytest.mark.urls("tests.hardening.urls_swagger")
def test_an_inline_script_is_refused(live_server, page):
    """The check above would catch a violation: an inline script is refused and reported."""
    page.goto(f"{live_server.url}/csp-probe/")
    page.wait_for_timeout(500)
    assert page.title() == "before"
    assert any("script-src 'self'" in v for v in page.violations), page.violations


def test_login_page_renders_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.inner_text("h1") == "Đăng nhập"
    assert page.evaluate("typeof bootstrap") == "object"
    assert page.violations == []
