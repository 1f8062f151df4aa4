"""The merger operations through the API: every refusal with its status code and field,
nothing written on any refusal, 409 once completed or cancelled, ETag / If-Match, and two
simultaneous completions (PostgreSQL) that make one result agency."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections

from core.actors import SYSTEM
from core.api.views import representation_etag
from core.roles import EDITORS, role_permissions
from districts.choices import DistrictKind
from districts.models import EditorScope
from districts.scope import MSG_DISTRICT_NOT_ALLOWED
from mergers import services
from mergers.models import Agency, HeadcountRecord, Merger, MergerStage
from tests.api.conftest import token_client
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory, ProgrammeFactory

NO_SKIP = {"skipped": [], "skip_reason": ""}
MERGERS = "/api/v1/mergers/"


class World:
    """One rural district with two agencies that a programme merges, and a neighbour."""

    def __init__(self):
        self.district = DistrictFactory(code="901", name="Thử", kind=DistrictKind.RURAL)
        self.other_district = DistrictFactory(code="902", name="Khác", kind=DistrictKind.RURAL)
        type_a, type_b = AgencyTypeFactory(code="loai-a"), AgencyTypeFactory(code="loai-b")
        self.result_type = AgencyTypeFactory(code="loai-kq", name="Cơ quan hợp nhất")
        self.programme = ProgrammeFactory(code="de-an-thu", source_types=[type_a, type_b], result_type=self.result_type)
        self.a1 = AgencyFactory(district=self.district, agency_type=type_a, name="Cơ quan A")
        self.a2 = AgencyFactory(district=self.district, agency_type=type_b, name="Cơ quan B")
        self.wrong_type = AgencyFactory(district=self.district, agency_type=AgencyTypeFactory(code="loai-x"), name="X")
        self.elsewhere = AgencyFactory(district=self.other_district, agency_type=type_a, name="Cơ quan Khác")
        HeadcountFactory(agency=self.a1, as_of=datetime.date(2015, 1, 1), authorised=10)
        HeadcountFactory(agency=self.a2, as_of=datetime.date(2015, 1, 1), authorised=8)

    def payload(self, **overrides) -> dict:
        return {
            "programme": "de-an-thu",
            "district": "901",
            "source_agencies": [self.a1.pk, self.a2.pk],
            "decision_number": "12-QĐ/HU",
            "decided_on": "2016-01-01",
            **overrides,
        }

    def merger(self) -> Merger:
        return services.merger_create(
            user=SYSTEM,
            programme=self.programme,
            district=self.district,
            source_agencies=[self.a1, self.a2],
            decision_number="12-QĐ/HU",
            decided_on=datetime.date(2016, 1, 1),
        )


def state() -> tuple:
    """Everything a merger operation may write, to show that a refusal wrote nothing."""
    return (
        list(Merger.objects.order_by("pk").values_list("pk", "status", "version", "effective_on", "result_agency")),
        MergerStage.objects.count(),
        list(Agency.objects.order_by("pk").values_list("pk", "name", "dissolved_on", "version")),
        list(HeadcountRecord.objects.order_by("pk").values_list("pk", "authorised", "actual")),
    )


@pytest.fixture
def world(db):
    return World()


def msg(message, **params) -> str:
    return str(message) % params if params else str(message)


# --- create -----------------------------------------------------------------------------


def test_create_plans_a_merger(world, editor_client):
    response = editor_client.post(MERGERS, world.payload(note="Theo kế hoạch."), format="json")
    assert response.status_code == 201, response.json()
    merger = Merger.objects.get()
    base = "http://testserver/api/v1"
    district = world.district
    assert response.json() == {
        "id": merger.pk,
        "url": f"{base}/mergers/{merger.pk}/",
        "display": f"{merger.programme.name} – Huyện Thử",
        "programme": {
            "id": merger.programme.pk,
            "url": f"{base}/programmes/de-an-thu/",
            "display": merger.programme.name,
            "code": "de-an-thu",
        },
        "district": {"id": district.pk, "url": f"{base}/districts/901/", "display": "Huyện Thử", "code": "901"},
        "status": "planned",
        "decision": merger.decision_id,
        "decision_number": "12-QĐ/HU",
        "decided_on": "2016-01-01",
        "effective_on": None,
        "source_agencies": [
            {"id": a.pk, "url": f"{base}/agencies/{a.pk}/", "display": a.name} for a in (world.a1, world.a2)
        ],
        "result_agency": None,
        "headcount_before": 18,
        "headcount_after": None,
        "reduction": None,
        "reduction_pct": None,
        "demo": False,
        "source_kind": "official",
        "stages": [
            {
                "status": "planned",
                "on": "2016-01-01",
                "note": "Theo kế hoạch.",
                "decision": merger.decision_id,
                "skipped": [],
                "skip_reason": "",
            }
        ],
    }
    assert response["ETag"] == representation_etag(response.content)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"source_agencies": "a1"}, "source_agencies", msg(services.MSG_TOO_FEW_SOURCES)),
        (
            {"source_agencies": "a1,elsewhere"},
            "source_agencies",
            msg(services.MSG_SOURCE_OTHER_DISTRICT, agency="Cơ quan Khác", district="Huyện Thử"),
        ),
        (
            {"source_agencies": "a1,a2,wrong_type"},
            "source_agencies",
            msg(services.MSG_SOURCE_WRONG_TYPE, agency="X"),
        ),
        ({"programme": "khong-co"}, "programme", "Không có đối tượng có code=khong-co."),
        ({"district": "999"}, "district", "Không có đối tượng có code=999."),
        (
            {"source_agencies": [999999, 999998]},
            "source_agencies",
            "Mã số “999999” không hợp lệ: không có đối tượng này.",
        ),
        ({"decided_on": "2016-02-30"}, "decided_on", None),
        ({"decision_number": ""}, "decision_number", "Trường này không được bỏ trống."),
        ({"source_agencies": None}, "source_agencies", "Trường này không được là null."),
    ],
)
def test_create_refusals(world, editor_client, overrides, field, message):
    if isinstance(overrides.get("source_agencies"), str):
        overrides["source_agencies"] = [getattr(world, name).pk for name in overrides["source_agencies"].split(",")]
    before = state()
    response = editor_client.post(MERGERS, world.payload(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    if message is not None:
        assert body[field] == [message]
    assert state() == before


def test_create_twice_for_one_programme_and_district_is_refused(world, editor_client):
    assert editor_client.post(MERGERS, world.payload(), format="json").status_code == 201
    before = state()
    response = editor_client.post(MERGERS, world.payload(), format="json")
    assert response.status_code == 400
    assert response.json()["district"] == [msg(services.MSG_MERGER_EXISTS, district="Huyện Thử")]
    assert response.json()["source_agencies"] == [
        msg(services.MSG_SOURCE_IN_OTHER_MERGER, agency="Cơ quan A"),
        msg(services.MSG_SOURCE_IN_OTHER_MERGER, agency="Cơ quan B"),
    ]
    assert state() == before


def test_editor_outside_his_districts_gets_403_and_nothing_is_written(world, editor, editor_client):
    scope = EditorScope.objects.create(user=editor)
    scope.districts.set([world.other_district])
    merger = world.merger()
    before = state()
    forbidden = {"detail": msg(MSG_DISTRICT_NOT_ALLOWED, district="Huyện Thử")}
    response = editor_client.post(MERGERS, world.payload(decided_on="2016-02-01"), format="json")
    assert (response.status_code, response.json()) == (403, forbidden)
    response = editor_client.post(f"{MERGERS}{merger.pk}/complete/", {"effective_on": "2016-07-01"}, format="json")
    assert (response.status_code, response.json()) == (403, forbidden)
    assert state() == before


# --- advance ----------------------------------------------------------------------------


def test_advance_moves_forward_with_a_dated_note(world, editor_client):
    merger = world.merger()
    response = editor_client.post(
        f"{MERGERS}{merger.pk}/advance/",
        {"status": "titles_unified", "on": "2016-03-01", "note": "Nhất thể hóa."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "titles_unified"
    assert response.json()["stages"] == [
        {"status": "planned", "on": "2016-01-01", "note": "", **NO_SKIP, "decision": merger.decision_id},
        {"status": "titles_unified", "on": "2016-03-01", "note": "Nhất thể hóa.", **NO_SKIP, "decision": None},
    ]
    assert response["ETag"] == representation_etag(response.content)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"status": "planned", "on": "2016-03-01"},
            "status",
            msg(services.MSG_STAGE_NOT_FORWARD, current="Kế hoạch", target="Kế hoạch"),
        ),
        ({"status": "completed", "on": "2016-03-01"}, "status", msg(services.MSG_STAGE_USE_OPERATION)),
        ({"status": "cancelled", "on": "2016-03-01"}, "status", msg(services.MSG_STAGE_USE_OPERATION)),
        (
            {"status": "approved", "on": "2015-12-01"},
            "on",
            msg(services.MSG_STAGE_DATE_BEFORE_LAST, date="01/01/2016"),
        ),
        ({"status": "bogus", "on": "2016-03-01"}, "status", "“bogus” không phải một lựa chọn hợp lệ."),
        ({"status": "approved"}, "on", "Trường này là bắt buộc."),
        ({"status": "approved", "on": "ngày mai"}, "on", None),
    ],
)
def test_advance_refusals(world, editor_client, body, field, message):
    merger = world.merger()
    before = state()
    response = editor_client.post(f"{MERGERS}{merger.pk}/advance/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    if message is not None:
        assert response.json()[field] == [message]
    assert state() == before


# --- complete ---------------------------------------------------------------------------


def test_complete_dissolves_sources_creates_the_result_and_records_its_headcount(world, editor_client):
    merger = world.merger()
    response = editor_client.post(
        f"{MERGERS}{merger.pk}/complete/",
        {"effective_on": "2016-07-01", "headcount_after": 15, "result_name": "Cơ quan mới"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    result = Agency.objects.get(name="Cơ quan mới")
    body = response.json()
    assert {k: body[k] for k in ("status", "effective_on", "result_agency")} == {
        "status": "completed",
        "effective_on": "2016-07-01",
        "result_agency": {
            "id": result.pk,
            "url": f"http://testserver/api/v1/agencies/{result.pk}/",
            "display": "Cơ quan mới",
        },
    }
    assert (body["headcount_before"], body["headcount_after"], body["reduction"], body["reduction_pct"]) == (
        18,
        15,
        3,
        16.67,
    )
    assert body["stages"][-1] == {
        "status": "completed",
        "on": "2016-07-01",
        "note": "",
        **NO_SKIP,
        "decision": body["decision"],  # the merger's own decision by default
    }
    assert (result.district, result.agency_type, result.established_on) == (
        world.district,
        world.result_type,
        datetime.date(2016, 7, 1),
    )
    assert list(result.headcounts.values_list("as_of", "authorised")) == [(datetime.date(2016, 7, 1), 15)]
    world.a1.refresh_from_db()
    world.a2.refresh_from_db()
    assert world.a1.dissolved_on == world.a2.dissolved_on == datetime.date(2016, 7, 1)


def test_complete_without_a_name_names_the_result_after_the_programme(world, editor_client):
    merger = world.merger()
    response = editor_client.post(f"{MERGERS}{merger.pk}/complete/", {"effective_on": "2016-07-01"}, format="json")
    assert response.status_code == 200
    assert Agency.objects.get(pk=response.json()["result_agency"]["id"]).name == "Cơ quan hợp nhất huyện Thử"
    assert response.json()["headcount_after"] is None
    assert response.json()["reduction_pct"] is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"effective_on": "2015-06-01"},
            "effective_on",
            msg(services.MSG_EFFECTIVE_BEFORE_DECISION, date="01/01/2016"),
        ),
        ({"effective_on": "2016-07-01", "headcount_after": -1}, "headcount_after", msg(services.MSG_NEGATIVE)),
        ({"effective_on": "2016-07-01", "actual_after": -3}, "actual_after", msg(services.MSG_NEGATIVE)),
        ({"effective_on": "2016-07-01", "headcount_after": "nhiều"}, "headcount_after", "Cần một số nguyên hợp lệ."),
        (
            {"effective_on": "2016-07-01", "headcount_after": 10**12},
            "headcount_after",
            "Giá trị phải nhỏ hơn hoặc bằng 100000.",
        ),
        (
            {"effective_on": "2016-07-01", "result_name": "Tên", "result_agency": "wrong_type"},
            "result_name",
            msg(services.MSG_RESULT_NAME_AND_AGENCY),
        ),
        (
            {"effective_on": "2016-07-01", "result_agency": "elsewhere"},
            "result_agency",
            msg(services.MSG_RESULT_OTHER_DISTRICT, district="Huyện Thử"),
        ),
        ({"effective_on": "2016-07-01", "result_agency": "a1"}, "result_agency", msg(services.MSG_RESULT_IS_SOURCE)),
        ({"effective_on": "2016-07-01", "result_agency": 999999}, "result_agency", None),
        ({}, "effective_on", "Trường này là bắt buộc."),
        ({"effective_on": "2016-02-30"}, "effective_on", None),
        ({"effective_on": "2016-07-01", "result_name": "x" * 300}, "result_name", None),
    ],
)
def test_complete_refusals_write_nothing(world, editor_client, body, field, message):
    if isinstance(body.get("result_agency"), str):
        body["result_agency"] = getattr(world, body["result_agency"]).pk
    merger = world.merger()
    before = state()
    response = editor_client.post(f"{MERGERS}{merger.pk}/complete/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    if message is not None:
        assert response.json()[field] == [message]
    assert state() == before


def test_completing_twice_answers_409_and_writes_nothing(world, editor_client):
    merger = world.merger()
    path = f"{MERGERS}{merger.pk}/complete/"
    assert editor_client.post(path, {"effective_on": "2016-07-01"}, format="json").status_code == 200
    before = state()
    response = editor_client.post(path, {"effective_on": "2016-08-01", "result_name": "Lần hai"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"status": [msg(services.MSG_ALREADY_COMPLETED)]}
    assert state() == before
    assert Agency.objects.filter(agency_type=world.result_type).count() == 1


def test_closed_mergers_refuse_every_operation_with_409(world, editor_client):
    merger = world.merger()
    response = editor_client.post(f"{MERGERS}{merger.pk}/cancel/", {"on": "2016-02-01", "note": "Dừng."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["stages"][-1] == {
        "status": "cancelled",
        "on": "2016-02-01",
        "note": "Dừng.",
        **NO_SKIP,
        "decision": None,
    }
    before = state()
    cancelled = {"status": [msg(services.MSG_CANCELLED)]}
    for operation, body in (
        ("complete", {"effective_on": "2016-07-01"}),
        ("advance", {"status": "approved", "on": "2016-07-01"}),
        ("cancel", {"on": "2016-07-01"}),
    ):
        response = editor_client.post(f"{MERGERS}{merger.pk}/{operation}/", body, format="json")
        assert (response.status_code, response.json()) == (409, cancelled)
    assert state() == before


@pytest.mark.parametrize("role", ["leader_client", "analyst_client", "nobody_client", "anon_client"])
@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("advance", {"status": "approved", "on": "2016-07-01"}),
        ("complete", {"effective_on": "2016-07-01"}),
        ("cancel", {"on": "2016-07-01"}),
    ],
)
def test_only_editors_operate(world, request, role, operation, body):
    merger = world.merger()
    before = state()
    response = request.getfixturevalue(role).post(f"{MERGERS}{merger.pk}/{operation}/", body, format="json")
    assert response.status_code == (401 if role == "anon_client" else 403)
    assert state() == before


def test_operations_on_an_unknown_merger_answer_404(world, editor_client):
    response = editor_client.post(f"{MERGERS}999999/complete/", {"effective_on": "2016-07-01"}, format="json")
    assert (response.status_code, response.json()) == (404, {"detail": "Không tìm thấy."})


def test_mergers_change_only_through_the_operations(world, editor_client):
    merger = world.merger()
    # Editors may change mergers, but not with PUT/PATCH; nobody may delete one.
    for method, status_code in (("put", 405), ("patch", 405), ("delete", 403)):
        response = getattr(editor_client, method)(f"{MERGERS}{merger.pk}/", {"status": "completed"}, format="json")
        assert response.status_code == status_code
    assert Merger.objects.get().status == "planned"


def test_if_match_guards_against_lost_updates(world, editor_client):
    merger = world.merger()
    path = f"{MERGERS}{merger.pk}/"
    seen = editor_client.get(path)["ETag"]
    # Someone else advances it meanwhile.
    services.merger_advance(user=SYSTEM, merger=merger, status="approved", on=datetime.date(2016, 3, 1))
    before = state()
    response = editor_client.post(f"{path}complete/", {"effective_on": "2016-07-01"}, format="json", HTTP_IF_MATCH=seen)
    assert response.status_code == 412
    assert response.json() == {"non_field_errors": [msg(services.MSG_STALE_VERSION)]}
    assert state() == before
    # The row version, as before, is still accepted: 1 is stale, 2 is current.
    response = editor_client.post(
        f"{path}complete/", {"effective_on": "2016-07-01"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert state() == before
    fresh = editor_client.get(path)["ETag"]
    response = editor_client.post(
        f"{path}complete/", {"effective_on": "2016-07-01"}, format="json", HTTP_IF_MATCH=fresh
    )
    assert response.status_code == 200
    assert response["ETag"] == editor_client.get(path)["ETag"] == representation_etag(response.content)


# --- two simultaneous completions -------------------------------------------------------


@pytest.fixture
def roles(transactional_db):
    """An editor, with the groups made again: an earlier transactional test may have flushed them."""
    for name, perms in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([Permission.objects.get(content_type__app_label=a, codename=c) for a, c in perms])
    user = get_user_model().objects.create_user(username="editor-race", password="pw-for-tests-1")
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database: no race to show")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_completions_make_one_result_agency(roles):
    editor = roles
    world = World()
    merger = world.merger()
    barrier = threading.Barrier(2)
    answers = []

    def complete(name):
        try:
            client = token_client(editor)
            barrier.wait(timeout=10)
            response = client.post(
                f"{MERGERS}{merger.pk}/complete/",
                {"effective_on": "2016-07-01", "headcount_after": 15, "result_name": name},
                format="json",
            )
            answers.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete, args=(name,)) for name in ("Kết quả 1", "Kết quả 2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == [200, 409]
    assert Agency.objects.filter(agency_type=world.result_type).count() == 1
    assert HeadcountRecord.objects.filter(agency__agency_type=world.result_type).count() == 1
    assert MergerStage.objects.filter(merger=merger, status="completed").count() == 1
