"""The same figure wherever it is shown: the dashboard's table and chart, the CSV export and
the API, after changes made where an administrator makes them (the Django admin).

The expected numbers are worked out by hand from fixtures/quang_ninh.json (authorised
headcount, districts active on the day, agency types in the district quota):

- 30/11/2015: 14 districts, 140 agencies, 700 staff counted.
- 01/06/2020: 13 districts (Hoành Bồ is part of Hạ Long), 39 agencies, 606 staff, of which
  168 in the 13 "Cơ quan Tổ chức - Nội vụ" (agency type `to-chuc-noi-vu`).
- Cô Tô (207) on 01/06/2020: 3 agencies, 30 staff; on 30/11/2015: 10 agencies, 34 staff.
  Vân Đồn (203): 42 staff on 01/06/2020, 48 on 30/11/2015.
"""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from core.actors import SYSTEM
from districts.models import District
from mergers import services
from mergers.choices import MergerStatus, Sector, SourceKind
from mergers.models import Agency, AgencyType, HeadcountRecord
from tests.factories import AgencyFactory, DistrictFactory, ProgrammeFactory, ProvinceFactory
from tests.reports.htmltext import text_of

D = datetime.date
PERIOD = {"province": "22", "baseline": "30/11/2015", "as_of": "01/06/2020"}
API_PERIOD = {"province": "22", "baseline": "2015-11-30", "as_of": "2020-06-01"}


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser(username="root", password="pw-for-tests-1"))
    return client


@pytest.fixture
def web(leader):
    from django.test import Client

    client = Client()
    client.force_login(leader)
    return client


@pytest.fixture
def api(analyst):
    client = APIClient()
    client.force_authenticate(analyst)
    return client


def csv_rows(response) -> dict[str, list[str]]:
    """The export's rows by GSO code ("" for the total)."""
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {row[0]: row for row in rows[1:]}


# CSV columns: code, name, note, baseline, current, change, change %, focal points x3, demo, missing.
BASELINE, CURRENT, DEMO = 3, 4, 10


def figures_everywhere(web, api, *, like_for_like=False) -> dict:
    """The province's total on the baseline and on the as-of date, as each place shows it."""
    query = {**PERIOD, "like_for_like": "on" if like_for_like else "off"}
    api_query = {**API_PERIOD, "like_for_like": "true" if like_for_like else "false"}
    context = web.get("/", query).context
    report = context["report"]
    series = context["series"]
    export = csv_rows(web.get("/exports/bao-cao-bien-che.csv", query))
    data = api.get("/api/v1/reports/staffing/", api_query).json()
    return {
        "table": (report.total.headcount_baseline, report.total.headcount_current),
        "chart": (series[0].headcount, series[-1].headcount),
        "export": (int(export[""][BASELINE]), int(export[""][CURRENT])),
        "api": (data["total"]["headcount_baseline"], data["total"]["headcount_current"]),
        "focal_points": (report.total.agencies_current, data["total"]["agencies_current"]),
        "context": context,
        "csv": export,
        "data": data,
    }


def same_everywhere(figures: dict) -> tuple:
    values = {figures[place] for place in ("table", "chart", "export", "api")}
    assert len(values) == 1, {place: figures[place] for place in ("table", "chart", "export", "api")}
    return values.pop()


def test_switching_an_agency_type_out_of_the_quota_in_the_admin_changes_every_total(quang_ninh, admin_client, web, api):
    assert same_everywhere(figures_everywhere(web, api)) == (700, 606)
    agency_type = AgencyType.objects.get(code="to-chuc-noi-vu")
    response = admin_client.post(
        f"/admin/mergers/agencytype/{agency_type.pk}/change/",
        {
            "code": agency_type.code,
            "name": agency_type.name,
            "name_en": agency_type.name_en,
            "sector": agency_type.sector,
        },
    )  # in_district_quota unticked
    assert response.status_code == 302, response.content.decode()[:2000]
    agency_type.refresh_from_db()
    assert agency_type.in_district_quota is False

    figures = figures_everywhere(web, api)
    assert same_everywhere(figures) == (700, 606 - 168)
    # Its agencies are still focal points: only their staff leave the district quota.
    assert figures["focal_points"] == (39, 39)


def test_a_district_dissolved_in_the_admin_leaves_every_total_and_folds_into_its_successor(
    quang_ninh, admin_client, web, api
):
    co_to, van_don = District.objects.get(code="207"), District.objects.get(code="203")
    # The shipped data ends every district on 2025-07-01 (issue 14): Cô Tô is taken back to before
    # that, so that the admin may dissolve it in 2020 instead.
    Agency.objects.filter(district=co_to, dissolved_on=D(2025, 7, 1)).update(
        dissolved_on=None, dissolved_by=None, successor_province=None
    )
    District.objects.filter(pk=co_to.pk).update(dissolved_on=None, successor_province=None, dissolution_decision=None)
    co_to.refresh_from_db()
    response = admin_client.post(
        f"/admin/districts/district/{co_to.pk}/change/",
        {
            "province": co_to.province_id,
            "code": co_to.code,
            "name": co_to.name,
            "kind": co_to.kind,
            "established_on": "",
            "dissolved_on": "2020-03-01",
            "successor": van_don.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    co_to.refresh_from_db()
    assert (co_to.dissolved_on, co_to.successor_id) == (D(2020, 3, 1), van_don.pk)

    figures = figures_everywhere(web, api)
    assert same_everywhere(figures) == (700, 606 - 30)
    assert figures["focal_points"] == (36, 36)
    rows = {row.district: row for row in figures["context"]["report"].rows}
    assert not rows["207"].active_current and rows["207"].headcount_baseline == 34
    assert figures["csv"]["207"][CURRENT] == ""
    assert {r["district"]: r["headcount_current"] for r in figures["data"]["districts"]}["207"] is None

    # Like for like: Cô Tô's baseline counts in Vân Đồn's row; the totals do not change.
    folded = figures_everywhere(web, api, like_for_like=True)
    assert same_everywhere(folded) == (700, 576)
    rows = {row.district: row for row in folded["context"]["report"].rows}
    assert "207" not in rows and rows["203"].folded == ["207"]
    assert (rows["203"].headcount_baseline, rows["203"].headcount_current) == (48 + 34, 42)
    assert (int(folded["csv"]["203"][BASELINE]), int(folded["csv"]["203"][CURRENT])) == (82, 42)
    api_row = {r["district"]: r for r in folded["data"]["districts"]}["203"]
    assert (api_row["headcount_baseline"], api_row["headcount_current"], api_row["folded"]) == (82, 42, ["207"])


# --- demo labels -------------------------------------------------------------------------------


@pytest.fixture
def official_world(db):
    """One district, two agencies merged into one under a programme: every record and date official."""
    province = ProvinceFactory(code="22", name="Quảng Ninh")
    party = AgencyType.objects.create(code="ban", name="Ban", name_en="Committee", sector=Sector.PARTY)
    office = AgencyType.objects.create(code="phong", name="Phòng", name_en="Office", sector=Sector.GOVERNMENT)
    merged = AgencyType.objects.create(code="co-quan", name="Cơ quan", name_en="Agency", sector=Sector.PARTY)
    programme = ProgrammeFactory(
        code="hop-nhat", decided_on=D(2016, 1, 1), result_type=merged, source_types=[party, office]
    )
    district = DistrictFactory(province=province, code="901", name="Thử")
    a = AgencyFactory(district=district, agency_type=party, name="Ban thử")
    b = AgencyFactory(district=district, agency_type=office, name="Phòng thử")
    services.headcount_record(user=SYSTEM, agency=a, as_of=D(2016, 1, 1), authorised=10, source="QĐ 1")
    services.headcount_record(user=SYSTEM, agency=b, as_of=D(2016, 1, 1), authorised=8, source="QĐ 1")
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=[a, b],
        decision_number="2/QĐ",
        decided_on=D(2017, 1, 1),
    )
    merger = services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 1), headcount_after=15)
    assert merger.status == MergerStatus.COMPLETED
    return {"programme": programme, "merger": merger, "a": a}


DEMO_PERIOD = {"province": "22", "baseline": "01/01/2016", "as_of": "01/06/2018"}
DEMO_API = {"province": "22", "baseline": "2016-01-01", "as_of": "2018-06-01"}


def demo_labels(web, api, merger) -> dict:
    """Where a demo label shows, and the figures it labels."""
    response = web.get("/", DEMO_PERIOD)
    html = response.content.decode()
    context = response.context
    export = csv_rows(web.get("/exports/bao-cao-bien-che.csv", DEMO_PERIOD))
    staffing = api.get("/api/v1/reports/staffing/", DEMO_API).json()
    progress = api.get("/api/v1/reports/progress/", {"province": "22", "as_of": "2018-06-01"}).json()
    mergers = api.get("/api/v1/mergers/").json()["results"]
    row = context["report"].rows[0]
    return {
        "figures": (row.headcount_baseline, row.headcount_current, context["headlines"][0].reduction),
        "page": "demo-badge" in html,
        "headline": "demo-badge"
        in html.split('data-testid="headline-hop-nhat"')[1].split('data-testid="headline-total"')[0],
        "headline_text": "demo" in text_of(html, "headline-hop-nhat"),
        "table_row": row.demo,
        "table_total": context["report"].total.demo,
        "series": [p.is_demo for p in context["series"]],
        "export_row": export["901"][DEMO],
        "export_total": export[""][DEMO],
        "api_row": staffing["districts"][0]["demo"],
        "api_total": staffing["total"]["demo"],
        "api_progress": progress["programmes"][0]["demo"],
        "api_merger": [m["demo"] for m in mergers if m["id"] == merger.pk],
    }


def test_an_official_programme_shows_no_demo_label_and_one_demo_record_labels_every_figure_that_sums_it(
    official_world, web, api
):
    merger = official_world["merger"]
    shown = demo_labels(web, api, merger)
    assert shown == {
        "figures": (18, 15, 3),
        "page": False,
        "headline": False,
        "headline_text": False,
        "table_row": False,
        "table_total": False,
        "series": [False, False, False],  # 01/01/2016, 01/01/2018 (the merger) and 01/06/2018
        "export_row": "",
        "export_total": "",
        "api_row": False,
        "api_total": False,
        "api_progress": False,
        "api_merger": [False],
    }

    # One record corrected as demo: the Ban's 2016 figure, summed by the baseline and by the merger's "before".
    record = HeadcountRecord.objects.get(agency=official_world["a"], as_of=D(2016, 1, 1))
    services.headcount_update(
        user=SYSTEM, record=record, authorised=10, actual=None, source="ước tính", source_kind=SourceKind.DEMO
    )
    assert demo_labels(web, api, merger) == {
        "figures": (18, 15, 3),
        "page": True,
        "headline": True,
        "headline_text": True,
        "table_row": True,
        "table_total": True,
        # The baseline sums it; on 01/01/2018 and after, only the merged agency's official record counts.
        "series": [True, False, False],
        "export_row": "demo",
        "export_total": "demo",
        "api_row": True,
        "api_total": True,
        "api_progress": True,
        "api_merger": [True],
    }
