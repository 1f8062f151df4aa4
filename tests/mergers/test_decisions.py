"""Issue 14 in the services and the data: the decision register, stage rules, lineage across
districts, the end of the district tier, and the migration from free-text numbers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.actors import SYSTEM
from districts.models import District, Province
from mergers import services
from mergers.choices import MergerStatus
from mergers.models import Agency, Decision, Merger, MergerStage
from tests.factories import AgencyFactory, AgencyTypeFactory, DecisionFactory, DistrictFactory, ProgrammeFactory

D = datetime.date
PDF = b"%PDF-1.4\n%test\n"


# --- the shipped data -------------------------------------------------------------------------


def test_every_merger_stage_and_district_change_cites_a_decision(quang_ninh):
    assert Merger.objects.count() == 42 and not Merger.objects.filter(decision=None).exists()
    assert MergerStage.objects.count() == 140 and not MergerStage.objects.filter(decision=None).exists()
    assert District.objects.filter(dissolved_on__isnull=False).count() == 14
    assert not District.objects.filter(dissolution_decision=None).exists()
    ended = Agency.objects.exclude(dissolved_on=None)
    assert ended.count() == 182 and not ended.filter(dissolved_by=None).exists()


def test_the_2018_stages_cite_the_plan_the_titles_and_the_districts_decisions(quang_ninh):
    merger = Merger.objects.get(programme__code="kiem-tra-thanh-tra", district__code="204")
    assert [(s.status, s.on, s.decision.number, s.decision.is_demo) for s in merger.stages.order_by("on")] == [
        ("planned", D(2015, 3, 1), "DEMO-01/KH-TU", True),
        ("titles_unified", D(2016, 1, 4), "DEMO-03/QĐ-TU", True),
        ("approved", D(2018, 1, 1), "DEMO-204-KTTT", True),
        ("completed", D(2018, 1, 15), "DEMO-204-KTTT", True),
    ]
    assert (merger.decision.issuer, merger.decision.district.code) == ("huyen-uy", "204")
    assert merger.programme.stages == ["titles_unified", "approved", "completed"]
    assert merger.programme.decision.number == "DEMO-04/ĐA-TU"


def test_hoanh_bos_agencies_went_into_ha_longs_of_the_same_function(quang_ninh):
    gone = Agency.objects.filter(district__code="204", dissolved_on=D(2020, 1, 1)).select_related("successor")
    assert sorted((a.agency_type.code, a.successor.district.code, a.successor.agency_type.code) for a in gone) == [
        ("khoi-mttq", "193", "khoi-mttq"),
        ("kiem-tra-thanh-tra", "193", "kiem-tra-thanh-tra"),
        ("to-chuc-noi-vu", "193", "to-chuc-noi-vu"),
    ]
    assert {a.dissolved_by.number for a in gone} == {"837/NQ-UBTVQH14"}
    ha_long_mttq = Agency.objects.get(district__code="193", agency_type__code="khoi-mttq")
    assert [a.district.code for a in ha_long_mttq.predecessor_list] == ["193"] * 6 + ["204"]
    assert ha_long_mttq.successor_ids == []  # its functions went to the province in 2025


def test_every_district_and_agency_ends_on_1_july_2025_with_the_province_as_successor(quang_ninh):
    province = Province.objects.get(code="22")
    ended = District.objects.filter(dissolved_on=D(2025, 7, 1))
    assert ended.count() == 13
    assert set(ended.values_list("successor_province", "dissolution_decision__number")) == {(province.pk, "373/ĐA-CP")}
    agencies = Agency.objects.filter(dissolved_on=D(2025, 7, 1))
    assert agencies.count() == 39
    assert set(agencies.values_list("successor_province", "successor", "dissolved_by__number")) == {
        (province.pk, None, "373/ĐA-CP")
    }


# --- the register -------------------------------------------------------------------------------


def test_a_district_bodys_decision_names_its_district(db):
    with pytest.raises(ValidationError) as exc:
        services.decision_create(
            user=SYSTEM, number="5-QĐ/HU", date=D(2018, 1, 1), issuer="huyen-uy", kind="quyet-dinh"
        )
    assert exc.value.message_dict == {"district": ["Văn bản của Huyện ủy phải ghi đơn vị cấp huyện ban hành."]}
    district = DistrictFactory()
    with pytest.raises(ValidationError) as exc:
        services.decision_create(
            user=SYSTEM, number="5/NQ-CP", date=D(2018, 1, 1), issuer="chinh-phu", kind="nghi-quyet", district=district
        )
    assert exc.value.message_dict == {
        "district": ["Chỉ văn bản của Huyện ủy hoặc UBND huyện mới ghi đơn vị cấp huyện."]
    }
    decision = services.decision_create(
        user=SYSTEM, number="5-QĐ/HU", date=D(2018, 1, 1), issuer="huyen-uy", kind="quyet-dinh", district=district
    )
    assert decision.issuer_name == f"Huyện ủy {district.name}"
    with pytest.raises(ValidationError) as exc:
        services.decision_create(
            user=SYSTEM, number="5-QĐ/HU", date=D(2018, 1, 1), issuer="huyen-uy", kind="quyet-dinh", district=district
        )
    assert exc.value.message_dict == {"number": ["Sổ đã có văn bản này (cùng số, cơ quan ban hành, đơn vị và ngày)."]}


def test_a_limited_editor_registers_only_his_districts_decisions(editor, db):
    from districts.models import EditorScope

    home, other = DistrictFactory(), DistrictFactory()
    EditorScope.objects.create(user=editor).districts.set([home])
    services.decision_create(
        number="1-QĐ/HU", date=None, issuer="huyen-uy", kind="quyet-dinh", district=home, user=editor
    )
    for issuer, district in (("huyen-uy", other), ("tinh-uy", None)):
        with pytest.raises(PermissionDenied):
            services.decision_create(
                number="2-QĐ", date=None, issuer=issuer, kind="quyet-dinh", district=district, user=editor
            )


@pytest.mark.parametrize(
    ("number", "in_district", "issuer", "kind"),
    [
        ("837/NQ-UBTVQH14", False, "ubtvqh", "nghi-quyet"),
        ("373/ĐA-CP", False, "chinh-phu", "de-an"),
        ("44-QĐ/TU", False, "tinh-uy", "quyet-dinh"),
        ("12-QĐ/HU", True, "huyen-uy", "quyet-dinh"),
        ("7/QĐ-UBND", True, "ubnd-huyen", "quyet-dinh"),
        ("7/QĐ-UBND", False, "ubnd-tinh", "quyet-dinh"),
        ("15/NQ-HĐND", False, "hdnd-tinh", "nghi-quyet"),
        ("03-KL/TU", False, "tinh-uy", "ket-luan"),
        ("09-KH/TU", False, "tinh-uy", "ke-hoach"),
    ],
)
def test_a_typed_number_is_registered_under_the_issuer_its_suffix_names(number, in_district, issuer, kind):
    assert (services.guess_issuer(number, in_district=in_district), services.guess_kind(number)) == (issuer, kind)


def test_a_merger_typed_with_an_existing_number_cites_that_entry(db):
    existing = DecisionFactory(number="44-QĐ/TU", date=D(2015, 11, 30), issuer="btv-tinh-uy")
    district = DistrictFactory()
    first = services.decision_register(user=SYSTEM, number="44-QĐ/TU", date=D(2015, 11, 30), district=district)
    assert first == existing
    made = services.decision_register(
        user=SYSTEM, number="12-QĐ/HU", date=D(2018, 1, 1), district=district, source_kind="demo"
    )
    assert (made.issuer, made.district, made.kind, made.is_demo) == ("huyen-uy", district, "quyet-dinh", True)
    assert services.decision_register(user=SYSTEM, number="12-QĐ/HU", date=D(2018, 1, 1), district=district) == made


def test_a_decision_date_never_follows_what_it_authorised(db):
    decision = DecisionFactory(number="9-QĐ/TU", date=D(2018, 1, 1))
    agency = AgencyFactory(established_on=D(2018, 3, 1), established_by=decision)
    with pytest.raises(ValidationError) as exc:
        services.decision_update(user=SYSTEM, decision=decision, data={"date": D(2018, 4, 1)})
    assert exc.value.message_dict == {
        "date": [
            "Không thể ghi ngày này: văn bản đã cho phép một sự kiện ngày 01/03/2018 "
            "(ngày ban hành không được sau sự kiện)."
        ]
    }
    with pytest.raises(ValidationError) as exc:
        services.agency_update(
            user=SYSTEM, agency=agency, data={"dissolved_on": D(2017, 6, 1), "dissolved_by": decision}
        )
    assert "dissolved_by" in exc.value.message_dict


def test_a_scan_is_a_pdf_png_or_jpeg_within_the_size_limit(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DECISION_SCAN_MAX_BYTES = 64

    def create(name, content):
        return services.decision_create(
            user=SYSTEM,
            number=name,
            date=None,
            issuer="tinh-uy",
            kind="quyet-dinh",
            scan=SimpleUploadedFile(name, content),
        )

    decision = create("44.pdf", PDF)
    assert decision.scan.name.startswith("decisions/") and decision.scan.name.endswith(".pdf")
    assert decision.scan.read() == PDF
    for name, content, message in (
        ("a.exe", PDF, "Chỉ nhận bản chụp PDF, PNG hoặc JPEG."),
        ("b.pdf", b"MZ not a pdf", "Nội dung tệp không phải PDF, PNG hay JPEG như phần mở rộng của tên tệp."),
        ("c.pdf", PDF + b"x" * 64, "Tệp quá lớn (tối đa 0 MB)."),
    ):
        with pytest.raises(ValidationError) as exc:
            create(name, content)
        assert exc.value.message_dict == {"scan": [message]}
    assert Decision.objects.count() == 1


# --- stage rules --------------------------------------------------------------------------------


@pytest.fixture
def staged(db):
    """A programme whose mergers pass titles unified, approved, completed; a planned merger."""
    ban, phong = AgencyTypeFactory(), AgencyTypeFactory()
    programme = ProgrammeFactory(
        source_types=[ban, phong], stages=["titles_unified", "approved", "completed"], decided_on=D(2015, 1, 1)
    )
    district = DistrictFactory()
    sources = [AgencyFactory(district=district, agency_type=t) for t in (ban, phong)]
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=sources,
        decision_number="3-QĐ/HU",
        decided_on=D(2017, 1, 1),
    )
    return merger


def test_skipping_a_stage_needs_a_reason_recorded_with_the_stage(staged):
    with pytest.raises(ValidationError) as exc:
        services.merger_advance(user=SYSTEM, merger=staged, status=MergerStatus.APPROVED, on=D(2017, 2, 1))
    assert exc.value.message_dict == {
        "skip_reason": ["Bỏ qua giai đoạn “Nhất thể hóa chức danh” của đề án: cần ghi lý do."]
    }
    services.merger_advance(
        user=SYSTEM,
        merger=staged,
        status=MergerStatus.APPROVED,
        on=D(2017, 2, 1),
        skip_reason="Chức danh đã thống nhất từ 2012.",
    )
    stage = staged.stages.get(status="approved")
    assert (stage.skipped, stage.skip_reason, stage.decision.number) == (
        ["titles_unified"],
        "Chức danh đã thống nhất từ 2012.",
        "3-QĐ/HU",  # an approval cites the merger's decision by default
    )
    services.merger_complete(user=SYSTEM, merger=staged, effective_on=D(2017, 3, 1))
    completed = staged.stages.get(status="completed")
    assert (completed.skipped, completed.skip_reason) == ([], "")


def test_completing_at_once_skips_two_stages(staged):
    with pytest.raises(ValidationError) as exc:
        services.merger_complete(user=SYSTEM, merger=staged, effective_on=D(2017, 3, 1))
    assert exc.value.message_dict == {
        "skip_reason": ["Bỏ qua giai đoạn “Nhất thể hóa chức danh”, “Đã phê duyệt” của đề án: cần ghi lý do."]
    }
    merger = services.merger_complete(user=SYSTEM, merger=staged, effective_on=D(2017, 3, 1), skip_reason="Thí điểm.")
    assert merger.stages.get(status="completed").skipped == ["titles_unified", "approved"]
    assert {a.dissolved_by.number for a in merger.source_agencies.all()} == {"3-QĐ/HU"}
    assert merger.result_agency.established_by.number == "3-QĐ/HU"


def test_a_stage_the_programme_does_not_list_and_a_later_decision_are_refused(staged):
    staged.programme.stages = ["approved", "completed"]
    staged.programme.save()
    with pytest.raises(ValidationError) as exc:
        services.merger_advance(user=SYSTEM, merger=staged, status=MergerStatus.TITLES_UNIFIED, on=D(2017, 2, 1))
    assert exc.value.message_dict == {
        "status": [
            "Đề án này không có giai đoạn “Nhất thể hóa chức danh” (các giai đoạn: “Đã phê duyệt”, “Hoàn thành”)."
        ]
    }
    later = DecisionFactory(number="8-QĐ/TU", date=D(2017, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.merger_advance(
            user=SYSTEM, merger=staged, status=MergerStatus.APPROVED, on=D(2017, 2, 1), decision=later
        )
    assert exc.value.message_dict == {"decision": ["Quyết định 8-QĐ/TU ban hành ngày 01/05/2017, sau ngày 01/02/2017."]}


def test_a_programmes_stages_are_in_order_and_end_with_completion(db):
    programme = ProgrammeFactory()
    for stages, message in (
        (["approved", "titles_unified", "completed"], "Các giai đoạn phải theo thứ tự"),
        (["titles_unified"], "Các giai đoạn phải kết thúc bằng “Hoàn thành”."),
        (["planned", "completed"], "Giai đoạn không hợp lệ: planned."),
    ):
        with pytest.raises(ValidationError) as exc:
            services.programme_update(user=SYSTEM, programme=programme, data={"stages": stages})
        assert exc.value.message_dict["stages"][0].startswith(message)


# --- lineage across districts -------------------------------------------------------------------


def test_a_merged_district_hands_each_agency_to_the_one_of_the_same_type_or_dissolves_it(db):
    mttq, only_here = AgencyTypeFactory(), AgencyTypeFactory()
    receiver = DistrictFactory()
    merged = DistrictFactory(province=receiver.province)
    target = AgencyFactory(district=receiver, agency_type=mttq)
    same = AgencyFactory(district=merged, agency_type=mttq)
    alone = AgencyFactory(district=merged, agency_type=only_here)
    decision = DecisionFactory(number="1/NQ-UBTVQH14", issuer="ubtvqh", date=D(2019, 12, 17))
    with pytest.raises(ValidationError) as exc:
        services.district_dissolve(
            user=SYSTEM, district=merged, on=D(2019, 12, 1), successor=receiver, decision=decision
        )
    assert "dissolution_decision" in exc.value.message_dict
    services.district_dissolve(user=SYSTEM, district=merged, on=D(2020, 1, 1), successor=receiver, decision=decision)
    same.refresh_from_db()
    alone.refresh_from_db()
    assert (same.successor, same.dissolved_by, same.dissolved_on) == (target, decision, D(2020, 1, 1))
    assert (alone.successor, alone.dissolved_by) == (None, decision)
    assert target.predecessor_list == [same]
    assert same.successor_ids == [target.pk]


def test_a_districts_functions_go_only_to_its_own_province(db):
    district = DistrictFactory()
    other = Province.objects.create(code="99", name="Khác")
    with pytest.raises(ValidationError) as exc:
        services.district_dissolve(user=SYSTEM, district=district, on=D(2025, 7, 1), successor_province=other)
    assert exc.value.message_dict == {
        "successor_province": ["Chức năng của đơn vị chỉ chuyển về tỉnh của nó (Quảng Ninh)."]
    }


# --- the migration from free text (0008) --------------------------------------------------------


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_free_text_numbers_become_register_entries_without_losing_any():
    apps = _migrate([("mergers", "0006_source_kind_published"), ("districts", "0002_access_change")])
    try:
        Province = apps.get_model("districts", "Province")
        District = apps.get_model("districts", "District")
        AgencyType = apps.get_model("mergers", "AgencyType")
        Agency = apps.get_model("mergers", "Agency")
        Programme = apps.get_model("mergers", "Programme")
        Merger = apps.get_model("mergers", "Merger")
        MergerStage = apps.get_model("mergers", "MergerStage")
        province = Province.objects.create(code="98", name="Thử", search_name="thu")
        one = District.objects.create(province=province, code="981", name="Một", kind="huyen", search_name="mot")
        two = District.objects.create(province=province, code="982", name="Hai", kind="huyen", search_name="hai")
        kind = AgencyType.objects.create(code="t", name="T", name_en="T", sector="party")
        mttq = Programme.objects.create(code="p", name="P", result_type=kind, decision_number="44-QĐ/TU",
                                        decided_on=D(2015, 11, 30))  # fmt: skip
        dated = Programme.objects.create(code="q", name="Q", result_type=kind, decided_on=D(2017, 1, 1))
        Programme.objects.create(code="r", name="R", result_type=kind)
        mergers = []
        for district, number in ((one, "44-QĐ/TU"), (two, "44-QĐ/TU"), (one, "12-QĐ/HU"), (two, "12-QĐ/HU")):
            merger = Merger.objects.create(
                programme=mttq if number == "44-QĐ/TU" else dated, district=district, decision_number=number, decided_on=D(2015, 11, 30),
                source_kind="demo",
            )  # fmt: skip
            MergerStage.objects.create(merger=merger, status="planned", on=D(2015, 11, 30))
            mergers.append(merger)
        source = Agency.objects.create(district=one, agency_type=kind, name="S", established_on=D(2015, 1, 1))
        result = Agency.objects.create(district=one, agency_type=kind, name="R", established_on=D(2016, 1, 1))
        mergers[2].source_agencies.set([source])
        Merger.objects.filter(pk=mergers[2].pk).update(
            result_agency=result, effective_on=D(2016, 1, 1), status="completed"
        )

        apps = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        Decision = apps.get_model("mergers", "Decision")
        Programme = apps.get_model("mergers", "Programme")
        Merger = apps.get_model("mergers", "Merger")
        Agency = apps.get_model("mergers", "Agency")
        found = sorted(
            (d.number, str(d.date), d.issuer, d.district.code if d.district_id else None, d.kind, d.source_kind)
            for d in Decision.objects.all()
        )
        assert found == [
            ("(không số)", "2017-01-01", "tinh-uy", None, "quyet-dinh", "official"),
            ("12-QĐ/HU", "2015-11-30", "huyen-uy", "981", "quyet-dinh", "demo"),
            ("12-QĐ/HU", "2015-11-30", "huyen-uy", "982", "quyet-dinh", "demo"),
            ("44-QĐ/TU", "2015-11-30", "btv-tinh-uy", None, "quyet-dinh", "official"),
        ]
        assert {p.code: p.decision.number if p.decision_id else None for p in Programme.objects.all()} == {
            "p": "44-QĐ/TU",
            "q": "(không số)",
            "r": None,
        }
        assert [m.decision.number for m in Merger.objects.order_by("pk")] == [
            "44-QĐ/TU",
            "44-QĐ/TU",
            "12-QĐ/HU",
            "12-QĐ/HU",
        ]
        assert Agency.objects.get(name="S").dissolved_by.number == "12-QĐ/HU"
        assert Agency.objects.get(name="R").established_by.number == "12-QĐ/HU"
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
