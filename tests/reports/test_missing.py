"""A missing total says why: the agencies without a record on that date, each linked to where
the record is entered; the same list in the export and the API."""

import csv
import datetime
import io

import pytest

from core.actors import SYSTEM
from districts.models import District
from mergers import services
from mergers.models import AgencyType
from tests.api.conftest import token_client
from tests.reports.htmltext import text_of

D = datetime.date
URL_2020 = "/?baseline=30/11/2015&as_of=01/06/2020"


@pytest.fixture
def new_agency(quang_ninh):
    """A new in-quota agency of Cô Tô from 01/01/2020, with no headcount recorded."""
    return services.agency_create(
        user=SYSTEM,
        district=District.objects.get(code="207"),
        agency_type=AgencyType.objects.get(code="khoi-mttq"),
        name="Ban Dân vận Huyện ủy Cô Tô",
        established_on=D(2020, 1, 1),
    )


def test_the_dashboard_names_the_agency_whose_record_is_missing(client, leader, editor, new_agency):
    client.force_login(leader)
    response = client.get(URL_2020)
    report = response.context["report"]
    co_to = next(r for r in report.rows if r.district == "207")
    assert (co_to.headcount_baseline, co_to.headcount_current, co_to.change) == (34, None, None)
    assert [(a.id, a.name, a.district) for a in co_to.missing_current] == [
        (new_agency.pk, "Ban Dân vận Huyện ủy Cô Tô", "207")
    ]
    assert (report.total.headcount_baseline, report.total.headcount_current) == (700, None)
    assert report.total.missing_current == co_to.missing_current
    assert report.total.missing_baseline == ()
    # On the page: the total is missing, and the reason is one click from being fixed.
    assert text_of(response.content, "staffing-total").startswith("Toàn tỉnh 700 Không có số liệu")
    note = text_of(response.content, "missing-2020-06-01")
    assert note == "Ngày 01/06/2020 thiếu số liệu của 1 cơ quan: Ban Dân vận Huyện ủy Cô Tô (207)"
    html = response.content.decode()
    assert (
        f'href="/headcounts/entry/?district=207&amp;as_of=01/06/2020" data-testid="missing-agency-{new_agency.pk}"'
        in html
    )
    # For an editor, the link opens the entry form on that district and date, with the agency in it.
    client.force_login(editor)
    entry = client.get("/headcounts/entry/?district=207&as_of=01/06/2020")
    assert entry.status_code == 200
    assert "Ban Dân vận Huyện ủy Cô Tô" in entry.content.decode()


def test_the_export_and_the_api_name_it_too(client, leader, analyst, new_agency):
    client.force_login(leader)
    export = client.get("/exports/bao-cao-bien-che.csv" + URL_2020[1:])
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Cơ quan thiếu số liệu"
    co_to = next(r for r in rows if r[0] == "207")
    assert co_to[-1] == "01/06/2020: Ban Dân vận Huyện ủy Cô Tô (207)"
    assert rows[-1][1:5] == ["Toàn tỉnh", "Tổng các đơn vị đang hoạt động vào từng ngày", "700", ""]
    assert rows[-1][-1] == "01/06/2020: Ban Dân vận Huyện ủy Cô Tô (207)"

    body = (
        token_client(analyst)
        .get("/api/v1/reports/staffing/", {"baseline": "2015-11-30", "as_of": "2020-06-01", "province": "22"})
        .json()
    )
    expected = [{"id": new_agency.pk, "name": "Ban Dân vận Huyện ủy Cô Tô", "district": "207"}]
    assert body["total"]["headcount_current"] is None
    assert body["total"]["missing_current"] == expected
    assert next(r for r in body["districts"] if r["district"] == "207")["missing_current"] == expected


def test_recording_the_missing_headcount_completes_the_total(client, leader, new_agency):
    services.headcount_record(
        user=SYSTEM, agency=new_agency, as_of=D(2020, 1, 1), authorised=4, source="Quyết định thử"
    )
    client.force_login(leader)
    report = client.get(URL_2020).context["report"]
    assert (report.total.headcount_current, report.total.missing_current) == (610, ())
    assert "missing-2020-06-01" not in client.get(URL_2020).content.decode()
