"""One change log (core.history) for the history pages and the history API: a change to a
programme's source types or to a merger's sources is in both, with the old and the new values."""

import datetime

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from mergers import services
from mergers.models import Merger
from tests.api.conftest import token_client
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory

D = datetime.date


@pytest.fixture
def world(db):
    district = DistrictFactory(code="901", name="Thử Một")
    ban = AgencyTypeFactory(code="ban-to-chuc", name="Ban Tổ chức")
    phong = AgencyTypeFactory(code="phong-noi-vu", name="Phòng Nội vụ")
    thanh_tra = AgencyTypeFactory(code="thanh-tra", name="Thanh tra")
    result_type = AgencyTypeFactory(code="to-chuc-noi-vu", name="Cơ quan Tổ chức - Nội vụ")
    programme = services.programme_create(
        user=SYSTEM,
        code="to-chuc-noi-vu",
        name="Hợp nhất Tổ chức - Nội vụ",
        result_type=result_type,
        source_types=[ban, phong],
        decision_number="1-QĐ/TU",
        decided_on=D(2017, 12, 1),
    )
    a1 = AgencyFactory(district=district, agency_type=ban, name="Ban Tổ chức Huyện ủy Thử Một")
    a2 = AgencyFactory(district=district, agency_type=phong, name="Phòng Nội vụ huyện Thử Một")
    a3 = AgencyFactory(district=district, agency_type=phong, name="Phòng Nội vụ (cũ) huyện Thử Một")
    return district, (ban, phong, thanh_tra), programme, (a1, a2, a3)


def api_history(user, url) -> list[dict]:
    response = token_client(user).get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def page_history(client, user, url) -> list[dict]:
    client.force_login(user)
    return client.get(url).context["history"]


def brief(obj) -> dict:
    return {"id": obj.pk, "display": str(obj)}


def test_a_programmes_source_types_change_is_in_the_page_and_the_api(client, editor, leader, world):
    _, (ban, phong, thanh_tra), programme, _ = world
    response = token_client(editor).patch(
        f"/api/v1/programmes/{programme.code}/", {"source_types": ["ban-to-chuc", "thanh-tra"]}
    )
    assert response.status_code == 200, response.content

    newest, created = api_history(leader, f"/api/v1/programmes/{programme.code}/history/")
    assert (newest["history_type"], newest["history_user"]) == ("~", "editor")
    assert newest["changes"] == {"source_types": [[brief(ban), brief(phong)], [brief(ban), brief(thanh_tra)]]}
    assert created["history_type"] == "+"  # a creation from nothing, its source types with it
    assert created["changes"]["source_types"] == [None, [brief(ban), brief(phong)]]

    newest, created = page_history(client, leader, reverse("registry:programme", args=[programme.code]))
    assert newest["changes"] == [
        {"field": "loại cơ quan hợp nhất", "old": "Ban Tổ chức, Phòng Nội vụ", "new": "Ban Tổ chức, Thanh tra"}
    ]
    assert created["record"].history_type == "+"
    assert {"field": "loại cơ quan hợp nhất", "old": None, "new": "Ban Tổ chức, Phòng Nội vụ"} in created["changes"]


def test_a_mergers_sources_change_is_in_the_page_and_the_api(client, leader, world):
    district, _, programme, (a1, a2, a3) = world
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=[a1, a2],
        decision_number="12-QĐ/HU",
        decided_on=D(2018, 1, 15),
    )
    merger = Merger.objects.get(pk=merger.pk)
    merger.source_agencies.add(a3)  # as a data load sets them: a record of its own

    newest, *_, created = api_history(leader, f"/api/v1/mergers/{merger.pk}/history/")
    assert (newest["history_type"], newest["changes"]) == (
        "~",
        {"source_agencies": [[brief(a1), brief(a2)], [brief(a1), brief(a2), brief(a3)]]},
    )
    assert created["history_type"] == "+"
    assert created["changes"] == {
        "programme": [None, brief(programme)],
        "district": [None, brief(district)],
        "decision": [None, brief(merger.decision)],
        "status": [None, "planned"],
        "source_kind": [None, "official"],
        "source_agencies": [None, [brief(a1), brief(a2)]],
    }

    newest, *_, created = page_history(client, leader, merger.get_absolute_url())
    assert newest["changes"] == [
        {
            "field": "cơ quan hợp nhất",
            "old": "Ban Tổ chức Huyện ủy Thử Một, Phòng Nội vụ huyện Thử Một",
            "new": "Ban Tổ chức Huyện ủy Thử Một, Phòng Nội vụ huyện Thử Một, Phòng Nội vụ (cũ) huyện Thử Một",
        }
    ]
    # The same fields as the API's creation, named and in the model's order.
    assert [(c["field"], c["old"], c["new"]) for c in created["changes"]] == [
        ("đề án", None, str(programme)),
        ("đơn vị", None, str(district)),
        ("quyết định", None, str(merger.decision)),
        ("trạng thái", None, "Kế hoạch"),
        ("loại nguồn", None, "Chính thức"),
        ("cơ quan hợp nhất", None, "Ban Tổ chức Huyện ủy Thử Một, Phòng Nội vụ huyện Thử Một"),
    ]
