"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

The session-wide `browser` fixture is in tests/conftest.py.

Skipped with a reason when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI), where
a missing browser is a failure.
"""

import pytest


@pytest.fixture
def roles(transactional_db):
    """The role groups with their permissions, made again if a flush of a live-server test removed them."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType

    from core.roles import role_permissions

    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    for name, perms in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *[Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in perms]
        )


class PageWatcher:
    """Every console error and uncaught page error, with the URL it happened on."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: pageerror {error}"))
        self.page = page

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"{self.page.url}: console {message.text}")


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watcher = PageWatcher(page)
    page.watcher = watcher
    yield page
    context.close()
