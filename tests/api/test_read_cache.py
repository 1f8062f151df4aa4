"""The read cache: served again only while the data is unchanged, never past a committed write."""

import datetime
import logging

import pytest
from django.db import OperationalError, transaction

from core import readcache
from core.api.views import representation_etag
from core.auth import CachedPermissionsBackend
from mergers import services
from mergers.choices import SourceKind
from mergers.models import Agency
from reports.models import DataVersion
from tests.api.conftest import token_client
from tests.reports.htmltext import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.read_cache]

STAFFING = "/api/v1/reports/staffing/"
PARAMS = {"baseline": "2015-11-30", "as_of": "2021-06-01", "province": "22"}


def ha_long(body: dict) -> dict:
    return next(row for row in body["districts"] if row["district"] == "193")


def record_headcount(user, *, authorised: int, day=datetime.date(2021, 1, 1)):
    agency = Agency.objects.get(pk=7)
    return services.headcount_record(
        user=user, agency=agency, as_of=day, authorised=authorised, source="Báo cáo", source_kind=SourceKind.OFFICIAL
    )


@pytest.fixture
def bumps(monkeypatch):
    """The stamps given after commits, in order."""
    given = []
    real = readcache.bump

    def counted(**scope):
        real(**scope)
        given.append(readcache.stamp())

    monkeypatch.setattr(readcache, "bump", counted)
    return given


def test_a_committed_write_renews_the_stamp_once_per_transaction(quang_ninh, editor, bumps, commit):
    before = readcache.stamp()
    with commit(), transaction.atomic():
        record_headcount(editor, authorised=30)
        record_headcount(editor, authorised=31, day=datetime.date(2021, 2, 1))
        assert bumps == []  # not before the commit
    assert len(bumps) == 1
    assert readcache.stamp() == bumps[0]
    assert bumps[0] not in (None, before)
    assert DataVersion.objects.count() == 1


def test_a_rolled_back_write_leaves_the_stamp(quang_ninh, editor, bumps, commit):
    before = readcache.stamp()
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        record_headcount(editor, authorised=30)
        raise RuntimeError("abandon the write")
    assert bumps == []
    assert readcache.stamp() == before


def test_a_rolled_back_savepoint_does_not_lose_the_outer_write(quang_ninh, editor, bumps, commit):
    """The first write's callback is dropped with its savepoint; the second's still runs."""
    with commit(), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            record_headcount(editor, authorised=30)
            raise RuntimeError("abandon the inner write")
        record_headcount(editor, authorised=32)
    assert len(bumps) == 1


def test_the_report_is_served_again_until_a_write_commits(
    quang_ninh, editor, analyst, django_assert_num_queries, commit
):
    client = token_client(analyst)
    first = client.get(STAFFING, PARAMS)
    assert first.status_code == 200
    assert ha_long(first.json())["headcount_current"] == 93
    # Only the stamp: the token's user, their permissions and the report come from the cache.
    with django_assert_num_queries(1):
        again = client.get(STAFFING, PARAMS)
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"

    with commit():
        record_headcount(editor, authorised=40)
    after = client.get(STAFFING, PARAMS).json()
    # Agency 7 (the MTTQ bloc's office) goes from 43 to 40: Hạ Long 93 - 43 + 40.
    assert ha_long(after)["headcount_current"] == 90
    assert ha_long(after)["change"] == 90 - ha_long(first.json())["headcount_baseline"]


def test_a_write_through_the_api_is_seen_by_the_next_read(quang_ninh, editor_client, analyst, commit):
    client = token_client(analyst)
    assert ha_long(client.get(STAFFING, PARAMS).json())["headcount_current"] == 93
    with commit():
        response = editor_client.post(
            "/api/v1/headcounts/",
            {
                "agency": 7,
                "as_of": "2021-01-01",
                "authorised": 18,
                "source": "Báo cáo",
                "source_kind": "official",
                "confirm": True,
            },
        )
    assert response.status_code == 201, response.json()
    assert ha_long(client.get(STAFFING, PARAMS).json())["headcount_current"] == 93 - 43 + 18


def test_the_cache_does_not_skip_permissions(quang_ninh, analyst, nobody):
    assert token_client(analyst).get(STAFFING, PARAMS).status_code == 200
    response = token_client(nobody).get(STAFFING, PARAMS)
    assert response.status_code == 403
    assert token_client(None).get(STAFFING, PARAMS).status_code == 401


def test_a_deleted_token_or_a_removed_role_counts_at_the_next_request(quang_ninh, analyst, commit):
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    client = token_client(analyst)
    assert client.get(STAFFING, PARAMS).status_code == 200
    assert client.get(STAFFING, PARAMS).status_code == 200  # served from the cache
    with commit():
        analyst.groups.remove(Group.objects.get(name="analysts"))
    assert client.get(STAFFING, PARAMS).status_code == 403
    with commit():
        analyst.groups.add(Group.objects.get(name="analysts"))
    assert client.get(STAFFING, PARAMS).status_code == 200
    with commit():
        Token.objects.filter(user=analyst).delete()
    response = client.get(STAFFING, PARAMS)
    assert response.status_code == 401
    assert response.json() == {"detail": "Token không hợp lệ."}  # DRF's message, in the project's Vietnamese catalogue


def test_a_login_does_not_empty_the_cache(quang_ninh, analyst, client, commit):
    before = readcache.stamp()
    with commit():
        assert client.login(username="analyst", password="pw-for-tests-1")
    assert readcache.stamp() == before


def test_languages_and_formats_are_kept_apart(quang_ninh, analyst):
    """The language is part of the key. It reaches the request through the language switch's
    cookie or, under /api/, through Accept-Language (issue 15: config.middleware)."""
    client = token_client(analyst)
    vi = client.get(STAFFING, PARAMS)
    client.cookies["django_language"] = "en"
    en = client.get(STAFFING, PARAMS)
    assert vi.status_code == en.status_code == 200
    assert (ha_long(vi.json())["name"], ha_long(en.json())["name"]) == ("Thành phố Hạ Long", "Ha Long City")
    # Each language is served again from its own entry, never the other's.
    assert client.get(STAFFING, PARAMS).content == en.content
    del client.cookies["django_language"]
    assert client.get(STAFFING, PARAMS).content == vi.content
    assert client.get(STAFFING, PARAMS, HTTP_ACCEPT_LANGUAGE="en").content == en.content

    # A list's CSV is streamed, never cached (issue 15); a detail's CSV is cached like its JSON.
    detail = "/api/v1/agency-types/ban-to-chuc/"
    csv = client.get(detail, {"format": "csv"})
    json = client.get(detail)
    assert csv["Content-Type"].startswith("text/csv")
    assert csv["Content-Disposition"] == 'attachment; filename="agency-types-ban-to-chuc.csv"'
    assert csv.content != json.content
    assert client.get(detail, {"format": "csv"}).content == csv.content
    assert client.get(detail).content == json.content


def test_a_detail_keeps_its_etag_when_served_from_the_cache(quang_ninh, analyst, django_assert_num_queries):
    client = token_client(analyst)
    first = client.get("/api/v1/agencies/7/")
    assert first["ETag"] == representation_etag(first.content)
    with django_assert_num_queries(1):
        again = client.get("/api/v1/agencies/7/")
    assert (again.content, again["ETag"]) == (first.content, first["ETag"])


def test_errors_are_not_cached(quang_ninh, analyst):
    client = token_client(analyst)
    assert client.get("/api/v1/agencies/999999/").status_code == 404
    assert client.get(STAFFING, {"as_of": "not a date"}).status_code == 400
    assert readcache.get(readcache.key("api", "http://testserver/api/v1/agencies/999999/", "application/json")) is None


def main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_the_dashboard_body_is_cached_and_the_page_around_it_is_not(
    quang_ninh, leader, client, django_assert_num_queries, editor, commit
):
    client.force_login(leader)
    path = "/?baseline=30/11/2015&as_of=01/06/2021"
    first = client.get(path)
    assert first.status_code == 200
    page = first.content.decode()
    assert leader.username in page
    # Session, province, stamp (the user, their groups for the menu and permissions are cached).
    with django_assert_num_queries(3):
        again = client.get(path)
    assert main(again) == main(first)
    assert again.content != first.content  # the logout form's CSRF token is new on each page

    with commit():
        record_headcount(editor, authorised=40)
    changed = main(client.get(path))
    assert changed != main(first)
    assert (text_of(main(first), "total-current"), text_of(changed, "total-current")) == (
        "606",
        "603",  # agency 7: 43 -> 40
    )


def test_a_failed_stamp_renewal_is_logged_not_raised(quang_ninh, editor, monkeypatch, caplog):
    def broken():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(readcache, "bump", broken)
    with caplog.at_level(logging.ERROR, logger="core.readcache"):
        readcache._bump_after_commit()
    assert "could not renew the data stamp" in caplog.text


def test_nothing_is_cached_when_turned_off(quang_ninh, settings):
    settings.READ_CACHE_SECONDS = 0
    assert readcache.key("anything") is None
    assert readcache.cached(("anything",), lambda: 1) == 1


def _tables_read(queries) -> list[str]:
    """The first table each query reads (a prepared statement's, on PostgreSQL: core.prepared)."""
    from core.prepared import original

    return [original(query["sql"]).split(" FROM ", 1)[1].split()[0].strip('"') for query in queries.captured_queries]


def test_who_asks_is_one_cache_read_or_none(quang_ninh, analyst, settings, monkeypatch):
    """The token's user comes from the cache with their permissions: one read, not two; and from
    this process's copy of that entry, while it is fresh, without a read (issue 17)."""
    from core import auth

    settings.READ_CACHE_SECONDS = 0
    client = token_client(analyst)
    assert client.get("/api/v1/districts/193/").status_code == 200
    reads = []
    real_get = readcache.get
    monkeypatch.setattr(readcache, "get", lambda key: reads.append(key) or real_get(key))
    assert client.get("/api/v1/districts/193/").status_code == 200
    assert reads == []  # this process's copy
    auth.clear_copies()  # as in another worker, which has none
    assert client.get("/api/v1/districts/193/").status_code == 200
    assert len(reads) == 1
    read_at, (user, _token) = real_get(reads[0])
    assert user.pk == analyst.pk
    assert "districts.view_district" in user._perm_cache
    assert user._perm_cache == CachedPermissionsBackend().permissions_from_db(analyst)
    # Each request gets a User of its own: what one request does to it is not the next one's.
    first, second = auth._read(reads[0]), auth._read(reads[0])
    assert first[0] == second[0] == read_at
    assert first[1][0] is not second[1][0]
    assert first[1][0]._perm_cache == second[1][0]._perm_cache


def test_a_stale_copy_is_not_used(quang_ninh, analyst, clock):
    """A copy is checked as the entry is: read from the database at most 30 s ago."""
    from django.contrib.auth import get_user_model

    from core import auth

    client = token_client(analyst)
    assert client.get(STAFFING, PARAMS).status_code == 200
    get_user_model().objects.filter(pk=analyst.pk).update(is_active=False)  # no signal: the stamp stays
    assert len(auth._copies) == 1  # the token's entry, the permissions with it
    clock.advance(29)
    assert client.get(STAFFING, PARAMS).status_code == 200  # the copy: the user as read 29 s ago
    clock.advance(2)
    assert client.get(STAFFING, PARAMS).status_code == 401


def test_with_answers_uncached_who_asks_is_still_cached(quang_ninh, analyst, editor, settings, commit, monkeypatch):
    """The miss path (issue 17): with READ_CACHE_SECONDS=0 every answer is computed afresh, and the
    token's user and permissions still come from the cache until the shared stamp changes, as
    after any write to the data."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.READ_CACHE_SECONDS = 0
    monkeypatch.setattr(readcache, "_codes", (object(), {}))  # as in a new process, whatever ran before
    client = token_client(analyst)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/districts/193/").status_code == 200
    assert _tables_read(first) == [
        "reports_dataversion",  # the stamps, which key who asks
        "districts_province",  # the stamps' province codes, read once
        "authtoken_token",
        "auth_permission",
        "districts_district",
    ]
    with CaptureQueriesContext(connection) as again:
        assert client.get("/api/v1/districts/193/").status_code == 200
    # The district too is kept under the shared stamp (core.readcache.layout_memo).
    assert _tables_read(again) == ["reports_dataversion"]

    assert ha_long(client.get(STAFFING, PARAMS).json())["headcount_current"] == 93
    with commit():
        record_headcount(editor, authorised=40)
    assert ha_long(client.get(STAFFING, PARAMS).json())["headcount_current"] == 90
    with commit():
        analyst.groups.remove(Group.objects.get(name="analysts"))
    assert client.get(STAFFING, PARAMS).status_code == 403


def test_who_asks_is_read_on_every_request_with_the_auth_cache_off(quang_ninh, analyst, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.AUTH_CACHE = False
    client = token_client(analyst)
    assert client.get("/api/v1/districts/193/").status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get("/api/v1/districts/193/").status_code == 200
    # The answer is the read cache's; the token's user and permissions are read again.
    assert _tables_read(again) == ["authtoken_token", "auth_permission", "reports_dataversion"]


# --- issue 13: cached auth lives at most 30 s, whatever happens outside the application ------


@pytest.fixture
def clock(monkeypatch):
    """Time travel for core/auth.py's entries: `clock.advance(31)`; nothing sleeps."""
    import time as real_time
    from types import SimpleNamespace

    from core import auth

    now = SimpleNamespace(offset=0.0)
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: real_time.time() + now.offset))
    now.advance = lambda seconds: setattr(now, "offset", now.offset + seconds)
    return now


def test_a_user_deactivated_outside_the_application_is_refused_within_30_seconds(quang_ninh, analyst, clock):
    from django.contrib.auth import get_user_model

    from core.auth import AUTH_CACHE_SECONDS

    client = token_client(analyst)
    assert client.get(STAFFING, PARAMS).status_code == 200
    before = readcache.stamp()
    get_user_model().objects.filter(pk=analyst.pk).update(is_active=False)  # no signal: the stamp stays
    assert readcache.stamp() == before
    clock.advance(AUTH_CACHE_SECONDS - 1)
    assert client.get(STAFFING, PARAMS).status_code == 200  # still the cached user
    clock.advance(2)
    response = client.get(STAFFING, PARAMS)
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Người dùng không còn hoạt động, hoặc đã bị xoá."},
    )  # DRF's catalogue
    assert AUTH_CACHE_SECONDS == 30


def test_a_token_row_deleted_outside_the_application_is_refused_within_30_seconds(quang_ninh, analyst, clock):
    from django.db import connection
    from rest_framework.authtoken.models import Token

    client = token_client(analyst)
    assert client.get(STAFFING, PARAMS).status_code == 200
    with connection.cursor() as cursor:  # as in psql: no model, no signal
        cursor.execute(f"DELETE FROM {Token._meta.db_table} WHERE user_id = %s", [analyst.pk])
    assert client.get(STAFFING, PARAMS).status_code == 200
    clock.advance(31)
    assert client.get(STAFFING, PARAMS).status_code == 401


def test_permissions_removed_outside_the_application_count_within_30_seconds(quang_ninh, analyst, clock):
    client = token_client(analyst)
    assert client.get(STAFFING, PARAMS).status_code == 200
    analyst.groups.through.objects.filter(user_id=analyst.pk)._raw_delete("default")  # no m2m signal
    clock.advance(31)
    assert client.get(STAFFING, PARAMS).status_code == 403
