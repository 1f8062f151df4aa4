"""A district named by its code in a filter is kept in the process under the shared stamp
(core.readcache.layout_memo, issue 17): read once, not on every request, and read again as soon
as a write to the districts' layout commits, after LAYOUT_MEMO_SECONDS, or with the users' and
rights' cache off."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import prepared, readcache
from districts.models import District
from registry.filtersets import DistrictCodeField
from tests.api.conftest import token_client
from tests.factories import DistrictFactory

pytestmark = [pytest.mark.django_db, pytest.mark.read_cache]


def field() -> DistrictCodeField:
    return DistrictCodeField(queryset=District.objects.order_by("code"), to_field_name="code")


def in_request(function):
    """`function()` as a request runs it (the stamps read once: the read cache's receivers of
    request_started and request_finished, without Django's, which close the test's connection),
    and the SQL it ran (a prepared statement's own, on PostgreSQL)."""
    readcache._request_started()
    try:
        with CaptureQueriesContext(connection) as queries:
            value = function()
    finally:
        readcache._request_finished()
    return value, [prepared.original(q["sql"]) for q in queries.captured_queries]


def district_queries(sqls) -> list[str]:
    return [sql for sql in sqls if 'FROM "districts_district"' in sql]


def test_read_once_then_kept_each_caller_getting_a_copy(quang_ninh):
    first, sqls = in_request(lambda: field().clean("193"))
    assert (first.code, first.name) == ("193", "Hạ Long")
    assert len(district_queries(sqls)) == 1
    first.name = "changed by a caller"
    second, sqls = in_request(lambda: field().clean("193"))
    assert district_queries(sqls) == []
    assert (second.pk, second.name) == (first.pk, "Hạ Long")
    assert second is not first


def test_a_committed_change_to_the_layout_is_read_at_once(quang_ninh, commit):
    in_request(lambda: field().clean("193"))
    with commit():
        District.objects.filter(code="193").update(name="Hạ Long mới")  # no signal: nothing renewed
    kept, _ = in_request(lambda: field().clean("193"))
    assert kept.name == "Hạ Long"  # an update bypassing the models says so with bump()
    with commit():
        district = District.objects.get(code="193")
        district.name = "Hạ Long (đổi tên)"
        district.save()  # the model's write renews the shared stamp when it commits
    again, sqls = in_request(lambda: field().clean("193"))
    assert len(district_queries(sqls)) == 1
    assert again.name == "Hạ Long (đổi tên)"


def test_a_new_district_and_an_unknown_code(quang_ninh, commit):
    with pytest.raises(ValidationError):
        in_request(lambda: field().clean("99901"))
    with commit():
        DistrictFactory(code="99901", name="Mới")
    got, sqls = in_request(lambda: field().clean("99901"))
    assert (got.code, got.name) == ("99901", "Mới")
    assert len(district_queries(sqls)) == 1


def test_kept_at_most_its_seconds(quang_ninh, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(readcache.time, "monotonic", lambda: now[0])
    in_request(lambda: field().clean("193"))
    now[0] += readcache.LAYOUT_MEMO_SECONDS
    assert district_queries(in_request(lambda: field().clean("193"))[1]) == []
    now[0] += 1
    assert len(district_queries(in_request(lambda: field().clean("193"))[1])) == 1


def test_read_each_time_without_the_users_and_rights_cache(quang_ninh, settings):
    settings.AUTH_CACHE = False
    for _ in range(2):
        assert len(district_queries(in_request(lambda: field().clean("193"))[1])) == 1


def test_a_district_s_records_cost_one_query_less_once_it_is_kept(quang_ninh, analyst, settings):
    """The headcounts list of one district, uncached: the stamps, then the page (its 15 rows)."""
    settings.READ_CACHE_SECONDS = 0
    client = token_client(analyst)
    client.get("/api/v1/headcounts/", {"district": "193"})
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/headcounts/", {"district": "193"})
    assert answer.json()["count"] == 15
    assert (
        district_queries([q["sql"] for q in queries.captured_queries if "mergers_headcountrecord" not in q["sql"]])
        == []
    )
    assert len(queries.captured_queries) == 2


def test_a_district_s_detail_is_read_once_and_renewed_with_the_layout(quang_ninh, analyst, settings, commit):
    """Hoành Bồ's detail (its province and successor read with it): the same bytes from the
    process as from the database, with the stamps' query alone; a committed rename is shown
    at once."""
    settings.READ_CACHE_SECONDS = 0
    client = token_client(analyst)
    hoanh_bo = District.objects.get(name="Hoành Bồ")
    url = f"/api/v1/districts/{hoanh_bo.code}/"
    first = client.get(url)
    assert first.json()["successor"]["display"] == "Thành phố Hạ Long"
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.content == first.content
    assert district_queries([prepared.original(q["sql"]) for q in queries.captured_queries]) == []
    assert len(queries.captured_queries) == 1  # the stamps
    with commit():
        ha_long = District.objects.get(name="Hạ Long")
        ha_long.name = "Hạ Long (đổi tên)"
        ha_long.save()
    assert client.get(url).json()["successor"]["display"] == "Thành phố Hạ Long (đổi tên)"


def test_the_related_objects_are_copies_too(quang_ninh):
    from districts.selectors import district_list

    def load():
        return district_list().get(name="Hoành Bồ")

    first, _ = in_request(lambda: readcache.layout_memo("test", "hoanh-bo", load))
    first.successor.name = "changed by a caller"
    first.province.name = "changed by a caller"
    second, sqls = in_request(lambda: readcache.layout_memo("test", "hoanh-bo", load))
    assert district_queries(sqls) == []
    assert (second.successor.name, second.province.name) == ("Hạ Long", "Quảng Ninh")
