"""Every write is in /api/v1/<resource>/{id}/history/ with its user, time and change (issue 7, audit)."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import command_reason
from mergers.models import Agency, HeadcountRecord, Merger
from tests.security.conftest import HOME, token_client
from tests.security.test_district_scope import HOME_AGENCY, xlsx

D = datetime.date


@pytest.fixture
def api(limited):
    return token_client(limited)


def history(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_recent(row):
    assert abs(datetime.datetime.fromisoformat(row["history_date"]) - timezone.now()) < datetime.timedelta(minutes=5)


def test_api_write_is_in_the_history(api, leader):
    assert api.patch(f"/api/v1/agencies/{HOME_AGENCY}/", {"name": "Tên mới"}).status_code == 200
    rows = history(token_client(leader), f"/api/v1/agencies/{HOME_AGENCY}/history/")
    newest = rows[0]
    old_name = "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long"
    assert (newest["history_type"], newest["history_user"], newest["changes"]) == (
        "~",
        "halong",
        {"name": [old_name, "Tên mới"]},
    )
    assert newest["history_change_reason"] is None
    assert_recent(newest)
    # The first record is the creation (by the seed, no user): every field it set, from null.
    first = rows[-1]
    assert (first["history_type"], first["history_user"]) == ("+", None)
    assert first["changes"]["name"] == [None, old_name]
    assert first["changes"]["district"] == [None, {"id": 1, "display": "Thành phố Hạ Long"}]


def test_form_write_is_in_the_history(client, limited, api):
    client.force_login(limited)
    agency = Agency.objects.get(pk=HOME_AGENCY)
    response = client.post(
        reverse("registry:agency_edit", args=[HOME_AGENCY]),
        {
            "agency_type": agency.agency_type_id,
            "name": agency.name,
            "established_on": agency.established_on.strftime("%d/%m/%Y"),
            "established_by": agency.established_by_id,
            "dissolved_on": "31/12/2030",
            "dissolved_by": agency.dissolved_by_id,
            "version": agency.version,
        },
    )
    assert response.status_code == 302
    newest = history(api, f"/api/v1/agencies/{HOME_AGENCY}/history/")[0]
    # The shipped agency ended with the district tier on 2025-07-01 (issue 14).
    assert (newest["history_user"], newest["changes"]) == ("halong", {"dissolved_on": ["2025-07-01", "2030-12-31"]})


def test_admin_write_is_in_the_history(client, limited, api):
    client.force_login(limited)
    record = HeadcountRecord.objects.filter(agency_id=HOME_AGENCY).latest("as_of")
    response = client.post(
        f"/admin/mergers/headcountrecord/{record.pk}/change/",
        {
            "authorised": record.authorised + 1,
            "actual": record.actual or "",
            "source": record.source,
            "source_kind": record.source_kind,
            "confirm": "on",  # a change of more than half from the record before
        },
    )
    assert response.status_code == 302, response.content[:2000]
    newest = history(api, f"/api/v1/headcounts/{record.pk}/history/")[0]
    assert (newest["history_type"], newest["history_user"]) == ("~", "halong")
    assert newest["changes"] == {"authorised": [record.authorised, record.authorised + 1]}


def old_name_of_home() -> str:
    return "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long"


def test_excel_import_is_in_the_history(client, limited, api):
    client.force_login(limited)
    response = client.post(
        reverse("registry:headcount_import"),
        {
            "district": HOME,
            "as_of": "01/01/2021",
            "source": "Báo cáo 2021",
            "source_kind": "official",
            "file": xlsx([[HOME_AGENCY, "", 41, 39]]),
        },
    )
    assert response.status_code == 302
    record = HeadcountRecord.objects.get(agency_id=HOME_AGENCY, as_of=D(2021, 1, 1))
    (row,) = history(api, f"/api/v1/headcounts/{record.pk}/history/")
    assert (row["history_type"], row["history_user"]) == ("+", "halong")
    assert row["changes"] == {
        "agency": [None, {"id": HOME_AGENCY, "display": old_name_of_home()}],
        "as_of": [None, "2021-01-01"],
        "authorised": [None, 41],
        "actual": [None, 39],
        "source": [None, "Báo cáo 2021"],
        "source_kind": [None, "official"],
    }


def test_merger_stage_moves_and_completion_are_in_the_history(api, open_mergers):
    url = f"/api/v1/mergers/{open_mergers.home.pk}"
    assert api.post(f"{url}/advance/", {"status": "approved", "on": "2021-04-01"}).status_code == 200
    assert api.post(f"{url}/complete/", {"effective_on": "2021-05-01", "headcount_after": 10}).status_code == 200
    rows = history(api, f"{url}/history/")
    merger = Merger.objects.get(pk=open_mergers.home.pk)
    assert [(r["history_user"], r["changes"]) for r in rows[:2]] == [
        (
            "halong",
            {
                "status": ["approved", "completed"],
                "effective_on": [None, "2021-05-01"],
                "result_agency": [None, {"id": merger.result_agency_id, "display": "Cơ quan A - B thành phố Hạ Long"}],
            },
        ),
        ("halong", {"status": ["planned", "approved"]}),
    ]


def test_reading_the_history_needs_the_view_permission(anon_client, nobody_client, analyst_client, quang_ninh):
    url = f"/api/v1/agencies/{HOME_AGENCY}/history/"
    assert anon_client.get(url).status_code == 401
    assert nobody_client.get(url).status_code == 403
    assert analyst_client.get(url).status_code == 200
    assert analyst_client.get("/api/v1/agencies/999999/history/").status_code == 404


@pytest.mark.parametrize(
    ("url", "model", "pk"),
    [
        ("/api/v1/agencies/7/history/", "mergers.Agency", 7),
        ("/api/v1/programmes/khoi-mttq/history/", "mergers.Programme", None),
        ("/api/v1/mergers/1/history/", "mergers.Merger", 1),
        ("/api/v1/headcounts/169/history/", "mergers.HeadcountRecord", 169),
        ("/api/v1/districts/193/history/", "districts.District", 1),
        ("/api/v1/agency-types/khoi-mttq/history/", "mergers.AgencyType", None),
    ],
)
def test_history_costs_the_same_queries_for_1_or_many_records(api, url, model, pk, settings):
    settings.READ_CACHE_SECONDS = 0  # the endpoint's own queries are measured, each request answered afresh
    settings.AUTH_CACHE = False  # the same on each request: who asks is read each time
    model = apps.get_model(model)
    obj = model.objects.get(code="khoi-mttq") if pk is None else model.objects.get(pk=pk)
    with CaptureQueriesContext(connection) as one:
        rows = history(api, url)  # programmes and mergers: + a record of their m2m set by the load
    assert (rows[-1]["history_type"], rows[-1]["history_change_reason"]) == ("+", command_reason("seed_quang_ninh"))
    assert len(rows) == (2 if model.__name__ in ("Programme", "Merger") else 1)
    for _ in range(30):  # 30 more records, made directly: the services are not what is measured here
        obj.save()
    with CaptureQueriesContext(connection) as many:
        assert len(history(api, url)) == len(rows) + 30
    # A page with a next one: +2, its count (a shorter first page is its own count:
    # core.api.pagination.ShortListPaginator) and the record before the page.
    with CaptureQueriesContext(connection) as paged:
        assert len(history(api, url + "?page_size=10")) == 10
    assert len(one) == len(many) == len(paged) - 2


def test_a_programme_update_with_new_source_types_is_one_record_with_the_change(editor, leader):
    """The history once said `changes: {}` for it: the source types are a many-to-many field (issue 13)."""
    from mergers.models import AgencyType, Programme

    client = token_client(editor)
    programme = Programme.objects.get(code="khoi-mttq")
    before = [{"id": t.pk, "display": t.name} for t in programme.source_types.order_by("pk")]
    count = len(history(client, "/api/v1/programmes/khoi-mttq/history/"))
    response = client.patch("/api/v1/programmes/khoi-mttq/", {"source_types": ["mttq"], "name_en": "MTTQ bloc"})
    assert response.status_code == 200, response.content
    rows = history(token_client(leader), "/api/v1/programmes/khoi-mttq/history/")
    assert len(rows) == count + 1  # one record for the update, not one per link added or removed
    mttq = AgencyType.objects.get(code="mttq")
    assert (rows[0]["history_type"], rows[0]["history_user"]) == ("~", "editor")
    assert rows[0]["changes"] == {
        "name_en": [programme.name_en, "MTTQ bloc"],
        "source_types": [before, [{"id": mttq.pk, "display": mttq.name}]],
    }


def test_the_programme_page_shows_the_source_types_change(editor, client):
    from mergers.models import AgencyType

    client.force_login(editor)
    assert token_client(editor).patch("/api/v1/programmes/khoi-mttq/", {"source_types": ["mttq"]}).status_code == 200
    response = client.get(reverse("registry:programme", args=["khoi-mttq"]))
    (newest, *_) = response.context["history"]
    (change,) = newest["changes"]
    assert change["new"] == AgencyType.objects.get(code="mttq").name
    assert AgencyType.objects.get(code="hoi-nong-dan").name in change["old"]
