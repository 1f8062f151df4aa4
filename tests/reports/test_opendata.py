"""Open data: the Frictionless Data Package (validated by `frictionless` itself), the Popolo
JSON, and who may download them."""

import io
import json
import zipfile

import frictionless
import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from mergers.models import Agency, HeadcountRecord

ZIP = "/open-data/datapackage.zip"
POPOLO = "/open-data/popolo.json"
ALL_CODES = ["193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207"]


@pytest.fixture
def leader_client(client, leader, quang_ninh):
    client.force_login(leader)
    return client


def _csv_rows(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(archive.read(f"data/{name}.csv").decode("utf-8"))))


def test_the_package_is_valid_for_frictionless(leader_client, tmp_path):
    response = leader_client.get(ZIP)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="quang-ninh-agency-mergers.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == [
            "README.md",
            "data/agencies.csv",
            "data/agency_types.csv",
            "data/decisions.csv",
            "data/districts.csv",
            "data/headcounts.csv",
            "data/merger_sources.csv",
            "data/merger_stages.csv",
            "data/mergers.csv",
            "data/programme_source_types.csv",
            "data/programmes.csv",
            "data/published_aggregates.csv",
            "datapackage.json",
        ]
        archive.extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldNumber", "type", "note"])
    assert report.stats["tasks"] == 11

    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0",
        }
    ]
    assert [s["title"] for s in package["sources"]] == [
        "Báo Quảng Ninh, 28/09/2017: sơ kết 2 năm Quyết định 44-QĐ/TU",
        "Báo Quảng Ninh: hợp nhất Tổ chức - Nội vụ, Kiểm tra - Thanh tra cấp huyện",
    ]
    headcounts = next(r for r in package["resources"] if r["name"] == "headcounts")
    assert headcounts["schema"]["primaryKey"] == ["id"]
    assert headcounts["schema"]["foreignKeys"] == [
        {"fields": "agency", "reference": {"resource": "agencies", "fields": "id"}},
        {"fields": "district", "reference": {"resource": "districts", "fields": "code"}},
    ]
    assert [f["type"] for f in headcounts["schema"]["fields"]] == [
        "integer", "integer", "string", "date", "integer", "integer", "string", "string",
    ]  # fmt: skip
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Quảng Ninh: district-level agency mergers, 2015-2025\n")
    assert "Creative Commons Attribution 4.0 (CC-BY-4.0" in readme


def test_the_csvs_carry_every_row_with_sources_and_kinds(leader_client):
    with zipfile.ZipFile(io.BytesIO(leader_client.get(ZIP).content)) as archive:
        districts = _csv_rows(archive, "districts")
        assert districts[0] == [
            "code", "province", "name", "kind", "full_name", "established_on", "dissolved_on", "successor",
        ]  # fmt: skip
        assert [row[0] for row in districts[1:]] == ALL_CODES
        assert districts[11] == ["204", "22", "Hoành Bồ", "huyen", "Huyện Hoành Bồ", "", "2020-01-01", "193"]
        headcounts = _csv_rows(archive, "headcounts")
        assert len(headcounts) == 1 + 171
        published = [row for row in headcounts[1:] if row[7] == "published"]
        tcnv = Agency.objects.get(name="Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long")
        record = HeadcountRecord.objects.get(agency=tcnv, source_kind="published")
        # The one figure taken from an article is published (no headcount is official in the shipped data).
        assert published == [
            [
                str(record.pk), str(tcnv.pk), "193", "2018-01-02", "15", "",
                "Báo Quảng Ninh: hợp nhất Tổ chức - Nội vụ, Kiểm tra - Thanh tra cấp huyện: "
                "biên chế giảm từ 20 xuống còn 15 người",
                "published",
            ]
        ]  # fmt: skip
        assert [row for row in headcounts[1:] if row[7] == "official"] == []
        assert len(_csv_rows(archive, "agencies")) == 1 + 140 + 42
        assert len(_csv_rows(archive, "mergers")) == 1 + 42
        # 14 MTTQ mergers of 6 sources, 28 of 2.
        assert len(_csv_rows(archive, "merger_sources")) == 1 + 14 * 6 + 28 * 2
        # MTTQ: planned, completed; the 2018 programmes: planned, titles unified, approved, completed.
        assert len(_csv_rows(archive, "merger_stages")) == 1 + 14 * 2 + 28 * 4


def test_text_that_a_spreadsheet_would_run_is_escaped(leader_client):
    agency = Agency.objects.get(name="Thanh tra huyện Cô Tô")
    Agency.objects.filter(pk=agency.pk).update(name='=HYPERLINK("http://x","y")')
    with zipfile.ZipFile(io.BytesIO(leader_client.get(ZIP).content)) as archive:
        row = next(r for r in _csv_rows(archive, "agencies") if r[0] == str(agency.pk))
    assert row[3] == '\'=HYPERLINK("http://x","y")'


def test_popolo_has_every_district_and_agency_with_their_dates(leader_client):
    response = leader_client.get(POPOLO)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    orgs = {org["id"]: org for org in body["organizations"]}
    districts = [org for org in body["organizations"] if org["id"].startswith("district/")]
    assert [org["identifiers"] for org in districts] == [[{"scheme": "gso", "identifier": c}] for c in ALL_CODES]
    assert orgs["province/22"]["name"] == "Tỉnh Quảng Ninh"
    assert orgs["district/204"] == {
        "id": "district/204",
        "name": "Huyện Hoành Bồ",
        "classification": "district:huyen",
        "identifiers": [{"scheme": "gso", "identifier": "204"}],
        "parent_id": "province/22",
        "dissolution_date": "2020-01-01",
        "links": [{"url": "http://testserver/api/v1/districts/193/#district/193", "note": "successor"}],
        "sources": [{"url": "http://testserver/api/v1/districts/204/", "note": "Quảng Ninh merger tracker"}],
    }
    assert orgs["district/193"]["links"] == [
        {"url": "http://testserver/api/v1/districts/204/#district/204", "note": "predecessor"}
    ]
    agencies = {org["id"]: org for org in body["organizations"] if org["id"].startswith("agency/")}
    assert len(agencies) == Agency.objects.count() == 182
    for agency in Agency.objects.select_related("district"):
        org = agencies[f"agency/{agency.pk}"]
        assert (org["name"], org["parent_id"], org.get("founding_date"), org.get("dissolution_date")) == (
            agency.name,
            f"district/{agency.district.code}",
            agency.established_on.isoformat(),
            agency.dissolved_on.isoformat() if agency.dissolved_on else None,
        )
    tcnv = Agency.objects.get(name="Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long")
    sources = list(tcnv.resulting_mergers.get().source_agencies.order_by("pk"))
    org = agencies[f"agency/{tcnv.pk}"]
    assert (org["classification"], org["founding_date"]) == ("to-chuc-noi-vu", "2018-01-02")
    assert org["links"] == [
        {"url": f"http://testserver/api/v1/agencies/{s.pk}/#agency/{s.pk}", "note": "predecessor"} for s in sources
    ]
    first = agencies[f"agency/{sources[0].pk}"]
    assert first["dissolution_date"] == "2018-01-02"
    assert first["links"] == [
        {"url": f"http://testserver/api/v1/agencies/{tcnv.pk}/#agency/{tcnv.pk}", "note": "successor"}
    ]
    assert first["sources"][0]["note"] == (
        "Quảng Ninh merger tracker; founding_date is an estimate (the agency predates the records)"
    )


# --- who may download ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ZIP, POPOLO])
def test_anonymous_is_refused_unless_the_administrator_opens_it(client, quang_ninh, settings, url):
    settings.OPEN_DATA_PUBLIC = False
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    response = client.get(url, HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401
    settings.OPEN_DATA_PUBLIC = True
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [ZIP, POPOLO])
def test_readers_with_a_token_and_users_without_a_role(client, quang_ninh, analyst, settings, url):
    settings.OPEN_DATA_PUBLIC = False
    token = Token.objects.create(user=analyst)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    nobody = get_user_model().objects.create_user(username="nobody", password="pw-for-tests-1")
    token = Token.objects.create(user=nobody)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 403


def test_the_decision_register_is_in_the_package_and_cited_by_mergers_and_stages(leader_client, tmp_path):
    import csv as csv_module

    from mergers.models import Decision

    with zipfile.ZipFile(io.BytesIO(leader_client.get(ZIP).content)) as archive:
        decisions = list(csv_module.DictReader(io.StringIO(archive.read("data/decisions.csv").decode("utf-8-sig"))))
        mergers = list(csv_module.DictReader(io.StringIO(archive.read("data/mergers.csv").decode("utf-8-sig"))))
        stages = list(csv_module.DictReader(io.StringIO(archive.read("data/merger_stages.csv").decode("utf-8-sig"))))
    assert len(decisions) == Decision.objects.count()
    d44 = next(d for d in decisions if d["number"] == "44-QĐ/TU")
    assert (d44["date"], d44["issuer"], d44["kind"], d44["source_kind"]) == (
        "2015-11-30", "btv-tinh-uy", "quyet-dinh", "published",
    )  # fmt: skip
    mttq = [m for m in mergers if m["programme"] == "khoi-mttq"]
    assert len(mttq) == 14 and {m["decision"] for m in mttq} == {d44["id"]}
    # Every merger and every stage cites an entry of the register.
    ids = {d["id"] for d in decisions}
    assert all(m["decision"] in ids for m in mergers)
    assert all(s["decision"] in ids for s in stages)


def test_the_articles_province_figures_are_in_the_package_as_published(leader_client, tmp_path):
    """The published aggregates (12/14 and 12,54% on 27/09/2017; 14/14 for each 2018 programme),
    each with its source: only what the article gives, the rest empty (missing, never 0)."""
    from mergers.models import Decision

    with zipfile.ZipFile(io.BytesIO(leader_client.get(ZIP).content)) as archive:
        rows = _csv_rows(archive, "published_aggregates")
    assert rows[0] == [
        "id", "province", "programme", "on", "completed", "total", "headcount_before", "headcount_after",
        "reduction_pct", "focal_points_removed", "decision", "source", "source_kind", "note",
    ]  # fmt: skip
    assert [row[1:11] + [row[12]] for row in rows[1:]] == [
        ["22", "khoi-mttq", "2017-09-27", "12", "14", "", "", "12.54", "", str(Decision.objects.get(number="44-QĐ/TU").pk),
         "published"],
        ["22", "kiem-tra-thanh-tra", "2019-01-01", "14", "14", "", "", "", "", "", "published"],
        ["22", "to-chuc-noi-vu", "2019-01-01", "14", "14", "", "", "", "", "", "published"],
    ]  # fmt: skip
    assert rows[1][11].startswith("Báo Quảng Ninh, 28/09/2017: sơ kết 2 năm Quyết định 44-QĐ/TU")
