"""The read cache's front door (core/fastread.py, issue 17): an answer the read cache gave a
client is given to that client again before the middleware and DRF run, byte for byte and
header for header, and never to anyone the whole stack would refuse, never after a write."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import OperationalError, connections
from rest_framework.authtoken.models import Token

from core import auth, fastread, readcache
from core.api.throttles import UserRateThrottle
from districts.api.views import DistrictViewSet
from tests.api.conftest import token_client
from tests.api.test_read_cache import PARAMS, STAFFING, clock, ha_long, record_headcount  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.read_cache]

DISTRICT = "/api/v1/districts/193/"


@pytest.fixture
def no_stack(monkeypatch):
    """While on, a request that reaches DRF's view fails the test: it must come from the front door."""
    state = {"on": False}
    real = DistrictViewSet.initial

    def initial(self, request, *args, **kwargs):
        assert not state["on"], "answered by the whole stack"
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(DistrictViewSet, "initial", initial)
    return state


def headers(response) -> dict:
    """Every header but the requests left in the throttle's budget (one fewer at each request)."""
    return {name: value for name, value in response.items() if name != "RateLimit-Remaining"}


def test_the_front_door_answers_with_the_same_bytes_and_headers(quang_ninh, analyst, no_stack):
    client = token_client(analyst)
    miss = client.get(DISTRICT)
    hit = client.get(DISTRICT)  # the read cache's answer, through the whole stack: kept at the front
    assert miss.status_code == hit.status_code == 200
    assert len(fastread._entries) == 1
    no_stack["on"] = True
    front = client.get(DISTRICT)
    assert front.status_code == 200
    assert front.content == hit.content == miss.content
    assert headers(front) == headers(hit) == headers(miss)
    assert list(headers(front)) == list(headers(hit))  # in the same order
    assert front["Content-Type"] == "application/json"
    assert front["Vary"] == "Accept, Accept-Language, Cookie"
    assert front["X-Frame-Options"] == "DENY"
    assert front["Content-Language"] == "vi"
    assert [r["RateLimit-Remaining"] for r in (miss, hit, front)] == ["1199", "1198", "1197"]
    assert front.json()["code"] == "193"


def test_the_front_door_asks_the_database_for_the_stamps_only(quang_ninh, analyst, django_assert_num_queries):
    client = token_client(analyst)
    client.get(DISTRICT)
    client.get(DISTRICT)
    with django_assert_num_queries(1):
        assert client.get(DISTRICT).status_code == 200


def test_other_clients_and_requests_never_get_the_kept_answer(quang_ninh, analyst, nobody, no_stack):
    client = token_client(analyst)
    client.get(DISTRICT)
    client.get(DISTRICT)
    assert len(fastread._entries) == 1
    # Another token, no token, a wrong token, another language, a cookie: the whole stack answers.
    assert token_client(nobody).get(DISTRICT).status_code == 403
    assert token_client(None).get(DISTRICT).status_code == 401
    wrong = token_client(None)
    wrong.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert (wrong.get(DISTRICT).status_code, wrong.get(DISTRICT).json()) == (401, {"detail": "Token không hợp lệ."})
    english = client.get(DISTRICT, HTTP_ACCEPT_LANGUAGE="en")
    assert (english.status_code, english["Content-Language"], english.json()["name"]) == (200, "en", "Ha Long City")
    no_stack["on"] = True
    assert client.get(DISTRICT).json()["name"] == "Thành phố Hạ Long"


def test_a_conditional_request_is_answered_by_the_whole_stack(quang_ninh, analyst):
    client = token_client(analyst)
    etag = client.get(DISTRICT)["ETag"]
    client.get(DISTRICT)
    not_modified = client.get(DISTRICT, HTTP_IF_NONE_MATCH=etag)
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    assert client.get(DISTRICT, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_deleted_token_is_refused_at_the_next_request(quang_ninh, analyst, commit):
    client = token_client(analyst)
    client.get(DISTRICT)
    assert client.get(DISTRICT).status_code == 200
    with commit():
        Token.objects.filter(user=analyst).delete()
    refused = client.get(DISTRICT)
    assert (refused.status_code, refused.json()) == (401, {"detail": "Token không hợp lệ."})


def test_a_deactivated_user_is_refused_at_the_next_request(quang_ninh, analyst, commit):
    client = token_client(analyst)
    client.get(DISTRICT)
    assert client.get(DISTRICT).status_code == 200
    with commit():
        analyst.is_active = False
        analyst.save()
    refused = client.get(DISTRICT)
    assert (refused.status_code, refused.json()) == (401, {"detail": "Người dùng không còn hoạt động, hoặc đã bị xoá."})


def test_a_removed_role_is_refused_at_the_next_request(quang_ninh, analyst, commit):
    client = token_client(analyst)
    client.get(DISTRICT)
    assert client.get(DISTRICT).status_code == 200
    with commit():
        analyst.groups.remove(Group.objects.get(name="analysts"))
    refused = client.get(DISTRICT)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "Bạn không được cấp quyền để thực hiện hành động này.",
    )


def test_a_user_deactivated_outside_the_application_is_refused_within_30_seconds(quang_ninh, analyst, clock):  # noqa: F811
    client = token_client(analyst)
    client.get(DISTRICT)
    assert client.get(DISTRICT).status_code == 200
    get_user_model().objects.filter(pk=analyst.pk).update(is_active=False)  # no signal: the stamps stay
    clock.advance(auth.AUTH_CACHE_SECONDS - 1)
    assert client.get(DISTRICT).status_code == 200  # still the user read 29 s ago
    clock.advance(2)
    refused = client.get(DISTRICT)
    assert (refused.status_code, refused.json()) == (401, {"detail": "Người dùng không còn hoạt động, hoặc đã bị xoá."})


def test_a_committed_write_is_seen_by_the_next_request(quang_ninh, editor, analyst, commit, monkeypatch):
    client = token_client(analyst)
    before = client.get(STAFFING, PARAMS)
    assert client.get(STAFFING, PARAMS).content == before.content
    assert ha_long(before.json())["headcount_current"] == 93
    assert len(fastread._entries) == 1
    with commit():
        record_headcount(editor, authorised=40)
    # Agency 7 (the MTTQ bloc's office) goes from 43 to 40: Hạ Long 93 - 43 + 40.
    assert ha_long(client.get(STAFFING, PARAMS).json())["headcount_current"] == 90
    assert ha_long(client.get(STAFFING, PARAMS).json())["headcount_current"] == 90


def test_an_answer_is_not_kept_past_the_day_it_was_built_for(quang_ninh, analyst, clock):  # noqa: F811
    client = token_client(analyst)
    client.get(DISTRICT)
    client.get(DISTRICT)
    (entry,) = fastread._entries.values()
    now = datetime.datetime.fromtimestamp(auth.now(), tz=datetime.timezone(datetime.timedelta(hours=7)))
    midnight = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(), now.tzinfo)
    assert entry.valid_until <= midnight.timestamp()
    assert entry.valid_until <= auth.now() + auth.AUTH_CACHE_SECONDS


def test_throttles_count_front_door_answers_and_say_so(quang_ninh, analyst, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {**UserRateThrottle.THROTTLE_RATES, "user": "4/minute"})
    client = token_client(analyst)
    answers = [client.get(DISTRICT) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert len(fastread._entries) == 1
    assert [a["RateLimit-Remaining"] for a in answers] == ["3", "2", "1", "0"]
    assert [a["RateLimit-Limit"] for a in answers] == ["4"] * 4
    assert [a["RateLimit-Policy"] for a in answers] == ["4;w=60"] * 4
    # The front door's answers (the 3rd and 4th) carry the headers where the stack puts them.
    assert list(headers(answers[3])) == list(headers(answers[1]))
    refused = client.get(DISTRICT)
    assert refused.status_code == 429
    assert refused["Retry-After"] == refused["RateLimit-Reset"]
    assert refused["RateLimit-Remaining"] == "0"


def test_the_stamps_reopen_a_connection_that_died_between_requests(quang_ninh, monkeypatch):
    """The stamps are the first query of a request, and its health check: on a dead connection
    (the database restarted) the connection is closed and the stamps read on a new one."""
    failures = []
    real = readcache._query_stamps

    def first_fails(sql=None):
        if not failures:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real(sql)

    expected = readcache.stamps()
    monkeypatch.setattr(readcache, "_query_stamps", first_fails)
    closed = []
    wrapper = connections["default"]
    monkeypatch.setattr(wrapper, "close", lambda: closed.append(1))
    monkeypatch.setattr(wrapper, "in_atomic_block", False)  # as between requests, outside the test's transaction
    monkeypatch.setattr(wrapper, "health_check_done", False)
    assert readcache.stamps() == expected
    assert (failures, closed, wrapper.health_check_done) == ([1], [1], True)


def test_a_province_write_renews_the_shared_stamp(quang_ninh, commit):
    """A province's code keys its answers (readcache._province_codes is read once per shared stamp)."""
    from districts.models import Province

    before = readcache.stamps()
    with commit():
        province = Province.objects.get(code="22")
        province.name = "Tỉnh Quảng Ninh (sửa)"
        province.save()
    after = readcache.stamps()
    assert after[readcache.SHARED] != before[readcache.SHARED]
    assert after["22"] != before.get("22", 0)


# --- one build of an entry at a time (core.readcache.claim) ----------------------------------


def _district_key(client) -> str:
    """The read cache's key of the district detail, as the view builds it."""
    return readcache.key("api", "http://testserver" + DISTRICT, "application/json", shared_only=True)


def test_a_build_claims_the_entry_and_releases_it_once_stored(quang_ninh, analyst):
    from django.core.cache import caches

    client = token_client(analyst)
    assert client.get(DISTRICT).status_code == 200
    key = _district_key(client)
    assert readcache.get(key)[2] == client.get(DISTRICT).content
    assert caches["reads"].get(f"{key}:building") is None
    # A refused answer is not stored, and its claim is released too.
    assert client.get("/api/v1/districts/000/").status_code == 404
    missing = readcache.key("api", "http://testserver/api/v1/districts/000/", "application/json", shared_only=True)
    assert caches["reads"].get(f"{missing}:building") is None


def test_a_request_waits_for_the_build_another_worker_claimed(quang_ninh, analyst, monkeypatch):
    """Another worker is building the answer: the request serves that worker's entry once stored."""
    import threading

    client = token_client(analyst)
    key = _district_key(client)
    assert readcache.claim(key)  # the other worker's claim
    theirs = b'{"built": "by the other worker"}'
    stored = threading.Timer(0.05, lambda: readcache.put(key, (200, [("Content-Type", "application/json")], theirs, 0)))
    stored.start()
    try:
        response = client.get(DISTRICT)
    finally:
        stored.join()
    assert (response.status_code, response.content) == (200, theirs)


def test_a_build_that_ends_without_an_entry_is_not_waited_for(quang_ninh, analyst, monkeypatch):
    client = token_client(analyst)
    key = _district_key(client)
    assert readcache.claim(key)
    assert not readcache.claim(key)  # held
    readcache.release(key)  # the other worker's build failed
    assert readcache.await_entry(key) is None
    response = client.get(DISTRICT)
    assert (response.status_code, response.json()["code"]) == (200, "193")


def test_a_build_is_waited_for_at_most_build_seconds(quang_ninh, monkeypatch):
    monkeypatch.setattr(readcache, "BUILD_SECONDS", 0.02)
    key = readcache.key("anything")
    assert readcache.claim(key)  # never released: its worker died
    assert readcache.await_entry(key) is None


def test_the_front_doors_narrow_stamp_read_agrees_with_the_full_one(quang_ninh, commit):
    from districts.models import Province

    scopes = ({"shared_only": True}, {}, {"province": "22"})
    before = [readcache.scope_now(**kwargs) for kwargs in scopes]
    assert before == [readcache.scope(**kwargs) for kwargs in scopes]
    readcache.bump(provinces=[Province.objects.get(code="22").pk])  # the data of Quảng Ninh: not the shared stamp
    after = [readcache.scope_now(**kwargs) for kwargs in scopes]
    assert after == [readcache.scope(**kwargs) for kwargs in scopes]
    assert [a == b for a, b in zip(before, after, strict=True)] == [True, False, False]


def test_a_csv_detail_is_given_again_with_its_download_name(quang_ninh, analyst):
    client = token_client(analyst)
    detail = "/api/v1/agency-types/ban-to-chuc/"
    answers = [client.get(detail, {"format": "csv"}) for _ in range(3)]
    assert len(fastread._entries) == 1
    assert answers[2].content == answers[0].content
    assert headers(answers[2]) == headers(answers[0])
    assert answers[2]["Content-Disposition"] == 'attachment; filename="agency-types-ban-to-chuc.csv"'
    assert answers[2]["Content-Type"].startswith("text/csv")


def test_head_requests_and_session_cookies_take_the_whole_stack(quang_ninh, analyst):
    client = token_client(analyst)
    client.get(DISTRICT)
    client.get(DISTRICT)
    assert len(fastread._entries) == 1
    assert fastread.signature(_request(client, "HEAD")) is None
    client.cookies["sessionid"] = "anything"
    assert fastread.signature(_request(client, "GET")) is None
    del client.cookies["sessionid"]
    assert fastread.signature(_request(client, "GET")) is not None


def _request(client, method):
    from django.test import RequestFactory

    environ = {"HTTP_AUTHORIZATION": client._credentials["HTTP_AUTHORIZATION"]}
    if client.cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    return RequestFactory().generic(method, DISTRICT, **environ)


def test_at_most_max_entries_are_kept_the_oldest_first_out(quang_ninh, analyst, monkeypatch):
    monkeypatch.setattr(fastread, "MAX_ENTRIES", 2)
    client = token_client(analyst)
    paths = ["/api/v1/districts/193/", "/api/v1/districts/", "/api/v1/provinces/22/"]
    for path in paths:
        client.get(path)
        client.get(path)
    assert [key[3] for key in fastread._entries] == paths[1:]
