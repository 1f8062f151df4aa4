"""The read cache scoped by province (issue 17): a write in one province leaves another
province's cached answers valid (served with the one stamp query), and is never missed by an
answer about its own province, the country, or anything depending on the shared data."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import readcache
from core.actors import SYSTEM
from mergers import services
from mergers.choices import SourceKind
from mergers.models import Agency, AgencyType
from tests.api.conftest import token_client
from tests.factories import AgencyFactory, DistrictFactory, ProvinceFactory
from tests.mergers.test_query_budgets import _planned_merger, _sources

pytestmark = [pytest.mark.django_db, pytest.mark.read_cache]

STAFFING = "/api/v1/reports/staffing/"
QN = {"baseline": "2015-11-30", "as_of": "2021-06-01", "province": "22"}
NATIONAL = {"baseline": "2015-11-30", "as_of": "2021-06-01"}
# Answers about Quảng Ninh only: a report, a district, its records, its mergers.
QN_PATHS = [
    (STAFFING, QN),
    ("/api/v1/reports/progress/", {"as_of": "2021-06-01", "province": "22"}),
    ("/api/v1/districts/193/", {}),
    ("/api/v1/headcounts/", {"district": "193"}),
    ("/api/v1/mergers/", {"district": "193"}),
]


@pytest.fixture
def elsewhere(quang_ninh, commit):
    """An agency of a district of another province (committed: its renewal is done before the test's)."""
    with commit():
        district = DistrictFactory(province=ProvinceFactory(code="S99", name="Tỉnh Khác"), code="99901")
        return AgencyFactory(district=district, agency_type=AgencyType.objects.get(code="ban-to-chuc"))


def record(user, agency, authorised, day=datetime.date(2021, 1, 1)):
    return services.headcount_record(
        user=user, agency=agency, as_of=day, authorised=authorised, source="Báo cáo",
        source_kind=SourceKind.OFFICIAL, confirm=True,
    )  # fmt: skip


def ha_long(body: dict) -> dict:
    return next(row for row in body["districts"] if row["district"] == "193")


def _settle() -> None:
    """The set-up's writes (data, users) as if committed before the test: the next commit renews
    what its own writes touch, not what the set-up's uncommitted ones did."""
    readcache.bump()
    connection._readcache_renewal = None


def _cached_reads(client, django_assert_num_queries) -> list[bytes]:
    """Each Quảng Ninh answer, read once to fill the cache, then again from it (the stamp query only)."""
    _settle()
    bodies = []
    for path, params in QN_PATHS:
        first = client.get(path, params)
        assert first.status_code == 200, path
        with django_assert_num_queries(1):
            again = client.get(path, params)
        assert again.content == first.content
        bodies.append(first.content)
    return bodies


def test_a_write_in_another_province_leaves_the_answers_cached(
    elsewhere, editor, analyst, django_assert_num_queries, commit
):
    client = token_client(analyst)
    bodies = _cached_reads(client, django_assert_num_queries)
    national = client.get(STAFFING, NATIONAL).json()
    with commit():
        record(editor, elsewhere, 12)
    for (path, params), body in zip(QN_PATHS, bodies, strict=True):
        with django_assert_num_queries(1):  # still a hit: only the stamps are read
            assert client.get(path, params).content == body, path
    # The country's answer includes the other province: read afresh.
    after = client.get(STAFFING, NATIONAL).json()
    assert after != national
    row = next(r for r in after["districts"] if r["district"] == "99901")
    assert row["headcount_current"] == 12


def test_a_write_in_the_province_is_never_missed(elsewhere, editor, analyst, django_assert_num_queries, commit):
    client = token_client(analyst)
    _cached_reads(client, django_assert_num_queries)
    before = client.get(STAFFING, QN).json()
    assert ha_long(before)["headcount_current"] == 93
    with commit():
        record(editor, Agency.objects.get(pk=7), 40)  # Hạ Long: 93 - 43 + 40
    after = client.get(STAFFING, QN).json()
    assert ha_long(after)["headcount_current"] == 90
    records = client.get("/api/v1/headcounts/", {"district": "193", "page_size": 500}).json()["results"]
    assert any(r["agency"]["id"] == 7 and r["as_of"] == "2021-01-01" and r["authorised"] == 40 for r in records)


def test_a_completed_merger_renews_its_province(quang_ninh, editor, analyst, commit):
    """A write touching several tables (agencies by an UPDATE without signals, the merger, its
    stage and the result's record) renews the province: the district's mergers are read afresh."""
    client = token_client(analyst)
    with commit():
        merger = _planned_merger(_sources())
    code = merger.district.code
    before = client.get("/api/v1/mergers/", {"district": code}).json()["results"]
    assert next(m for m in before if m["id"] == merger.pk)["status"] == "planned"
    with commit():
        services.merger_complete(user=SYSTEM, merger=merger, effective_on=datetime.date(2024, 1, 1))
    after = client.get("/api/v1/mergers/", {"district": code}).json()["results"]
    assert next(m for m in after if m["id"] == merger.pk)["status"] == "completed"


def test_a_shared_write_renews_every_province(elsewhere, analyst, django_assert_num_queries, commit):
    """Agency types (the quota rule) serve every province: changing one renews their answers."""
    client = token_client(analyst)
    before = client.get(STAFFING, QN).json()
    with commit():  # agency 7's type leaves the quota: Hạ Long's headcount drops by its 43
        services.agency_type_update(
            user=SYSTEM, agency_type=Agency.objects.get(pk=7).agency_type, data={"in_district_quota": False}
        )
    after = client.get(STAFFING, QN).json()
    assert ha_long(after)["headcount_current"] != ha_long(before)["headcount_current"]


def test_a_district_in_a_conflicting_filter_or_unknown_is_national(elsewhere):
    with transaction.atomic():
        assert readcache.province_of(district="193") == "22"
        assert readcache.province_of(district="99901") == "S99"
        assert readcache.province_of(province="22", district="99901") is None
        assert readcache.province_of(district="000") is None
        assert readcache.province_of(province="22") == "22"


def test_a_new_district_is_mapped_to_its_province(elsewhere, commit):
    assert readcache.province_of(district="99902") is None
    with commit():
        DistrictFactory(province=elsewhere.district.province, code="99902")
    assert readcache.province_of(district="99902") == "S99"


def test_the_districts_layout_is_kept_through_data_writes_and_renewed_by_its_own(
    quang_ninh, editor, analyst, django_assert_num_queries, commit
):
    """Provinces and districts show the shared data only: a headcount written in the district
    leaves them cached; a change to a district (or a province) renews them."""
    from districts.models import District

    client = token_client(analyst)
    _settle()
    paths = ["/api/v1/districts/193/", "/api/v1/districts/", "/api/v1/provinces/22/"]
    bodies = [client.get(path).content for path in paths]
    with commit():
        record(editor, Agency.objects.get(pk=7), 40)
    for path, body in zip(paths, bodies, strict=True):
        with django_assert_num_queries(1):  # a hit: only the stamps are read
            assert client.get(path).content == body, path
    with commit():
        district = District.objects.get(code="193")
        district.name = "Hạ Long Mới"
        district.save()
    assert client.get("/api/v1/districts/193/").json()["short_name"] == "Hạ Long Mới"
    listed = client.get("/api/v1/districts/").json()["results"]  # the same request as above
    assert next(d for d in listed if d["code"] == "193")["short_name"] == "Hạ Long Mới"


def test_the_national_mergers_are_kept_through_the_records_no_merger_reads(
    quang_ninh, editor, analyst, django_assert_num_queries, commit
):
    """Hạ Long's merger 1 (sources 1-6, result 7, effective 1 June 2018): a record of its result
    dated 2021 changes no merger's figures, and leaves the national list of mergers and each
    merger cached (core.readcache.MERGER_FIGURES) while the country's staffing is read afresh; a
    record of a source dated before the merger, and a correction of any record, renew them."""
    client = token_client(analyst)
    _settle()
    paths = ["/api/v1/mergers/", "/api/v1/mergers/1/", "/api/v1/mergers/?ordering=-reduction"]
    bodies = [client.get(path).content for path in paths]
    merger = client.get("/api/v1/mergers/1/").json()
    assert (merger["headcount_before"], merger["headcount_after"], merger["reduction"]) == (26, 23, 3)
    national = client.get(STAFFING, NATIONAL).json()
    with commit():
        later = record(editor, Agency.objects.get(pk=7), 40)  # 2021-01-01
    for path, body in zip(paths, bodies, strict=True):
        with django_assert_num_queries(1):  # a hit: only the stamps are read
            assert client.get(path).content == body, path
    assert ha_long(client.get(STAFFING, NATIONAL).json())["headcount_current"] != ha_long(national)["headcount_current"]

    with commit():  # source 1 had 8 since 2015: 10 the day before the merger
        record(editor, Agency.objects.get(pk=1), 10, day=datetime.date(2018, 5, 31))
    merger = client.get("/api/v1/mergers/1/").json()
    assert (merger["headcount_before"], merger["headcount_after"], merger["reduction"]) == (28, 23, 5)
    listed = client.get("/api/v1/mergers/").json()["results"]
    assert next(m for m in listed if m["id"] == 1)["headcount_before"] == 28

    bodies = [client.get(path).content for path in paths]
    with commit():  # a correction renews them, whatever the record
        services.headcount_update(user=editor, record=later, authorised=41, actual=None, source="Báo cáo", confirm=True)
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).content != b""
        assert len(queries) > 1, path  # read afresh, not only the stamps
