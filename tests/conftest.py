"""Shared pytest fixtures: the shipped Quảng Ninh data, users in each role."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import caches
from django.core.management import call_command
from django.utils import translation

from mergers.roles import ANALYSTS, EDITORS, LEADERS, role_permissions


@pytest.fixture(autouse=True)
def _vietnamese():
    """Each test starts in Vietnamese: a request answered in English leaves English active."""
    translation.activate("vi")
    yield
    translation.activate("vi")


@pytest.fixture
def quang_ninh(db):
    """The shipped fixture, loaded into the test database."""
    call_command("loaddata", "quang_ninh", verbosity=0)


def ensure_roles() -> None:
    """The groups made by the data migration; transactional tests empty the tables after them."""
    for name, perms in role_permissions().items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            for app_label, codename in perms:
                group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def _user_in(group_name: str, username: str):
    ensure_roles()
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-1")
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return _user_in(EDITORS, "editor")


@pytest.fixture
def leader(db):
    return _user_in(LEADERS, "leader")


@pytest.fixture
def analyst(db):
    return _user_in(ANALYSTS, "analyst")


@pytest.fixture(autouse=True)
def _axes_only_where_tested(request, settings):
    """django-axes refuses authenticate() calls without a request, as the test client's
    login() makes them; tests of login protection turn it on with @pytest.mark.axes."""
    if request.node.get_closest_marker("axes") is None:
        settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _read_cache_where_committed(request, settings):
    """The read cache is renewed when a write commits, which a test inside a transaction never
    does: there it would serve pages from before the test's own writes. It is on where writes
    commit: the browser tests (a live server) and the read-cache tests (@pytest.mark.read_cache,
    which run their writes' on-commit callbacks). Each test starts with it empty."""
    caches["reads"].clear()
    if request.node.get_closest_marker("read_cache") is None and request.node.get_closest_marker("browser") is None:
        settings.READ_CACHE_SECONDS = 0
    yield
    caches["reads"].clear()


# --- the browser, shared by every browser test (one Playwright instance per session) ---
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
