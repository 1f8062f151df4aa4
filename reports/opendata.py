"""Open data: everything public as a Frictionless Data Package (a zip) and as Popolo JSON.

`/open-data/datapackage.zip` holds `datapackage.json` (a Table Schema per CSV, with types,
primary and foreign keys), the CSVs under `data/`, and a README.md. Each resource is one
`Resource` entry of `RESOURCES`: its fields (name, Table Schema type, description), its keys
and the function that yields its rows from the selectors. A new resource (the decision
register's `decisions`) is one more entry.

`/open-data/popolo.json` lists the province, its districts and every agency as Popolo
organizations (http://www.popoloproject.com/specs/organization.html): GSO codes as
identifiers, classification, parent, founding and dissolution dates, predecessors and
successors as links, and sources.

CSV cells are formula-safe (`core.spreadsheet.safe_cell`), as in every export.
"""

import csv
import dataclasses
import datetime
import io
import json
import zipfile
from collections.abc import Callable, Iterable

from django.db.models import Prefetch
from django.utils import timezone

from core.spreadsheet import safe_cell
from districts.selectors import district_list
from figures.engine import programmes_ordered
from figures.selectors import agency_list, headcount_list
from mergers.choices import DecisionIssuer, DecisionKind, MergerStatus, Sector, SourceKind
from mergers.models import AgencyType, Decision, Merger, MergerStage, PublishedAggregate
from mergers.sources import ARTICLE_2017, ARTICLE_2019

PACKAGE_NAME = "quang-ninh-agency-mergers"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
# The two news articles the official figures come from (shared/seeds/).
SOURCES = [
    {"title": ARTICLE_2017},
    {"title": ARTICLE_2019},
]
DEMO_WARNING = (
    "Figures whose source_kind is not `official` are demo (made up to fill gaps in the sources) or "
    "synthetic values: never read them as real. Số liệu có source_kind khác `official` là số liệu "
    "minh họa (demo) hoặc tổng hợp, không phải số liệu thật."
)


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: string, integer, date, boolean
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()

    def schema(self) -> dict:
        field = {"name": self.name, "type": self.type, "description": self.description}
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            field["constraints"] = constraints
        return field


@dataclasses.dataclass(frozen=True)
class Resource:
    name: str
    title: str
    fields: tuple[Field, ...]
    rows: Callable[[], Iterable[tuple]]
    primary_key: tuple[str, ...]
    # (field, resource, field): the resource "" is this one (a district's successor).
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"

    def descriptor(self) -> dict:
        schema = {
            "fields": [f.schema() for f in self.fields],
            "primaryKey": list(self.primary_key),
            "missingValues": [""],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": field, "reference": {"resource": resource, "fields": target}}
                for field, resource, target in self.foreign_keys
            ]
        return {
            "name": self.name,
            "title": self.title,
            "path": self.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        }


def _kinds(choices) -> tuple[str, ...]:
    return tuple(value for value, _label in choices)


SOURCE_KIND = Field(
    "source_kind", "string", "official, published, demo or synthetic", required=True, enum=_kinds(SourceKind.choices)
)


# --- rows, from the selectors ---------------------------------------------------------------


def _district_rows():
    for d in district_list().order_by("code"):
        yield (
            d.code, d.province.code, d.name, d.kind, d.full_name, d.established_on, d.dissolved_on,
            d.successor.code if d.successor_id else None,
        )  # fmt: skip


def _agency_type_rows():
    for t in AgencyType.objects.order_by("code"):
        yield t.code, t.name, t.name_en, t.sector, t.in_district_quota


def _agency_rows():
    for a in agency_list().order_by("pk"):
        yield (
            a.pk, a.district.code, a.agency_type.code, a.name, a.established_on, a.established_on_estimated,
            a.dissolved_on,
        )  # fmt: skip


def _decision_rows():
    for d in Decision.objects.select_related("district").order_by("date", "number", "pk"):
        yield (
            d.pk, d.number, d.date, d.issuer, d.kind, d.title, d.district.code if d.district_id else None,
            d.source, d.source_kind,
        )  # fmt: skip


def _programme_rows():
    for p in programmes_ordered().select_related("result_type", "decision"):
        yield (
            p.code, p.name, p.name_en, p.decision_id, p.decision_number, p.decided_on, p.description,
            p.result_type.code,
        )  # fmt: skip


def _programme_source_type_rows():
    for p in programmes_ordered().prefetch_related("source_types"):
        for t in sorted(p.source_types.all(), key=lambda t: t.code):
            yield p.code, t.code


def _mergers():
    return Merger.objects.select_related("programme", "district", "decision").order_by("pk")


def _merger_rows():
    for m in _mergers():
        yield (
            m.pk, m.programme.code, m.district.code, m.decision_id, m.decision_number, m.decided_on, m.effective_on,
            m.status,
            m.result_agency_id, m.source_kind, m.source,
        )  # fmt: skip


def _merger_source_rows():
    for m in _mergers().prefetch_related(Prefetch("source_agencies")):
        for agency in sorted(m.source_agencies.all(), key=lambda a: a.pk):
            yield m.pk, agency.pk


def _merger_stage_rows():
    for s in MergerStage.objects.order_by("merger_id", "on", "pk"):
        yield s.pk, s.merger_id, s.status, s.on, s.decision_id, s.note, s.skip_reason


def _published_aggregate_rows():
    aggregates = PublishedAggregate.objects.select_related("province", "programme")
    for a in aggregates.order_by("on", "programme__code", "pk"):
        yield (
            a.pk, a.province.code, a.programme.code, a.on, a.completed, a.total, a.headcount_before,
            a.headcount_after, None if a.reduction_pct is None else float(a.reduction_pct), a.focal_points_removed,
            a.decision_id, a.source, a.source_kind, a.note,
        )  # fmt: skip


def _headcount_rows():
    for r in headcount_list().order_by("agency_id", "as_of"):
        yield r.pk, r.agency_id, r.agency.district.code, r.as_of, r.authorised, r.actual, r.source, r.source_kind


RESOURCES: list[Resource] = [
    Resource(
        "districts",
        "District-level units (đơn vị hành chính cấp huyện)",
        (
            Field("code", "string", "GSO code", required=True),
            Field("province", "string", "GSO code of the province", required=True),
            Field("name", "string", "name", required=True),
            Field("kind", "string", "thanh-pho (city), thi-xa (town) or huyen (rural district)", required=True),
            Field("full_name", "string", "kind and name, as the application shows it", required=True),
            Field("established_on", "date", "first day (empty: before the period recorded)"),
            Field("dissolved_on", "date", "first day it no longer exists"),
            Field("successor", "string", "GSO code of the district that took it over"),
        ),
        _district_rows,
        ("code",),
        (("successor", "", "code"),),
    ),
    Resource(
        "agency_types",
        "Agency types (loại cơ quan)",
        (
            Field("code", "string", "code", required=True),
            Field("name", "string", "Vietnamese name", required=True),
            Field("name_en", "string", "English name"),
            Field("sector", "string", "party, government or front", required=True, enum=_kinds(Sector.choices)),
            Field("in_district_quota", "boolean", "counted in the district's headcount", required=True),
        ),
        _agency_type_rows,
        ("code",),
    ),
    Resource(
        "agencies",
        "Agencies (cơ quan)",
        (
            Field("id", "integer", "identifier (the API's)", required=True),
            Field("district", "string", "GSO code of its district", required=True),
            Field("agency_type", "string", "agency type code", required=True),
            Field("name", "string", "name", required=True),
            Field("established_on", "date", "first day active", required=True),
            Field("established_on_estimated", "boolean", "the first day is an estimate", required=True),
            Field("dissolved_on", "date", "first day no longer active"),
        ),
        _agency_rows,
        ("id",),
        (("district", "districts", "code"), ("agency_type", "agency_types", "code")),
    ),
    Resource(
        "decisions",
        "The decision register (sổ quyết định): every programme, merger, stage and district change cites one",
        (
            Field("id", "integer", "identifier (the API's)", required=True),
            Field("number", "string", "number, as written (44-QĐ/TU)", required=True),
            Field("date", "date", "date issued"),
            Field("issuer", "string", "issuing body", required=True, enum=_kinds(DecisionIssuer.choices)),
            Field("kind", "string", "kind of act", required=True, enum=_kinds(DecisionKind.choices)),
            Field("title", "string", "title (trích yếu)"),
            Field("district", "string", "GSO code of the issuing district (Huyện ủy, UBND huyện)"),
            Field("source", "string", "where the number and date come from"),
            SOURCE_KIND,
        ),
        _decision_rows,
        ("id",),
        (("district", "districts", "code"),),
    ),
    Resource(
        "programmes",
        "Merger programmes (đề án)",
        (
            Field("code", "string", "code", required=True),
            Field("name", "string", "name", required=True),
            Field("name_en", "string", "English name"),
            Field("decision", "integer", "decision id (decisions.csv)"),
            Field("decision_number", "string", "decision number"),
            Field("decided_on", "date", "decision date"),
            Field("description", "string", "description"),
            Field("result_type", "string", "agency type of the merged agency", required=True),
        ),
        _programme_rows,
        ("code",),
        (("result_type", "agency_types", "code"), ("decision", "decisions", "id")),
    ),
    Resource(
        "programme_source_types",
        "Agency types a programme merges",
        (
            Field("programme", "string", "programme code", required=True),
            Field("agency_type", "string", "agency type code", required=True),
        ),
        _programme_source_type_rows,
        ("programme", "agency_type"),
        (("programme", "programmes", "code"), ("agency_type", "agency_types", "code")),
    ),
    Resource(
        "mergers",
        "Mergers (hợp nhất): one district, one programme",
        (
            Field("id", "integer", "identifier (the API's)", required=True),
            Field("programme", "string", "programme code", required=True),
            Field("district", "string", "GSO code", required=True),
            Field("decision", "integer", "decision id (decisions.csv)", required=True),
            Field("decision_number", "string", "decision number", required=True),
            Field("decided_on", "date", "decision date", required=True),
            Field("effective_on", "date", "first day of the merged agency"),
            Field("status", "string", "current stage", required=True, enum=_kinds(MergerStatus.choices)),
            Field("result_agency", "integer", "the merged agency"),
            SOURCE_KIND,
            Field("source", "string", "where the dates and number come from"),
        ),
        _merger_rows,
        ("id",),
        (
            ("programme", "programmes", "code"),
            ("district", "districts", "code"),
            ("decision", "decisions", "id"),
            ("result_agency", "agencies", "id"),
        ),
    ),
    Resource(
        "merger_sources",
        "The agencies each merger merges",
        (
            Field("merger", "integer", "merger id", required=True),
            Field("agency", "integer", "agency id", required=True),
        ),
        _merger_source_rows,
        ("merger", "agency"),
        (("merger", "mergers", "id"), ("agency", "agencies", "id")),
    ),
    Resource(
        "merger_stages",
        "Dated stages of each merger",
        (
            Field("id", "integer", "identifier", required=True),
            Field("merger", "integer", "merger id", required=True),
            Field("status", "string", "stage", required=True, enum=_kinds(MergerStatus.choices)),
            Field("on", "date", "date of the stage", required=True),
            Field("decision", "integer", "the decision it cites (decisions.csv)"),
            Field("note", "string", "note"),
            Field("skip_reason", "string", "why stages of the programme were skipped"),
        ),
        _merger_stage_rows,
        ("id",),
        (("merger", "mergers", "id"), ("decision", "decisions", "id")),
    ),
    Resource(
        "headcounts",
        "Headcount records (số liệu biên chế): in force from as_of until the agency's next record",
        (
            Field("id", "integer", "identifier (the API's)", required=True),
            Field("agency", "integer", "agency id", required=True),
            Field("district", "string", "GSO code of the agency's district", required=True),
            Field("as_of", "date", "in force from", required=True),
            Field("authorised", "integer", "authorised headcount (biên chế được giao); empty: not given"),
            Field("actual", "integer", "actual headcount (số người làm việc thực tế); empty: not entered"),
            Field("source", "string", "where the figures come from", required=True),
            SOURCE_KIND,
        ),
        _headcount_rows,
        ("id",),
        (("agency", "agencies", "id"), ("district", "districts", "code")),
    ),
    Resource(
        "published_aggregates",
        "A province's figures for a programme as a published source gives them (số liệu công bố): the "
        "reports show them instead of the districts' sums from `on` until the programme's next merger "
        "or a district's start or end; empty: the source does not give that figure",
        (
            Field("id", "integer", "identifier", required=True),
            Field("province", "string", "GSO code of the province", required=True),
            Field("programme", "string", "programme code", required=True),
            Field("on", "date", "the date the figures describe", required=True),
            Field("completed", "integer", "districts that had completed the programme"),
            Field("total", "integer", "districts in the province"),
            Field("headcount_before", "integer", "authorised headcount before the mergers"),
            Field("headcount_after", "integer", "authorised headcount after the mergers"),
            Field("reduction_pct", "number", "staff reduction, % of headcount_before"),
            Field("focal_points_removed", "integer", "agencies (focal points) removed"),
            Field("decision", "integer", "the decision the source names (decisions.csv)"),
            Field("source", "string", "the published source, cited", required=True),
            SOURCE_KIND,
            Field("note", "string", "note (e.g. how the date was read from the source)"),
        ),
        _published_aggregate_rows,
        ("id",),
        (("programme", "programmes", "code"), ("decision", "decisions", "id")),
    ),
]


# --- the package ----------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_cell(value)


def resource_csv(resource: Resource) -> str:
    """The resource as CSV text: a header of field names, one line per row, UTF-8 without BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in resource.fields])
    for row in resource.rows():
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def descriptor(*, created: datetime.datetime | None = None) -> dict:
    created = created or timezone.now()
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Quảng Ninh: district-level agency mergers, 2015-2025",
        "description": (
            "Districts, agencies, merger programmes, mergers with their stages, headcounts with their "
            "sources, and the province figures published sources give, from the Quảng Ninh merger tracker. "
            + DEMO_WARNING
        ),
        "created": created.replace(microsecond=0).isoformat(),
        "licenses": [LICENSE],
        "sources": SOURCES,
        "resources": [r.descriptor() for r in RESOURCES],
    }


def readme(package: dict) -> str:
    lines = [
        f"# {package['title']}",
        "",
        package["description"],
        "",
        f"Licence: {LICENSE['title']} ({LICENSE['name']}, {LICENSE['path']}).",
        f"Created: {package['created']}.",
        "",
        "## Sources",
        "",
        *[f"- {s['title']}" for s in SOURCES],
        "",
        "## Files",
        "",
        "`datapackage.json` describes every CSV (a Frictionless Table Schema: types, primary and "
        "foreign keys). CSVs are UTF-8, dates yyyy-mm-dd; an empty cell is a missing value, never 0. "
        "A text cell that a spreadsheet could read as a formula starts with a single quote.",
        "",
    ]
    for resource in RESOURCES:
        lines += [f"### {resource.path}: {resource.title}", ""]
        lines += [f"- `{f.name}` ({f.type}): {f.description}" for f in resource.fields]
        lines.append("")
    lines += [
        "## How figures are computed",
        "",
        "An agency's headcount on a date is its latest record dated on or before it. A district's "
        "headcount sums its active agencies whose type is in the district quota; if one has no "
        "record the sum is missing. The tracker's API (`/api/v1/reports/`) computes these figures.",
        "",
    ]
    return "\n".join(lines)


def datapackage_zip(*, created: datetime.datetime | None = None) -> bytes:
    package = descriptor(created=created)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
        archive.writestr("README.md", readme(package))
        for resource in RESOURCES:
            archive.writestr(resource.path, resource_csv(resource))
    return buffer.getvalue()


# --- Popolo -----------------------------------------------------------------------------------


def _date(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _org(*, id, name, classification, identifiers, parent_id, founding_date, dissolution_date, links, sources):
    org = {"id": id, "name": name, "classification": classification, "identifiers": identifiers}
    if parent_id:
        org["parent_id"] = parent_id
    if founding_date:
        org["founding_date"] = founding_date
    if dissolution_date:
        org["dissolution_date"] = dissolution_date
    org["links"] = links
    org["sources"] = sources
    return org


def popolo(*, base_url: str) -> dict:
    """The province, its districts and every agency as Popolo organizations.

    Ids: `province/22`, `district/193`, `agency/57`. A district's or agency's successor and
    predecessors are `links` whose `note` is "successor" or "predecessor" and whose `url` is
    the other organization's API address (its Popolo id in `#...`). Five queries.
    """
    base = base_url.rstrip("/")
    districts = list(district_list().order_by("code"))
    orgs = []
    for province in sorted({d.province for d in districts}, key=lambda p: p.code):
        orgs.append(
            _org(
                id=f"province/{province.code}",
                name=f"Tỉnh {province.name}",
                classification="province",
                identifiers=[{"scheme": "gso", "identifier": province.code}],
                parent_id=None,
                founding_date=None,
                dissolution_date=None,
                links=[],
                sources=[{"url": f"{base}/api/v1/provinces/{province.code}/", "note": "Quảng Ninh merger tracker"}],
            )
        )
    predecessors: dict[str, list[str]] = {}
    for d in districts:
        if d.successor_id:
            predecessors.setdefault(d.successor.code, []).append(d.code)

    def district_link(code, note):
        return {"url": f"{base}/api/v1/districts/{code}/#district/{code}", "note": note}

    for d in districts:
        links = [district_link(c, "predecessor") for c in predecessors.get(d.code, [])]
        if d.successor_id:
            links.append(district_link(d.successor.code, "successor"))
        orgs.append(
            _org(
                id=f"district/{d.code}",
                name=d.full_name,
                classification=f"district:{d.kind}",
                identifiers=[{"scheme": "gso", "identifier": d.code}],
                parent_id=f"province/{d.province.code}",
                founding_date=_date(d.established_on),
                dissolution_date=_date(d.dissolved_on),
                links=links,
                sources=[{"url": f"{base}/api/v1/districts/{d.code}/", "note": "Quảng Ninh merger tracker"}],
            )
        )
    # An agency's predecessors are the sources of the merger that created it; its successor
    # is the result of the merger that absorbed it.
    successor_of: dict[int, list[tuple[int, str]]] = {}
    predecessors_of: dict[int, list[int]] = {}
    for merger in (
        Merger.objects.filter(status=MergerStatus.COMPLETED, result_agency__isnull=False)
        .prefetch_related("source_agencies")
        .order_by("pk")
    ):
        for source in sorted(merger.source_agencies.all(), key=lambda a: a.pk):
            successor_of.setdefault(source.pk, []).append((merger.result_agency_id, merger.source))
            predecessors_of.setdefault(merger.result_agency_id, []).append(source.pk)

    def agency_link(pk, note):
        return {"url": f"{base}/api/v1/agencies/{pk}/#agency/{pk}", "note": note}

    for a in agency_list().order_by("pk"):
        links = [agency_link(pk, "predecessor") for pk in predecessors_of.get(a.pk, [])]
        links += [agency_link(pk, "successor") for pk, _source in successor_of.get(a.pk, [])]
        note = "Quảng Ninh merger tracker"
        if a.established_on_estimated:
            note += "; founding_date is an estimate (the agency predates the records)"
        sources = [{"url": f"{base}/api/v1/agencies/{a.pk}/", "note": note}]
        sources += [
            {"url": f"{base}/api/v1/agencies/{pk}/", "note": text} for pk, text in successor_of.get(a.pk, []) if text
        ]
        orgs.append(
            _org(
                id=f"agency/{a.pk}",
                name=a.name,
                classification=a.agency_type.code,
                identifiers=[{"scheme": "quang-ninh-tracker", "identifier": str(a.pk)}],
                parent_id=f"district/{a.district.code}",
                founding_date=_date(a.established_on),
                dissolution_date=_date(a.dissolved_on),
                links=links,
                sources=sources,
            )
        )
    return {
        "meta": {"license": LICENSE["path"], "sources": [s["title"] for s in SOURCES], "note": DEMO_WARNING},
        "organizations": orgs,
    }
