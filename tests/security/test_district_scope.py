"""An editor limited to Hạ Long writes nothing for Cẩm Phả: API, forms, import, admin (issue 7).

Every refusal is checked with its exact status and against a snapshot of the whole database;
each refused case has its allowed twin in Hạ Long, so the tests could fail.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

from districts.scope import MSG_DISTRICT_NOT_ALLOWED, MSG_PROVINCE_WIDE_ONLY
from mergers import services
from mergers.models import Agency, HeadcountRecord
from tests.security.conftest import HOME, OTHER, token_client
from tests.security.snapshot import snapshot

HOME_AGENCY, OTHER_AGENCY = 7, 33  # the MTTQ blocs' common agencies of Hạ Long and Cẩm Phả
OTHER_RECORD = 30  # a headcount of Cẩm Phả (agency 33, 01/01/2016)


def refused_403(response, before):
    assert response.status_code == 403, getattr(response, "content", b"")[:500]
    assert snapshot() == before


# --- API ------------------------------------------------------------------------------------


@pytest.fixture
def api(limited):
    return token_client(limited)


def other_district_message() -> str:
    return str(MSG_DISTRICT_NOT_ALLOWED) % {"district": "Thành phố Cẩm Phả"}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        (
            "post",
            "/api/v1/agencies/",
            {"name": "Cơ quan mới", "district": OTHER, "agency_type": "khoi-mttq", "established_on": "2021-01-01"},
        ),
        ("patch", f"/api/v1/agencies/{OTHER_AGENCY}/", {"name": "Đổi tên"}),
        (
            "put",
            f"/api/v1/agencies/{OTHER_AGENCY}/",
            {"name": "Đổi tên", "district": OTHER, "agency_type": "khoi-mttq", "established_on": "2021-01-01"},
        ),
        (
            "post",
            "/api/v1/headcounts/",
            {"agency": OTHER_AGENCY, "as_of": "2021-01-01", "authorised": 9, "source": "x"},
        ),
        ("patch", f"/api/v1/headcounts/{OTHER_RECORD}/", {"authorised": 1}),
    ],
)
def test_api_writes_for_another_district_are_403(api, method, url, body):
    before = snapshot()
    response = getattr(api, method)(url, body)
    refused_403(response, before)
    assert response.json() == {"detail": other_district_message()}


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        (
            "post",
            "/api/v1/agencies/",
            {"name": "Cơ quan mới", "district": HOME, "agency_type": "khoi-mttq", "established_on": "2021-01-01"},
            201,
        ),
        ("patch", f"/api/v1/agencies/{HOME_AGENCY}/", {"name": "Đổi tên"}, 200),
        (
            "post",
            "/api/v1/headcounts/",
            {"agency": HOME_AGENCY, "as_of": "2021-01-01", "authorised": 9, "source": "x", "confirm": True},
            201,
        ),
    ],
)
def test_api_writes_for_his_district_succeed(api, method, url, body, status):
    assert getattr(api, method)(url, body).status_code == status


def test_api_merger_create_for_another_district_is_403(api, open_mergers):
    sources = list(open_mergers.other.source_agencies.values_list("pk", flat=True))
    open_mergers.other.delete()  # its sources are free again
    before = snapshot()
    body = {
        "programme": "test-ab",
        "district": OTHER,
        "source_agencies": sources,
        "decision_number": "1-QĐ",
        "decided_on": "2021-03-01",
    }
    response = api.post("/api/v1/mergers/", body)
    refused_403(response, before)
    assert response.json() == {"detail": other_district_message()}


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("advance", {"status": "approved", "on": "2021-04-01"}),
        ("complete", {"effective_on": "2021-05-01", "headcount_after": 10}),
        ("cancel", {"on": "2021-04-01"}),
    ],
)
def test_api_merger_operations_for_another_district_are_403(api, open_mergers, operation, body):
    before = snapshot()
    response = api.post(f"/api/v1/mergers/{open_mergers.other.pk}/{operation}/", body)
    refused_403(response, before)
    assert response.json() == {"detail": other_district_message()}
    assert api.post(f"/api/v1/mergers/{open_mergers.home.pk}/{operation}/", body).status_code == 200


# --- forms ----------------------------------------------------------------------------------


@pytest.fixture
def web(client, limited):
    client.force_login(limited)
    return client


@pytest.mark.parametrize("operation", ["advance", "complete", "cancel"])
def test_merger_forms_of_another_district_are_403(web, open_mergers, operation):
    before = snapshot()
    url = reverse(f"registry:merger_{operation}", args=[open_mergers.other.pk])
    refused_403(web.get(url), before)
    body = {"status": "approved", "on": "01/04/2021", "effective_on": "01/05/2021", "confirm": "on"}
    refused_403(web.post(url, {**body, "version": open_mergers.other.version}), before)
    assert web.get(reverse(f"registry:merger_{operation}", args=[open_mergers.home.pk])).status_code == 200


def test_agency_edit_form_of_another_district_is_403(web):
    before = snapshot()
    url = reverse("registry:agency_edit", args=[OTHER_AGENCY])
    refused_403(web.get(url), before)
    refused_403(web.post(url, {"agency_type": 1, "name": "Đổi tên", "version": 1}), before)
    assert web.get(reverse("registry:agency_edit", args=[HOME_AGENCY])).status_code == 200


def form_errors(response, form="form") -> dict:
    assert response.status_code == 200
    return {name: [str(m) for m in errors] for name, errors in response.context[form].errors.items()}


INVALID_CHOICE = "Hãy chọn một lựa chọn hợp lệ. Lựa chọn đó không phải là một trong các lựa chọn khả thi."


def test_creation_forms_offer_only_his_district(web, open_mergers):
    token = web.get(reverse("registry:agency_add")).context["form"]["form_token"].value()
    before = snapshot()
    response = web.post(
        reverse("registry:agency_add"),
        {"district": OTHER, "agency_type": 1, "name": "Cơ quan mới", "form_token": token},
    )
    assert form_errors(response)["district"] == [INVALID_CHOICE]
    response = web.get(reverse("registry:merger_add"), {"programme": "test-ab", "district": OTHER})
    assert form_errors(response, "choose")["district"] == [INVALID_CHOICE]
    response = web.get(reverse("registry:headcount_entry"), {"district": OTHER, "as_of": "01/01/2021"})
    assert form_errors(response, "choose")["district"] == [INVALID_CHOICE]
    assert [d.code for d in response.context["choose"].fields["district"].queryset] == [HOME]
    assert snapshot() == before


def test_headcount_entry_post_for_another_district_writes_nothing(web):
    before = snapshot()
    body = {
        "district": OTHER,
        "as_of": "01/01/2021",
        "source": "x",
        "source_kind": "official",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-agency": str(OTHER_AGENCY),
        "form-0-version": "0",
        "form-0-authorised": "5",
    }
    response = web.post(reverse("registry:headcount_entry"), body)
    assert form_errors(response, "choose")["district"] == [INVALID_CHOICE]
    assert snapshot() == before


def xlsx(rows) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Cơ quan", "Biên chế được giao", "Thực tế"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "bien-che.xlsx"
    return out


def test_excel_import_for_another_district_writes_nothing(web):
    before = snapshot()
    url = reverse("registry:headcount_import")
    body = {"as_of": "01/01/2021", "source": "x", "source_kind": "official"}
    response = web.post(url, {**body, "district": OTHER, "file": xlsx([[OTHER_AGENCY, "", 5, 5]])})
    assert form_errors(response)["district"] == [INVALID_CHOICE]
    # His own district, with a row of another district's agency: the whole file is refused.
    response = web.post(
        url, {**body, "district": HOME, "file": xlsx([[HOME_AGENCY, "", 5, 5], [OTHER_AGENCY, "", 5, 5]])}
    )
    assert response.status_code == 200
    assert [line for line, _, _ in response.context["bad_rows"]] == [3]
    assert snapshot() == before
    # 5 after 43: a plausibility warning, confirmed.
    response = web.post(url, {**body, "district": HOME, "confirm": "on", "file": xlsx([[HOME_AGENCY, "", 5, 5]])})
    assert response.status_code == 302
    assert HeadcountRecord.objects.filter(agency_id=HOME_AGENCY, as_of="2021-01-01").count() == 1


# --- admin ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/mergers/agency/{OTHER_AGENCY}/change/",
        f"/admin/mergers/headcountrecord/{OTHER_RECORD}/change/",
    ],
)
def test_admin_change_forms_of_another_district_are_403(web, url):
    before = snapshot()
    refused_403(web.get(url), before)
    refused_403(web.post(url, {"name": "Đổi tên", "agency_type": 1, "authorised": 1, "source": "x"}), before)


def test_admin_merger_of_another_district_is_403(web, open_mergers):
    before = snapshot()
    refused_403(web.get(f"/admin/mergers/merger/{open_mergers.other.pk}/change/"), before)
    assert web.get(f"/admin/mergers/merger/{open_mergers.home.pk}/change/").status_code == 200


def test_admin_lists_show_only_his_district(web):
    response = web.get("/admin/mergers/agency/", {"all": ""})
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown and {a.district.code for a in shown} == {HOME}
    assert len(shown) == Agency.objects.filter(district__code=HOME).count()
    response = web.get("/admin/mergers/headcountrecord/")
    assert {r.agency.district.code for r in response.context["cl"].result_list} == {HOME}
    assert web.get(f"/admin/mergers/agency/{HOME_AGENCY}/change/").status_code == 200


def test_admin_add_forms_refuse_another_district(web):
    before = snapshot()
    response = web.post(
        "/admin/mergers/agency/add/", {"district": "3", "agency_type": "1", "name": "Cơ quan mới"}
    )  # district 3 is Cẩm Phả
    assert form_errors(response, "adminform")["district"] == [INVALID_CHOICE]
    response = web.post(
        "/admin/mergers/headcountrecord/add/",
        {"agency": OTHER_AGENCY, "as_of": "2021-01-01", "authorised": "5", "source": "x", "source_kind": "official"},
    )
    assert form_errors(response, "adminform")["agency"] == [INVALID_CHOICE]
    assert snapshot() == before


# --- province-wide data: programmes (issue 13) ---------------------------------------------

PROGRAMME_API_BODY = {
    "code": "de-an-moi",
    "name": "Đề án mới",
    "result_type": "khoi-mttq",
    "source_types": ["mttq", "hoi-nong-dan"],
}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/programmes/", PROGRAMME_API_BODY),
        ("patch", "/api/v1/programmes/khoi-mttq/", {"name": "Đổi tên"}),
        ("put", "/api/v1/programmes/khoi-mttq/", {**PROGRAMME_API_BODY, "code": "khoi-mttq"}),
    ],
)
def test_api_programme_writes_by_a_district_editor_are_403(api, editor, method, url, body):
    before = snapshot()
    response = getattr(api, method)(url, body)
    refused_403(response, before)
    assert response.json() == {"detail": str(MSG_PROVINCE_WIDE_ONLY)}
    # A province-wide editor (no scope) may.
    assert getattr(token_client(editor), method)(url, body).status_code in (200, 201)


def test_programme_forms_are_403_for_a_district_editor(web, editor, client):
    before = snapshot()
    for url in (reverse("registry:programme_add"), reverse("registry:programme_edit", args=["khoi-mttq"])):
        refused_403(web.get(url), before)
        refused_403(web.post(url, {"name": "Đổi tên", "form_token": "t", "version": 1}), before)
    client.force_login(editor)
    assert client.get(reverse("registry:programme_edit", args=["khoi-mttq"])).status_code == 200


def test_the_service_refuses_a_district_editor_whoever_calls_it(limited, editor):
    """The admin, the forms and the API all call it: the rule is there, not in a view."""
    from django.core.exceptions import PermissionDenied

    from mergers.models import Programme

    programme = Programme.objects.get(code="khoi-mttq")
    with pytest.raises(PermissionDenied, match="toàn tỉnh"):
        services.programme_update(programme=programme, data={"name": "Đổi tên"}, user=limited)
    with pytest.raises(PermissionDenied, match="toàn tỉnh"):
        services.programme_create(code="x", name="X", result_type=programme.result_type, source_types=[], user=limited)
    assert services.programme_update(programme=programme, data={"name": "Đổi tên"}, user=editor).name == "Đổi tên"


def test_the_snapshot_sees_a_link_added_or_removed(open_mergers):
    """Many-to-many links (a programme's source types) are rows too: "wrote nothing" covers them."""
    before = snapshot()
    first = open_mergers.programme.source_types.first()
    open_mergers.programme.source_types.remove(first)
    assert snapshot() != before
    open_mergers.programme.source_types.add(first)
    assert snapshot()["mergers.Programme_source_types"][0] == before["mergers.Programme_source_types"][0]


def test_agency_types_are_province_wide_too(limited, editor):
    """An agency type's quota flag changes every district's headcount: a district-limited editor
    may not change, create or delete one, through the service or the admin."""
    from django.core.exceptions import PermissionDenied
    from django.test import Client

    from mergers.models import AgencyType

    agency_type = AgencyType.objects.get(code="to-chuc-noi-vu")
    with pytest.raises(PermissionDenied):
        services.agency_type_update(agency_type=agency_type, data={"in_district_quota": False}, user=limited)
    with pytest.raises(PermissionDenied):
        services.agency_type_create(code="moi", name="Mới", name_en="New", sector="party", user=limited)
    with pytest.raises(PermissionDenied):
        services.agency_type_delete(agency_type=agency_type, user=limited)
    client = Client()
    client.force_login(limited)
    before = snapshot()
    client.post(
        f"/admin/mergers/agencytype/{agency_type.pk}/change/",
        {"name": agency_type.name, "name_en": agency_type.name_en, "sector": agency_type.sector},
    )
    assert snapshot() == before
    assert AgencyType.objects.get(pk=agency_type.pk).in_district_quota is True
    # An editor with no district scope may.
    services.agency_type_update(agency_type=agency_type, data={"in_district_quota": False}, user=editor)
    assert AgencyType.objects.get(pk=agency_type.pk).in_district_quota is False
