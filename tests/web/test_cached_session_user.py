"""A page's user and roles, kept as an API token's user is (core.auth: under the shared stamp, at
most AUTH_CACHE_SECONDS; issue 17): read once, not on every page, and read again as soon as a
change to the user, their groups or a group commits."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import auth, prepared
from core.roles import ANALYSTS, EDITORS

pytestmark = [pytest.mark.django_db, pytest.mark.read_cache]

PAGE = "/mergers/"


def tables(queries) -> list[str]:
    """The users and groups read (the permissions, which join the groups, are not counted; a
    prepared statement's own SQL, on PostgreSQL)."""
    sqls = [prepared.original(q["sql"]) for q in queries.captured_queries]
    return [table for sql in sqls for table in ("auth_user", "auth_group") if f'FROM "{table}"' in sql]


def header(response) -> str:
    body = response.content.decode()
    start = body.index('data-testid="current-user">') + len('data-testid="current-user">')
    return body[start : body.index("</a>", start)]


def test_the_user_and_roles_are_read_once(quang_ninh, client, editor, analyst):
    editor.groups.add(Group.objects.get(name=ANALYSTS))
    client.force_login(editor)
    first = client.get(PAGE)
    assert header(first) == "editor · Biên tập viên, Chuyên viên phân tích"
    with CaptureQueriesContext(connection) as queries:
        again = client.get(PAGE)
    assert tables(queries) == []
    assert header(again) == header(first)


def test_a_committed_change_of_groups_is_shown_at_once(quang_ninh, client, editor, commit):
    client.force_login(editor)
    assert header(client.get(PAGE)) == "editor · Biên tập viên"
    with commit():
        editor.groups.add(Group.objects.get(name=ANALYSTS))
    assert header(client.get(PAGE)) == "editor · Biên tập viên, Chuyên viên phân tích"
    with commit():
        group = Group.objects.get(name=EDITORS)
        group.name = "editors-renamed"
        group.save()
    assert header(client.get(PAGE)) == "editor · Chuyên viên phân tích"


def test_a_deactivated_user_is_logged_out_at_once(quang_ninh, client, editor, commit):
    client.force_login(editor)
    assert client.get(PAGE).status_code == 200
    with commit():
        editor.is_active = False
        editor.save()
    refused = client.get(PAGE)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/accounts/login/")


def test_kept_at_most_the_auth_cache_s_seconds(quang_ninh, client, editor, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(auth, "now", lambda: clock[0])
    client.force_login(editor)
    client.get(PAGE)
    clock[0] += auth.AUTH_CACHE_SECONDS
    with CaptureQueriesContext(connection) as kept:
        client.get(PAGE)
    clock[0] += 1
    with CaptureQueriesContext(connection) as read_again:
        client.get(PAGE)
    assert tables(kept) == []
    assert tables(read_again) == ["auth_user", "auth_group"]


def test_read_on_every_page_with_the_auth_cache_off(quang_ninh, client, editor, settings):
    settings.AUTH_CACHE = False
    client.force_login(editor)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        assert header(client.get(PAGE)) == "editor · Biên tập viên"
    assert tables(queries) == ["auth_user", "auth_group"]
