"""An editor limited to Hạ Long writes nothing for Cẩm Phả: API, forms, import, admin (issue 7).

Every refusal is checked with its exact status and against a snapshot of the whole database;
each refused case has its allowed twin in Hạ Long, so the tests could fail.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

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
    return str(services.MSG_DISTRICT_NOT_ALLOWED) % {"district": "Thành phố Cẩm Phả"}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/agencies/", {"name": "Cơ quan mới", "district": OTHER, "agency_type": "khoi-mttq"}),
        ("patch", f"/api/v1/agencies/{OTHER_AGENCY}/", {"name": "Đổi tên"}),
        (
            "put",
            f"/api/v1/agencies/{OTHER_AGENCY}/",
            {"name": "Đổi tên", "district": OTHER, "agency_type": "khoi-mttq"},
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
        ("post", "/api/v1/agencies/", {"name": "Cơ quan mới", "district": HOME, "agency_type": "khoi-mttq"}, 201),
        ("patch", f"/api/v1/agencies/{HOME_AGENCY}/", {"name": "Đổi tên"}, 200),
        (
            "post",
            "/api/v1/headcounts/",
            {"agency": HOME_AGENCY, "as_of": "2021-01-01", "authorised": 9, "source": "x"},
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
    url = reverse(f"mergers:merger_{operation}", args=[open_mergers.other.pk])
    refused_403(web.get(url), before)
    body = {"status": "approved", "on": "01/04/2021", "effective_on": "01/05/2021", "confirm": "on"}
    refused_403(web.post(url, {**body, "version": open_mergers.other.version}), before)
    assert web.get(reverse(f"mergers:merger_{operation}", args=[open_mergers.home.pk])).status_code == 200


def test_agency_edit_form_of_another_district_is_403(web):
    before = snapshot()
    url = reverse("mergers:agency_edit", args=[OTHER_AGENCY])
    refused_403(web.get(url), before)
    refused_403(web.post(url, {"agency_type": 1, "name": "Đổi tên", "version": 1}), before)
    assert web.get(reverse("mergers:agency_edit", args=[HOME_AGENCY])).status_code == 200


def form_errors(response, form="form") -> dict:
    assert response.status_code == 200
    return {name: [str(m) for m in errors] for name, errors in response.context[form].errors.items()}


INVALID_CHOICE = "Hãy chọn một lựa chọn hợp lệ. Lựa chọn đó không phải là một trong các lựa chọn khả thi."


def test_creation_forms_offer_only_his_district(web, open_mergers):
    before = snapshot()
    response = web.post(
        reverse("mergers:agency_add"),
        {"district": OTHER, "agency_type": 1, "name": "Cơ quan mới", "form_token": "t"},
    )
    assert form_errors(response)["district"] == [INVALID_CHOICE]
    response = web.get(reverse("mergers:merger_add"), {"programme": "test-ab", "district": OTHER})
    assert form_errors(response, "choose")["district"] == [INVALID_CHOICE]
    response = web.get(reverse("mergers:headcount_entry"), {"district": OTHER, "as_of": "01/01/2021"})
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
    response = web.post(reverse("mergers:headcount_entry"), body)
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
    url = reverse("mergers:headcount_import")
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
    response = web.post(url, {**body, "district": HOME, "file": xlsx([[HOME_AGENCY, "", 5, 5]])})
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
