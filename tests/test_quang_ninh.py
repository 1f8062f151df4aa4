"""The shipped Quảng Ninh data: the articles' figures come back out exactly."""

import datetime
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from datasets.management.commands.build_quang_ninh import dump_fixture
from datasets.seed import build_quang_ninh
from districts.models import District, Province
from districts.selectors import districts_active_on
from figures.selectors import agencies_active_on, merger_list
from mergers.choices import MergerStatus, SourceKind
from mergers.models import Agency, HeadcountRecord, Merger
from reports.selectors import programme_figures, progress_dict, staffing_report

D = datetime.date
EARLY_12 = ["194", "195", "196", "198", "199", "201", "202", "203", "204", "205", "206", "207"]


@pytest.fixture
def qn(quang_ninh):
    return Province.objects.get(code="22")


def test_fourteen_districts_in_2019_thirteen_in_2020(qn):
    assert districts_active_on(D(2019, 12, 31), province=qn).count() == 14
    assert list(districts_active_on(D(2020, 1, 1), province=qn).values_list("code", flat=True)) == [
        "193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "205", "206", "207",
    ]  # fmt: skip
    hoanh_bo = District.objects.get(code="204")
    assert (hoanh_bo.name, hoanh_bo.dissolved_on, hoanh_bo.successor.code) == ("Hoành Bồ", D(2020, 1, 1), "193")


def test_mttq_bloc_done_in_12_districts_on_2017_09_27(qn):
    progress = {p.programme.code: p for p in programme_figures(province=qn, as_of=D(2017, 9, 27))}
    mttq = progress["khoi-mttq"]
    assert (mttq.completed, mttq.total) == (12, 14)
    assert mttq.districts_completed == EARLY_12
    assert mttq.districts_pending == ["193", "200"]
    assert (mttq.programme.decision_number, mttq.programme.decided_on) == ("44-QĐ/TU", D(2015, 11, 30))


def test_mttq_bloc_cut_staff_by_12_54_percent_in_two_years(qn):
    figures = {p.programme.code: progress_dict(p) for p in programme_figures(province=qn, as_of=D(2017, 9, 27))}
    assert figures["khoi-mttq"] == {
        "programme": "khoi-mttq",
        "name": "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể chính trị - xã hội cấp huyện",
        "decision_number": "44-QĐ/TU",
        "decided_on": D(2015, 11, 30),
        "completed": 12,
        "total": 14,
        "districts_completed": EARLY_12,
        "districts_pending": ["193", "200"],
        "mergers": 12,
        "mergers_without_data": 0,
        "headcount_before": 279,
        "headcount_after": 244,
        "reduction": 35,
        "reduction_pct": 12.54,
        "focal_points_removed": 60,
        "demo": True,
        # 12/14 and 12.54% are the article's (published); 279 -> 244 are sums of demo records.
        "source_kinds": {
            "completed": "published",
            "total": "published",
            "headcount_before": "demo",
            "headcount_after": "demo",
            "focal_points_removed": "demo",
            "reduction": "demo",
            "reduction_pct": "published",
        },
        "published": {
            "id": figures["khoi-mttq"]["published"]["id"],
            "on": D(2017, 9, 27),
            "source": "Báo Quảng Ninh, 28/09/2017: sơ kết 2 năm Quyết định 44-QĐ/TU: “toàn tỉnh có 12/14 huyện, "
            "thị xã, thành phố thực hiện”, “tinh giản 12,54% biên chế trong 2 năm”",
            "source_kind": "published",
            "decision": "44-QĐ/TU",
            "decision_id": figures["khoi-mttq"]["published"]["decision_id"],
            "figures": {"completed": 12, "total": 14, "reduction_pct": 12.54},
        },
        "discrepancies": [],
    }


@pytest.mark.parametrize(
    "as_of, shown",
    [
        (D(2017, 9, 26), None),  # before the conference: the districts' figures only
        (D(2017, 9, 27), D(2017, 9, 27)),
        (D(2018, 2, 28), D(2017, 9, 27)),  # nothing changed since
        (D(2018, 3, 1), None),  # Đầm Hà's bloc took effect: the article no longer describes the province
    ],
)
def test_the_2017_article_holds_until_the_next_mttq_merger(qn, as_of, shown):
    (mttq,) = [p for p in programme_figures(province=qn, as_of=as_of) if p.programme.code == "khoi-mttq"]
    assert (mttq.published.on if mttq.published else None) == shown
    if shown is None:
        assert mttq.kinds["completed"] == "demo"
    else:
        assert (mttq.completed, mttq.total, mttq.reduction_pct, mttq.discrepancies) == (12, 14, 12.54, ())


def test_the_2019_article_gives_14_of_14_for_both_2018_programmes(qn):
    progress = {p.programme.code: p for p in programme_figures(province=qn, as_of=D(2019, 6, 30))}
    for code in ("to-chuc-noi-vu", "kiem-tra-thanh-tra"):
        figures = progress[code]
        assert (figures.completed, figures.total, figures.published.figures) == (14, 14, {"completed": 14, "total": 14})
        assert (figures.kinds["completed"], figures.kinds["total"], figures.kinds["headcount_before"]) == (
            "published",
            "published",
            "demo",
        )
    # Hoành Bồ joins Hạ Long: 13 districts, no longer the article's 14.
    assert {p.programme.code: p.published for p in programme_figures(province=qn, as_of=D(2020, 1, 1))} == {
        "khoi-mttq": None,
        "to-chuc-noi-vu": None,
        "kiem-tra-thanh-tra": None,
    }


def test_a_published_figure_the_districts_disagree_with_is_reported(qn):
    from core.actors import SYSTEM
    from mergers import services
    from mergers.models import Programme

    services.published_aggregate_create(
        user=SYSTEM,
        province=qn,
        programme=Programme.objects.get(code="khoi-mttq"),
        on=D(2017, 10, 1),
        source="Nguồn thử",
        completed=13,
        headcount_before=300,
    )
    (mttq,) = [p for p in programme_figures(province=qn, as_of=D(2017, 12, 31)) if p.programme.code == "khoi-mttq"]
    assert (mttq.completed, mttq.headcount_before, mttq.headcount_after, mttq.reduction) == (13, 300, 244, 56)
    assert [d.as_dict() for d in mttq.discrepancies] == [
        {"figure": "completed", "published": 13, "districts": 12},
        {"figure": "headcount_before", "published": 300, "districts": 279},
    ]
    assert (mttq.kinds["headcount_before"], mttq.kinds["headcount_after"], mttq.kinds["reduction"]) == (
        "published",
        "demo",
        "demo",
    )


def test_labour_federation_is_outside_the_district_quota(qn):
    ldld = Agency.objects.filter(agency_type__code="lien-doan-lao-dong")
    assert ldld.count() == 14
    assert HeadcountRecord.objects.filter(agency__in=ldld).count() == 0


def test_the_2018_programmes_done_everywhere_removing_28_focal_points(qn):
    progress = {p.programme.code: p for p in programme_figures(province=qn, as_of=D(2018, 6, 30))}
    for code in ("to-chuc-noi-vu", "kiem-tra-thanh-tra"):
        assert (progress[code].completed, progress[code].total, progress[code].districts_pending) == (14, 14, [])
    types = ["ban-to-chuc", "phong-noi-vu", "uy-ban-kiem-tra", "thanh-tra", "to-chuc-noi-vu", "kiem-tra-thanh-tra"]
    before = agencies_active_on(D(2017, 12, 31)).filter(agency_type__code__in=types).count()
    after = agencies_active_on(D(2018, 6, 30)).filter(agency_type__code__in=types).count()
    assert (before, after, before - after) == (56, 28, 28)
    removed = [progress[c].focal_points_removed for c in ("to-chuc-noi-vu", "kiem-tra-thanh-tra")]
    assert removed == [14, 14]


def test_dam_ha_inspection_merger_on_2018_04_11(qn):
    merger = Merger.objects.get(programme__code="kiem-tra-thanh-tra", district__code="200")
    assert (merger.status, merger.effective_on) == (MergerStatus.COMPLETED, D(2018, 4, 11))


def test_ha_long_organisation_home_affairs_20_to_15(qn):
    merger = merger_list().get(programme__code="to-chuc-noi-vu", district__code="193")
    assert (merger.headcount_before, merger.headcount_after, merger.reduction, merger.reduction_pct) == (
        20,
        15,
        5,
        25.0,
    )
    assert merger.result_agency.name == "Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long"
    after = merger.result_agency.headcounts.get(as_of=merger.effective_on)
    assert after.source_kind == SourceKind.PUBLISHED  # the article's figure, real but not an official record


def test_titles_were_unified_before_the_2018_mergers(qn):
    merger = Merger.objects.get(programme__code="kiem-tra-thanh-tra", district__code="204")
    assert list(merger.stages.values_list("status", "on")) == [
        ("planned", D(2015, 3, 1)),
        ("titles_unified", D(2016, 1, 4)),
        ("approved", D(2018, 1, 1)),
        ("completed", D(2018, 1, 15)),
    ]


def test_staffing_report_with_and_without_the_like_for_like_fold(qn):
    report = staffing_report(province=qn, baseline=D(2015, 11, 30), as_of=D(2020, 6, 1))
    assert report.total.figures_dict() == {
        "headcount_baseline": 700,
        "headcount_current": 606,
        "change": -94,
        "change_pct": -13.43,
        "agencies_baseline": 140,
        "agencies_current": 39,
        "agencies_change": -101,
        "demo": True,
        "missing_baseline": [],
        "missing_current": [],
    }
    rows = {r.district: r for r in report.rows}
    assert len(rows) == 14
    assert (rows["204"].headcount_baseline, rows["204"].headcount_current, rows["204"].successor) == (47, None, "193")
    assert (rows["193"].headcount_baseline, rows["193"].headcount_current) == (63, 93)
    folded = staffing_report(province=qn, baseline=D(2015, 11, 30), as_of=D(2020, 6, 1), like_for_like=True)
    ha_long = folded.rows[0]
    assert (ha_long.district, ha_long.folded, ha_long.headcount_baseline, ha_long.change) == ("193", ["204"], 110, -17)
    assert len(folded.rows) == 13
    assert folded.total.figures_dict() == report.total.figures_dict()


def test_every_demo_figure_is_labelled(qn):
    published = HeadcountRecord.objects.filter(source_kind=SourceKind.PUBLISHED)
    assert list(published.values_list("agency__name", "authorised")) == [
        ("Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long", 15)
    ]
    # 14 districts x 9 in-quota sources + 42 results + 3 Hạ Long records for 2020 = 171, one
    # published (the article's 15), none official, the rest demo.
    assert HeadcountRecord.objects.count() == 171
    assert not HeadcountRecord.objects.filter(source_kind=SourceKind.OFFICIAL).exists()
    assert HeadcountRecord.objects.filter(source_kind=SourceKind.DEMO).count() == 170
    assert set(Merger.objects.values_list("source_kind", flat=True)) == {SourceKind.DEMO}


def test_loading_twice_changes_nothing(quang_ninh):
    dump = dump_fixture()
    call_command("loaddata", "quang_ninh", verbosity=0)
    assert dump_fixture() == dump


def _canonical(text: str) -> list:
    """The dump with timestamps dropped and primary keys renumbered 1, 2, ... per model.

    PostgreSQL sequences keep counting across rolled-back tests, so only the order of the
    keys, not their values, is comparable; foreign keys are renumbered to match.
    """
    rows = json.loads(text)
    numbering: dict[str, dict] = {}
    for row in rows:
        ids = numbering.setdefault(row["model"], {})
        ids[row["pk"]] = len(ids) + 1
    for row in rows:
        model = apps.get_model(row["model"])
        row["pk"] = numbering[row["model"]][row["pk"]]
        for field in ("created_at", "updated_at"):
            row["fields"].pop(field, None)
        for field in model._meta.get_fields():
            if not field.concrete or not field.is_relation or field.name not in row["fields"]:
                continue
            target = numbering.get(field.related_model._meta.label_lower, {})
            value = row["fields"][field.name]
            if isinstance(value, list):
                row["fields"][field.name] = sorted(target.get(v, v) for v in value)
            elif value is not None:
                row["fields"][field.name] = target.get(value, value)
    return rows


def test_the_fixture_is_what_the_services_produce(db):
    """fixtures/quang_ninh.json is the result of datasets.seed, not a separate truth."""
    build_quang_ninh()
    shipped = (Path(settings.BASE_DIR) / "fixtures" / "quang_ninh.json").read_text(encoding="utf-8")
    assert _canonical(dump_fixture()) == _canonical(shipped)
