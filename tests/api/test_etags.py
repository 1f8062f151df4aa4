"""ETags follow the representation (issue 13, observation 7).

A merger's JSON carries computed figures: its ETag must change when they do, not only when
its own row does. Every GET answer (details, lists, reports, JSON and CSV apart) carries a
strong ETag of its bytes, a matching If-None-Match gets 304, and a write whose If-Match is
not the current representation's ETag gets 412.
"""

import pytest

from core.actors import SYSTEM
from core.api.views import representation_etag
from mergers import services
from mergers.models import HeadcountRecord, Merger

GETS = [
    "/api/v1/mergers/",
    "/api/v1/districts/",
    "/api/v1/districts/193/",
    "/api/v1/agencies/7/",
    "/api/v1/headcounts/",
    "/api/v1/programmes/khoi-mttq/",
    "/api/v1/reports/staffing/?baseline=2015-11-30&as_of=2020-06-01",
    "/api/v1/reports/progress/?as_of=2017-09-27",
]


def ha_long_organisation_merger() -> Merger:
    return Merger.objects.get(programme__code="to-chuc-noi-vu", district__code="193")


@pytest.mark.parametrize("path", GETS)
def test_every_get_has_a_strong_etag_of_its_bytes_and_answers_304_to_it(quang_ninh, analyst_client, path):
    response = analyst_client.get(path)
    assert response.status_code == 200
    etag = response["ETag"]
    assert etag == representation_etag(response.content)
    assert not etag.startswith("W/")
    again = analyst_client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert analyst_client.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_json_and_csv_have_their_own_etags(quang_ninh, analyst_client):
    merger = ha_long_organisation_merger()
    path = f"/api/v1/mergers/{merger.pk}/"
    as_json = analyst_client.get(path)
    as_csv = analyst_client.get(path, {"format": "csv"})
    assert as_json["ETag"] != as_csv["ETag"]
    assert as_csv["ETag"] == representation_etag(as_csv.content)
    # The CSV's ETag does not validate the JSON.
    assert analyst_client.get(path, HTTP_IF_NONE_MATCH=as_csv["ETag"]).status_code == 200
    assert analyst_client.get(path, {"format": "csv"}, HTTP_IF_NONE_MATCH=as_csv["ETag"]).status_code == 304


def test_a_list_as_csv_is_streamed_without_an_etag(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/mergers/", {"format": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert not response.has_header("ETag")
    assert response["X-Total-Count"] == "42"


def test_a_merger_etag_changes_when_its_result_headcount_changes(quang_ninh, analyst_client, editor_client):
    merger = ha_long_organisation_merger()
    version = merger.version
    path = f"/api/v1/mergers/{merger.pk}/"
    before = analyst_client.get(path)
    assert before.json()["headcount_after"] == 15
    record = HeadcountRecord.objects.get(agency=merger.result_agency, as_of=merger.effective_on)
    services.headcount_update(user=SYSTEM,
        record=record, authorised=16, actual=record.actual, source=record.source,
        source_kind=record.source_kind, confirm=True,
    )  # fmt: skip
    assert Merger.objects.get(pk=merger.pk).version == version  # the merger's own row is untouched
    after = analyst_client.get(path, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["headcount_after"] == 16
    assert after["ETag"] != before["ETag"]


def test_a_weak_or_unquoted_if_match_is_refused_with_400(quang_ninh, editor_client):
    path = "/api/v1/agencies/7/"
    etag = editor_client.get(path)["ETag"]
    for header in (f"W/{etag}", etag.strip('"')):
        response = editor_client.patch(path, {"name": "Tên mới"}, format="json", HTTP_IF_MATCH=header)
        assert response.status_code == 400, header
        assert list(response.json()) == ["If-Match"]
