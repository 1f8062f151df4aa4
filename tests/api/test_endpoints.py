"""One shared set of checks run for every endpoint of /api/v1/ (NetBox's API test mixin, as
parametrised tests): list, detail, create and update where allowed, 401 for anonymous
requests, 403 for a user without the model permission, and for leaders and analysts on writes.
"""

import dataclasses
import datetime
from collections.abc import Callable

import pytest

from core.actors import SYSTEM
from core.api.views import representation_etag
from districts.models import District, Province
from mergers import services
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, Programme


def _new_merger_payload() -> dict:
    """Two free agencies in Hạ Long and a programme that merges their types."""
    hl = District.objects.get(code="193")
    mttq, phu_nu = AgencyType.objects.get(code="mttq"), AgencyType.objects.get(code="hoi-phu-nu")
    programme = services.programme_create(
        user=SYSTEM,
        code="thu-nghiem",
        name="Đề án thử",
        result_type=AgencyType.objects.get(code="khoi-mttq"),
        source_types=[mttq, phu_nu],
    )
    day = datetime.date(2021, 1, 1)
    a1 = services.agency_create(user=SYSTEM, district=hl, agency_type=mttq, name="Cơ quan A", established_on=day)
    a2 = services.agency_create(user=SYSTEM, district=hl, agency_type=phu_nu, name="Cơ quan B", established_on=day)
    return {
        "programme": programme.code,
        "district": "193",
        "source_agencies": [a1.pk, a2.pk],
        "decision_number": "99-QĐ/TU",
        "decided_on": "2021-02-01",
    }


@dataclasses.dataclass(frozen=True)
class Endpoint:
    path: str
    model: type
    count: int  # rows in the Quảng Ninh fixture
    fields: list[str]
    detail: str  # lookup value of one fixture row
    key: str  # the field that holds the lookup value
    create: Callable[[], dict] | None = None
    update: dict | None = None  # PATCH body
    versioned: bool = False

    def __str__(self):
        return self.path


ENDPOINTS = [
    Endpoint("provinces", Province, 1, ["id", "url", "display", "code", "name"], "22", "code"),
    Endpoint(
        "districts",
        District,
        14,
        [
            "id",
            "url",
            "display",
            "code",
            "name",
            "short_name",
            "kind",
            "province",
            "established_on",
            "dissolved_on",
            "successor",
        ],
        "193",
        "code",
    ),
    Endpoint(
        "agency-types",
        AgencyType,
        13,
        ["id", "url", "display", "code", "name", "name_en", "sector", "in_district_quota"],
        "ban-to-chuc",
        "code",
    ),
    Endpoint(
        "agencies",
        Agency,
        182,
        [
            "id",
            "url",
            "display",
            "name",
            "district",
            "agency_type",
            "sector",
            "established_on",
            "established_on_estimated",
            "dissolved_on",
            "established_by",
            "dissolved_by",
            "predecessors",
            "successors",
            "successor_province",
        ],
        "7",
        "id",
        create=lambda: {
            "district": "193",
            "agency_type": "ban-to-chuc",
            "name": "Cơ quan thử",
            "established_on": "2021-01-01",
        },
        update={"name": "Cơ quan Khối MTTQ thành phố Hạ Long (tên mới)"},
        versioned=True,
    ),
    Endpoint(
        "programmes",
        Programme,
        3,
        [
            "id",
            "url",
            "display",
            "code",
            "name",
            "name_en",
            "decision",
            "decision_number",
            "decided_on",
            "stages",
            "description",
            "source_types",
            "result_type",
        ],
        "khoi-mttq",
        "code",
        create=lambda: {
            "code": "thu-nghiem",
            "name": "Đề án thử",
            "source_types": ["hoi-phu-nu", "mttq"],  # listed by code
            "result_type": "khoi-mttq",
        },
        update={"description": "Mô tả mới."},
        versioned=True,
    ),
    Endpoint(
        "mergers",
        Merger,
        42,
        [
            "id",
            "url",
            "display",
            "programme",
            "district",
            "status",
            "decision",
            "decision_number",
            "decided_on",
            "effective_on",
            "source_agencies",
            "result_agency",
            "headcount_before",
            "headcount_after",
            "reduction",
            "reduction_pct",
            "demo",
            "source_kind",
            "stages",
        ],
        "1",
        "id",
        create=_new_merger_payload,
        versioned=True,
    ),
    Endpoint(
        "headcounts",
        HeadcountRecord,
        171,
        [
            "id",
            "url",
            "display",
            "agency",
            "agency_name",
            "district",
            "district_name",
            "as_of",
            "authorised",
            "actual",
            "source",
            "source_kind",
        ],
        "169",
        "id",
        create=lambda: {"agency": 7, "as_of": "2021-01-01", "authorised": 40, "source": "Báo cáo 2021"},
        update={"actual": 30},
        versioned=True,
    ),
]
WRITABLE = [e for e in ENDPOINTS if e.create]
UPDATABLE = [e for e in ENDPOINTS if e.update]
READ_ONLY = [e for e in ENDPOINTS if not e.create]


def url(endpoint: Endpoint, detail: str | None = None) -> str:
    return f"/api/v1/{endpoint.path}/" + (f"{detail}/" if detail else "")


def version_of(endpoint: Endpoint) -> int:
    return endpoint.model.objects.get(**{"pk" if endpoint.key == "id" else endpoint.key: endpoint.detail}).version


def plain(value):
    """A brief object (or a list of them) as the key a write sends: its code, else its id."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict) and "display" in value:
        return value.get("code", value["id"])
    return value


@pytest.fixture
def data(quang_ninh):
    return quang_ninh


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
class TestEveryEndpoint:
    def test_list(self, data, analyst_client, endpoint):
        response = analyst_client.get(url(endpoint), {"page_size": 500})
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == endpoint.count == endpoint.model.objects.count()
        assert len(body["results"]) == endpoint.count
        assert list(body["results"][0]) == endpoint.fields
        assert list(body) == ["count", "next", "previous", "results"]

    def test_list_is_paginated_by_50(self, data, analyst_client, endpoint):
        body = analyst_client.get(url(endpoint)).json()
        assert len(body["results"]) == min(50, endpoint.count)
        assert (body["next"] is not None) == (endpoint.count > 50)

    def test_detail(self, data, leader_client, endpoint):
        response = leader_client.get(url(endpoint, endpoint.detail))
        assert response.status_code == 200
        body = response.json()
        assert list(body) == endpoint.fields
        assert str(body[endpoint.key]) == endpoint.detail
        assert response["ETag"] == representation_etag(response.content)

    def test_unknown_detail_is_json_404(self, data, analyst_client, endpoint):
        response = analyst_client.get(url(endpoint, "999999"))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Không tìm thấy."}

    def test_csv_is_every_row_not_one_page(self, data, analyst_client, endpoint):
        """`page_size` does not cut a CSV: every row of the list, streamed (issue 15)."""
        response = analyst_client.get(url(endpoint), {"format": "csv", "page_size": 3})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="{endpoint.path}.csv"'
        assert response["X-Total-Count"] == str(endpoint.count)
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert lines[0] == ",".join(endpoint.fields)
        assert len(lines) == 1 + endpoint.count

    def test_anonymous_gets_401(self, data, anon_client, endpoint):
        for path in (url(endpoint), url(endpoint, endpoint.detail)):
            response = anon_client.get(path)
            assert response.status_code == 401
            assert response["WWW-Authenticate"] == "Token"
            assert response.json() == {"detail": "Chưa gửi thông tin xác thực."}
        assert anon_client.post(url(endpoint), {}, format="json").status_code == 401

    def test_user_without_permission_gets_403(self, data, nobody_client, endpoint):
        for path in (url(endpoint), url(endpoint, endpoint.detail)):
            response = nobody_client.get(path)
            assert response.status_code == 403
            assert set(response.json()) == {"detail"}

    def test_no_delete(self, data, editor_client, endpoint):
        before = endpoint.model.objects.count()
        response = editor_client.delete(url(endpoint, endpoint.detail))
        assert response.status_code == 403  # no role holds a delete permission
        assert endpoint.model.objects.count() == before


@pytest.mark.parametrize("endpoint", WRITABLE, ids=str)
class TestCreate:
    def test_editor_creates(self, data, editor_client, endpoint):
        payload = endpoint.create()
        before = endpoint.model.objects.count()
        response = editor_client.post(url(endpoint), payload, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert list(body) == endpoint.fields
        assert endpoint.model.objects.count() == before + 1
        for field, value in payload.items():
            assert plain(body[field]) == value
        # What was written is what the detail shows.
        assert editor_client.get(url(endpoint, body[endpoint.key])).json() == body

    @pytest.mark.parametrize("role", ["leader_client", "analyst_client", "nobody_client"])
    def test_readers_cannot_create(self, data, endpoint, role, request):
        payload = endpoint.create()
        before = endpoint.model.objects.count()
        response = request.getfixturevalue(role).post(url(endpoint), payload, format="json")
        assert response.status_code == 403
        assert endpoint.model.objects.count() == before

    def test_wrong_types_answer_400_naming_fields(self, data, editor_client, endpoint):
        payload = {field: {"nested": ["nonsense"]} for field in endpoint.create()}
        before = endpoint.model.objects.count()
        response = editor_client.post(url(endpoint), payload, format="json")
        assert response.status_code == 400
        assert set(response.json()) == set(payload)
        assert endpoint.model.objects.count() == before

    def test_body_that_is_not_json_answers_400(self, data, editor_client, endpoint):
        response = editor_client.generic("POST", url(endpoint), "{not json", content_type="application/json")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert list(response.json()) == ["detail"]


@pytest.mark.parametrize("endpoint", UPDATABLE, ids=str)
class TestUpdate:
    def test_editor_updates(self, data, editor_client, endpoint):
        path = url(endpoint, endpoint.detail)
        read = editor_client.get(path)
        version = version_of(endpoint)
        response = editor_client.patch(path, endpoint.update, format="json", HTTP_IF_MATCH=read["ETag"])
        assert response.status_code == 200, response.json()
        for field, value in endpoint.update.items():
            assert response.json()[field] == value
        assert version_of(endpoint) == version + 1
        again = editor_client.get(path)
        assert again.json() == response.json()
        # The write's answer carries the ETag that a GET of the new state carries.
        assert response["ETag"] == again["ETag"] != read["ETag"]

    def test_the_row_version_is_still_accepted_as_if_match(self, data, editor_client, endpoint):
        path = url(endpoint, endpoint.detail)
        version = version_of(endpoint)
        response = editor_client.patch(path, endpoint.update, format="json", HTTP_IF_MATCH=f'"{version}"')
        assert response.status_code == 200, response.json()
        assert version_of(endpoint) == version + 1

    def test_an_etag_from_before_a_change_answers_412_and_changes_nothing(self, data, editor_client, endpoint):
        path = url(endpoint, endpoint.detail)
        seen = editor_client.get(path)["ETag"]
        assert editor_client.patch(path, endpoint.update, format="json").status_code == 200
        before = editor_client.get(path)
        response = editor_client.patch(path, endpoint.update, format="json", HTTP_IF_MATCH=seen)
        assert response.status_code == 412
        assert response.json() == {"non_field_errors": [str(services.MSG_STALE_VERSION)]}
        assert editor_client.get(path).json() == before.json()

    def test_stale_if_match_answers_412_and_changes_nothing(self, data, editor_client, endpoint):
        path = url(endpoint, endpoint.detail)
        before = editor_client.get(path)
        stale = f'"{version_of(endpoint) + 7}"'
        response = editor_client.patch(path, endpoint.update, format="json", HTTP_IF_MATCH=stale)
        assert response.status_code == 412
        assert list(response.json()) == ["non_field_errors"]
        assert response.json()["non_field_errors"] == [str(services.MSG_STALE_VERSION)]
        assert editor_client.get(path).json() == before.json()

    def test_malformed_if_match_answers_400(self, data, editor_client, endpoint):
        response = editor_client.patch(
            url(endpoint, endpoint.detail), endpoint.update, format="json", HTTP_IF_MATCH="abc"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["If-Match"]

    @pytest.mark.parametrize("role", ["leader_client", "analyst_client", "nobody_client"])
    def test_readers_cannot_update(self, data, endpoint, role, request):
        lookup = {"pk" if endpoint.key == "id" else endpoint.key: endpoint.detail}
        version = endpoint.model.objects.get(**lookup).version
        response = request.getfixturevalue(role).patch(url(endpoint, endpoint.detail), endpoint.update, format="json")
        assert response.status_code == 403
        obj = endpoint.model.objects.get(**lookup)
        assert obj.version == version
        for field, value in endpoint.update.items():
            assert getattr(obj, field) != value


@pytest.mark.parametrize("endpoint", READ_ONLY, ids=str)
def test_read_only_endpoints_refuse_writes(data, editor_client, endpoint):
    before = endpoint.model.objects.count()
    assert editor_client.post(url(endpoint), {"code": "999", "name": "x"}, format="json").status_code == 403
    assert editor_client.patch(url(endpoint, endpoint.detail), {"name": "x"}, format="json").status_code == 403
    assert endpoint.model.objects.count() == before
