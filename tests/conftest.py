"""Shared pytest fixtures: the shipped Quảng Ninh data, users in each role."""

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import caches
from django.core.management import call_command
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from core.roles import ANALYSTS, EDITORS, LEADERS, role_permissions
from tests.live import sqlite_database, sqlite_template  # noqa: F401 (fixtures of the tests on a real server)

# Hypothesis: tests that set no example count of their own (the model-based figures test) run
# 25 examples locally and 200 in CI (.ci/run exports HYPOTHESIS_PROFILE=ci).
hypothesis_settings.register_profile("dev", max_examples=25, print_blob=True)
hypothesis_settings.register_profile("ci", max_examples=200, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _vietnamese():
    """Each test starts in Vietnamese: a request answered in English leaves English active."""
    translation.activate("vi")
    yield
    translation.activate("vi")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Inside it, writes run their on-commit callbacks at its end, as when their transaction
    commits: the read cache's stamps are renewed then (tests marked read_cache)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def quang_ninh(db):
    """The shipped fixture, loaded into the test database."""
    call_command("seed_quang_ninh", stdout=io.StringIO())


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


# Suites run with the read cache on, as in production (issue 13): the security, district-scope
# and bad-input tests must hold with every answer, token user and permission served from it.
READ_CACHE_SUITES = ("tests/security/", "tests/fuzz/")


def pytest_collection_modifyitems(items):
    root = Path(__file__).resolve().parent.parent
    for item in items:
        if str(Path(item.path).resolve().relative_to(root)).startswith(READ_CACHE_SUITES):
            item.add_marker(pytest.mark.read_cache)
            item.add_marker(pytest.mark.stamp_at_write)


@pytest.fixture(autouse=True)
def _stamp_renewed_at_each_write(request, monkeypatch):
    """A test's transaction never commits, so a write there would never renew the data stamp and
    the cache would serve the answers from before it. In the read-cache suites each write renews
    it at once instead, inside the transaction (a refused write's savepoint rolls it back too)."""
    if request.node.get_closest_marker("stamp_at_write") is not None:
        from core import readcache

        monkeypatch.setattr(readcache, "bump_on_commit", readcache.bump)


@pytest.fixture(autouse=True)
def _read_cache_where_committed(request, settings):
    """The read cache is renewed when a write commits, which a test inside a transaction never
    does: there it would serve pages from before the test's own writes. It is on where writes
    commit: the browser tests (a live server) and the read-cache tests (@pytest.mark.read_cache,
    which run their writes' on-commit callbacks). Each test starts with it empty, and with none
    of the copies the process keeps under the stamps (users and rights, the districts' layout)."""
    from core import auth, fastread, readcache

    caches["reads"].clear()
    fastread.clear()
    auth.clear_copies()
    readcache.clear_layout_memos()
    if request.node.get_closest_marker("read_cache") is None and request.node.get_closest_marker("browser") is None:
        settings.READ_CACHE_SECONDS = 0
        settings.AUTH_CACHE = False  # its entries, too, are renewed by commits only
    yield
    caches["reads"].clear()
    fastread.clear()
    auth.clear_copies()
    readcache.clear_layout_memos()


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
