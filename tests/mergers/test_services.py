"""Every rule of the merger services, with its exact message; nothing written on a refusal."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.actors import SYSTEM
from districts.models import EditorScope
from mergers import services
from mergers.choices import MergerStatus, SourceKind
from mergers.models import Agency, HeadcountRecord, Merger, MergerStage
from mergers.services import MergerStateConflict, StaleVersion
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory, ProgrammeFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    """A district with a Ban Tổ chức (9 staff) and a Phòng Nội vụ (11) and the programme."""
    ban, phong = AgencyTypeFactory(code="ban-to-chuc"), AgencyTypeFactory(code="phong-noi-vu")
    result_type = AgencyTypeFactory(code="to-chuc-noi-vu", name="Cơ quan Tổ chức - Nội vụ")
    programme = ProgrammeFactory(code="to-chuc-noi-vu", result_type=result_type, source_types=[ban, phong])
    district = DistrictFactory(code="193", name="Hạ Long", kind="thanh-pho")
    a = AgencyFactory(district=district, agency_type=ban, name="Ban Tổ chức Thành ủy Hạ Long")
    b = AgencyFactory(district=district, agency_type=phong, name="Phòng Nội vụ thành phố Hạ Long")
    HeadcountFactory(agency=a, as_of=D(2015, 1, 1), authorised=9)
    HeadcountFactory(agency=b, as_of=D(2015, 1, 1), authorised=11)
    return {"programme": programme, "district": district, "a": a, "b": b, "types": (ban, phong, result_type)}


_NO_USER = object()


def _create(setup, **overrides):
    kwargs = {
        "user": SYSTEM,
        "programme": setup["programme"],
        "district": setup["district"],
        "source_agencies": [setup["a"], setup["b"]],
        "decision_number": "12-QĐ/TU",
        "decided_on": D(2017, 12, 1),
    }
    kwargs.update(overrides)
    if kwargs["user"] is _NO_USER:
        del kwargs["user"]
    return services.merger_create(**kwargs)


def _snapshot():
    return (
        Merger.objects.count(),
        MergerStage.objects.count(),
        Agency.objects.count(),
        HeadcountRecord.objects.count(),
        sorted(Agency.objects.values_list("pk", "dissolved_on")),
        sorted(Merger.objects.values_list("pk", "status", "effective_on", "result_agency")),
    )


def _refused(fn, field, message, exc_type=ValidationError):
    before = _snapshot()
    with pytest.raises(exc_type) as exc:
        fn()
    assert exc.value.message_dict[field] == [message]
    assert _snapshot() == before
    return exc.value


# --- create ---


def test_create_plans_a_merger_with_its_first_stage(setup):
    merger = _create(setup, planned_on=D(2015, 3, 1), note="Kế hoạch")
    assert merger.status == MergerStatus.PLANNED
    assert sorted(merger.source_agencies.values_list("pk", flat=True)) == sorted([setup["a"].pk, setup["b"].pk])
    assert list(merger.stages.values_list("status", "on", "note")) == [("planned", D(2015, 3, 1), "Kế hoạch")]


def test_create_refuses_a_single_source(setup):
    _refused(
        lambda: _create(setup, source_agencies=[setup["a"]]), "source_agencies", "Cần ít nhất hai cơ quan để hợp nhất."
    )


def test_create_refuses_a_source_from_another_district(setup):
    stranger = AgencyFactory(agency_type=setup["types"][1], name="Phòng Nội vụ huyện Cô Tô")
    _refused(
        lambda: _create(setup, source_agencies=[setup["a"], stranger]),
        "source_agencies",
        "Cơ quan “Phòng Nội vụ huyện Cô Tô” không thuộc Thành phố Hạ Long.",
    )


def test_create_refuses_a_source_not_active_on_the_decision_date(setup):
    Agency.objects.filter(pk=setup["b"].pk).update(dissolved_on=D(2017, 12, 1))
    _refused(
        lambda: _create(setup),
        "source_agencies",
        "Cơ quan “Phòng Nội vụ thành phố Hạ Long” không hoạt động vào ngày 01/12/2017.",
    )


def test_create_refuses_a_source_of_a_type_the_programme_does_not_merge(setup):
    odd = AgencyFactory(district=setup["district"], name="Hội Nông dân thành phố Hạ Long")
    _refused(
        lambda: _create(setup, source_agencies=[setup["a"], odd]),
        "source_agencies",
        "Cơ quan “Hội Nông dân thành phố Hạ Long” không thuộc loại cơ quan mà đề án này hợp nhất.",
    )


def test_create_refuses_a_second_open_merger_for_the_same_district(setup):
    _create(setup)
    exc = _refused(lambda: _create(setup), "district", "Thành phố Hạ Long đã có một hợp nhất theo đề án này.")
    assert exc.message_dict["source_agencies"] == [
        "Cơ quan “Ban Tổ chức Thành ủy Hạ Long” đã thuộc một hợp nhất khác chưa bị hủy.",
        "Cơ quan “Phòng Nội vụ thành phố Hạ Long” đã thuộc một hợp nhất khác chưa bị hủy.",
    ]


def test_create_after_cancel_is_allowed(setup):
    first = _create(setup)
    services.merger_cancel(user=SYSTEM, merger=first, on=D(2017, 12, 5), note="Sai số quyết định")
    second = _create(setup, decision_number="13-QĐ/TU")
    assert second.status == MergerStatus.PLANNED


def test_create_refuses_a_blank_decision_number(setup):
    _refused(lambda: _create(setup, decision_number="  "), "decision_number", "Trường này không được để trắng.")


def test_editor_outside_his_districts_is_refused(setup, django_user_model):
    user = django_user_model.objects.create_user("limited")
    EditorScope.objects.create(user=user).districts.add(DistrictFactory())
    before = _snapshot()
    with pytest.raises(PermissionDenied) as exc:
        _create(setup, user=user)
    assert str(exc.value) == "Bạn không có quyền biên tập số liệu của Thành phố Hạ Long."
    assert _snapshot() == before


def test_the_acting_user_is_required(setup):
    """No default actor: a caller that forgets `user=` fails loudly instead of skipping the district check."""
    kwargs = {
        "district": setup["district"],
        "agency_type": setup["types"][0],
        "name": "Ban mới",
        "established_on": D(2016, 1, 1),
    }
    with pytest.raises(TypeError, match="user"):
        services.agency_create(**kwargs)
    with pytest.raises(TypeError, match="user"):
        _create(setup, user=_NO_USER)


def test_none_is_no_one_and_system_may_write_everywhere(setup):
    """`user=None` is refused like an anonymous user; the system (commands, the seed) is named: SYSTEM."""
    before = _snapshot()
    with pytest.raises(PermissionDenied) as exc:
        _create(setup, user=None)
    assert str(exc.value) == "Bạn không có quyền biên tập số liệu của Thành phố Hạ Long."
    with pytest.raises(PermissionDenied):
        services.programme_update(programme=setup["programme"], data={"name": "Đổi tên"}, user=None)
    assert _snapshot() == before
    merger = _create(setup, user=SYSTEM)
    assert list(MergerStage.objects.filter(merger=merger).values_list("created_by", flat=True)) == [None]  # no user


# --- advance and cancel ---


def test_advance_moves_forward_only(setup):
    merger = _create(setup, planned_on=D(2015, 3, 1))
    services.merger_advance(
        user=SYSTEM, merger=merger, status=MergerStatus.TITLES_UNIFIED, on=D(2015, 6, 1), note="Nhất thể hóa"
    )
    _refused(
        lambda: services.merger_advance(
            user=SYSTEM, merger=merger, status=MergerStatus.TITLES_UNIFIED, on=D(2016, 1, 1)
        ),
        "status",
        "Không thể chuyển từ giai đoạn “Nhất thể hóa chức danh” sang “Nhất thể hóa chức danh”.",
    )
    _refused(
        lambda: services.merger_advance(user=SYSTEM, merger=merger, status=MergerStatus.APPROVED, on=D(2015, 5, 1)),
        "on",
        "Ngày này không được trước giai đoạn gần nhất (01/06/2015).",
    )
    _refused(
        lambda: services.merger_advance(user=SYSTEM, merger=merger, status=MergerStatus.COMPLETED, on=D(2018, 1, 1)),
        "status",
        "Dùng thao tác “Hoàn thành” hoặc “Hủy” cho giai đoạn này.",
    )
    merger = services.merger_advance(user=SYSTEM, merger=merger, status=MergerStatus.APPROVED, on=D(2017, 12, 1))
    assert merger.status == MergerStatus.APPROVED
    assert list(merger.stages.values_list("status", flat=True)) == ["planned", "titles_unified", "approved"]


def test_advance_checks_the_version(setup):
    merger = _create(setup)
    with pytest.raises(StaleVersion):
        services.merger_advance(
            user=SYSTEM, merger=merger, status="approved", on=D(2017, 12, 2), expected_version=merger.version + 1
        )
    services.merger_advance(
        user=SYSTEM, merger=merger, status="approved", on=D(2017, 12, 2), expected_version=merger.version
    )


def test_cancelled_merger_cannot_be_advanced_or_completed(setup):
    merger = services.merger_cancel(user=SYSTEM, merger=_create(setup), on=D(2017, 12, 2))
    _refused(
        lambda: services.merger_advance(user=SYSTEM, merger=merger, status="approved", on=D(2017, 12, 3)),
        "status",
        "Hợp nhất này đã bị hủy.",
        MergerStateConflict,
    )
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2)),
        "status",
        "Hợp nhất này đã bị hủy.",
        MergerStateConflict,
    )


# --- complete ---


def test_complete_dissolves_the_sources_creates_the_result_and_records_its_headcount(setup, django_user_model):
    user = django_user_model.objects.create_user("bientap")
    merger = services.merger_complete(
        merger=_create(setup), effective_on=D(2018, 1, 2), headcount_after=15, user=user, note="Đi vào hoạt động"
    )
    merger.refresh_from_db()
    setup["a"].refresh_from_db()
    setup["b"].refresh_from_db()
    assert merger.status == MergerStatus.COMPLETED
    assert merger.effective_on == D(2018, 1, 2)
    assert (setup["a"].dissolved_on, setup["b"].dissolved_on) == (D(2018, 1, 2), D(2018, 1, 2))
    result = merger.result_agency
    assert result.name == "Cơ quan Tổ chức - Nội vụ thành phố Hạ Long"
    assert result.agency_type.code == "to-chuc-noi-vu"
    assert (result.district, result.established_on) == (setup["district"], D(2018, 1, 2))
    assert list(result.headcounts.values_list("as_of", "authorised", "source", "source_kind")) == [
        (D(2018, 1, 2), 15, "Quyết định 12-QĐ/TU", SourceKind.OFFICIAL)
    ]
    last = merger.stages.last()
    assert (last.status, last.on, last.note, last.created_by) == ("completed", D(2018, 1, 2), "Đi vào hoạt động", user)


def test_complete_stores_vietnamese_names_whatever_the_editors_language(setup):
    """An editor working in English still gets "Thành phố Hạ Long" (not "City Hạ Long") in the stored name."""
    from django.utils import translation

    merger = _create(setup)
    with translation.override("en"):
        assert services.default_result_name(merger) == "Cơ quan Tổ chức - Nội vụ thành phố Hạ Long"
        merger = services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2), headcount_after=15)
        assert setup["district"].full_name == "Ha Long City"  # the page itself is in English
    result = merger.result_agency
    assert result.name == "Cơ quan Tổ chức - Nội vụ thành phố Hạ Long"
    assert list(result.headcounts.values_list("source", flat=True)) == ["Quyết định 12-QĐ/TU"]


def test_complete_with_a_name_and_links_an_existing_agency(setup):
    existing = AgencyFactory(district=setup["district"], name="Cơ quan có sẵn", established_on=D(2017, 1, 1))
    merger = services.merger_complete(
        user=SYSTEM, merger=_create(setup), effective_on=D(2018, 1, 2), result_agency=existing
    )
    assert merger.result_agency == existing
    assert Agency.objects.count() == 3


def test_validate_complete_says_what_will_happen_and_writes_nothing(setup):
    merger = _create(setup)
    before = _snapshot()
    completion = services.validate_merger_complete(
        user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2), headcount_after=15, result_name=" Cơ quan mới "
    )
    assert _snapshot() == before
    assert completion.sources == [setup["a"], setup["b"]]
    assert (completion.result.pk, completion.result.name) == (None, "Cơ quan mới")
    assert (completion.decision, completion.skipped) == (merger.decision, [])
    assert completion.headcount_source == "Quyết định 12-QĐ/TU"


def test_validate_complete_gives_every_refusal_of_complete_at_once(setup):
    merger = _create(setup)
    AgencyFactory(
        district=setup["district"], agency_type=setup["types"][2], name="Cơ quan mới", established_on=D(2016, 1, 1)
    )
    arguments = {"user": SYSTEM, "merger": merger, "effective_on": D(2017, 11, 30), "result_name": "Cơ quan mới"}
    refusals = []
    for check in (services.validate_merger_complete, services.merger_complete):
        with pytest.raises(ValidationError) as exc:
            check(**arguments)
        refusals.append(exc.value.message_dict)
    assert refusals[0] == refusals[1]
    assert refusals[0]["effective_on"] == ["Ngày hiệu lực không được trước ngày quyết định (01/12/2017)."]
    assert len(refusals[0]["result_name"]) == 1  # the same name, type and district: a duplicate


def test_completing_twice_is_a_conflict(setup):
    merger = services.merger_complete(
        user=SYSTEM, merger=_create(setup), effective_on=D(2018, 1, 2), result_name="Cơ quan mới"
    )
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 2, 1), result_name="Lần hai"),
        "status",
        "Hợp nhất này đã hoàn thành.",
        MergerStateConflict,
    )


def test_complete_refuses_an_effective_date_before_the_decision(setup):
    merger = _create(setup)
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2017, 11, 30)),
        "effective_on",
        "Ngày hiệu lực không được trước ngày quyết định (01/12/2017).",
    )


def test_complete_refuses_a_source_no_longer_active(setup):
    merger = _create(setup)
    Agency.objects.filter(pk=setup["a"].pk).update(dissolved_on=D(2018, 1, 1))
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2)),
        "source_agencies",
        "Cơ quan “Ban Tổ chức Thành ủy Hạ Long” không hoạt động vào ngày 02/01/2018.",
    )


def test_complete_refuses_sources_in_different_districts(setup):
    merger = _create(setup)
    Agency.objects.filter(pk=setup["b"].pk).update(district=DistrictFactory(name="Cô Tô"))
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2)),
        "source_agencies",
        "Cơ quan “Phòng Nội vụ thành phố Hạ Long” không thuộc Thành phố Hạ Long.",
    )


def test_complete_refuses_fewer_than_two_sources(setup):
    merger = _create(setup)
    merger.source_agencies.remove(setup["b"])
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2)),
        "source_agencies",
        "Cần ít nhất hai cơ quan để hợp nhất.",
    )


def test_complete_refuses_a_negative_headcount(setup):
    merger = _create(setup)
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2), headcount_after=-1),
        "headcount_after",
        "Số liệu không được âm.",
    )


def test_complete_refuses_a_result_agency_that_is_a_source(setup):
    merger = _create(setup)
    _refused(
        lambda: services.merger_complete(
            user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2), result_agency=setup["a"]
        ),
        "result_agency",
        "Cơ quan sau hợp nhất không được là một trong các cơ quan hợp nhất.",
    )


def test_complete_refuses_an_over_long_result_name(setup):
    merger = _create(setup)
    _refused(
        lambda: services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2), result_name="x" * 300),
        "result_name",
        "Giá trị này chỉ có tối đa 255 kí tự (hiện có 300)",
    )


def test_complete_is_atomic_when_a_step_fails_midway(setup, monkeypatch):
    """A failure after the sources were dissolved leaves the database as it was."""
    merger = _create(setup)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.mergers, "_headcount_insert", broken)
    before = _snapshot()
    with pytest.raises(RuntimeError):
        services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 1, 2), headcount_after=15)
    assert _snapshot() == before
    assert Agency.objects.filter(dissolved_on__isnull=False).count() == 0


# --- headcounts ---


def test_headcount_record_rules(setup):
    a = setup["a"]
    _refused(
        lambda: services.headcount_record(user=SYSTEM, agency=a, as_of=D(2015, 1, 1), authorised=3, source="x"),
        "as_of",
        "Cơ quan “Ban Tổ chức Thành ủy Hạ Long” đã có số liệu biên chế ngày 01/01/2015.",
    )
    _refused(
        lambda: services.headcount_record(user=SYSTEM, agency=a, as_of=D(2016, 1, 1), authorised=-2, source="x"),
        "authorised",
        "Số liệu không được âm.",
    )
    _refused(
        lambda: services.headcount_record(user=SYSTEM, agency=a, as_of=D(2016, 1, 1), source="x"),
        "authorised",
        "Cần ít nhất một số liệu: biên chế được giao hoặc thực tế.",
    )
    _refused(
        lambda: services.headcount_record(user=SYSTEM, agency=a, as_of=D(2016, 1, 1), authorised=3, source=" "),
        "source",
        "Cần ghi nguồn của số liệu.",
    )
    Agency.objects.filter(pk=a.pk).update(dissolved_on=D(2016, 1, 1))
    a.refresh_from_db()
    _refused(
        lambda: services.headcount_record(user=SYSTEM, agency=a, as_of=D(2016, 1, 1), authorised=3, source="x"),
        "as_of",
        "Cơ quan “Ban Tổ chức Thành ủy Hạ Long” không hoạt động vào ngày 01/01/2016.",
    )
    record = services.headcount_record(
        user=SYSTEM, agency=a, as_of=D(2015, 12, 31), authorised=8, actual=7, source=" Báo cáo "
    )
    assert (record.authorised, record.actual, record.source) == (8, 7, "Báo cáo")


def test_headcount_update_checks_version_and_rules(setup):
    record = HeadcountRecord.objects.get(agency=setup["a"])
    updated = services.headcount_update(
        user=SYSTEM, record=record, authorised=10, actual=9, source="Sửa", expected_version=record.version
    )
    assert (updated.authorised, updated.actual, updated.version) == (10, 9, 2)
    with pytest.raises(StaleVersion) as exc:
        services.headcount_update(
            user=SYSTEM, record=record, authorised=11, actual=None, source="x", expected_version=1
        )
    assert exc.value.messages == [
        "Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại."
    ]
    record.refresh_from_db()
    assert record.authorised == 10


# --- agencies, programmes, districts ---


def test_agency_create_and_update(setup):
    agency = services.agency_create(
        user=SYSTEM,
        district=setup["district"],
        agency_type=setup["types"][0],
        name="Cơ quan mới",
        established_on=D(2019, 1, 1),
    )
    assert agency.search_name == "co quan moi"
    _refused(
        lambda: services.agency_update(user=SYSTEM, agency=agency, data={"dissolved_on": D(2018, 1, 1)}),
        "__all__",
        "Ngày chấm dứt hoạt động không được trước ngày thành lập.",
    )
    agency = services.agency_update(user=SYSTEM, agency=agency, data={"name": "Cơ quan đổi tên"}, expected_version=1)
    assert (agency.name, agency.version) == ("Cơ quan đổi tên", 2)


def test_programme_create_and_update(setup):
    ban, phong, result = setup["types"]
    programme = services.programme_create(
        user=SYSTEM, code="thi-diem-moi", name="Đề án thí điểm", result_type=result, source_types=[ban, phong]
    )
    assert sorted(programme.source_types.values_list("code", flat=True)) == ["ban-to-chuc", "phong-noi-vu"]
    _refused(
        lambda: services.programme_create(
            user=SYSTEM, code="thi-diem-moi", name="Trùng", result_type=result, source_types=[]
        ),
        "code",
        "Đề án có Mã đã tồn tại.",
    )
    programme = services.programme_update(user=SYSTEM, programme=programme, data={"source_types": [ban]})
    assert list(programme.source_types.values_list("code", flat=True)) == ["ban-to-chuc"]


def test_district_dissolve_ends_its_agencies(setup):
    successor = DistrictFactory(name="Kế thừa")
    services.district_dissolve(user=SYSTEM, district=setup["district"], on=D(2020, 1, 1), successor=successor)
    setup["district"].refresh_from_db()
    assert (setup["district"].dissolved_on, setup["district"].successor) == (D(2020, 1, 1), successor)
    assert set(Agency.objects.filter(district=setup["district"]).values_list("dissolved_on", flat=True)) == {
        D(2020, 1, 1)
    }
    _refused(
        lambda: services.district_dissolve(user=SYSTEM, district=setup["district"], on=D(2021, 1, 1), successor=None),
        "dissolved_on",
        "Thành phố Hạ Long đã giải thể ngày 01/01/2020.",
    )
