"""The admin writes through the services (issue 11): agency types, districts, provinces, headcounts."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from core.actors import SYSTEM
from districts import services as district_services
from districts.models import District, Province
from mergers import services
from mergers.models import Agency, AgencyType, HeadcountRecord
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory, ProvinceFactory

D = datetime.date


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser(username="quantri", password="pw-for-tests-1")
    client.force_login(user)
    client.user = user
    return client


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def change_form(agency_type, **changes):
    return {
        "name": agency_type.name,
        "name_en": agency_type.name_en,
        "sector": agency_type.sector,
        "in_district_quota": "on" if agency_type.in_district_quota else "",
        **changes,
    }


def test_quota_flag_from_the_change_form_goes_through_the_service(admin_client):
    kind = AgencyTypeFactory(code="cong-doan", in_district_quota=True)
    url = f"/admin/mergers/agencytype/{kind.pk}/change/"
    with mock.patch.object(services, "agency_type_update", wraps=services.agency_type_update) as spy:
        response = admin_client.post(url, change_form(kind, in_district_quota=""))
    assert response.status_code == 302
    assert spy.call_count == 1
    kind.refresh_from_db()
    assert kind.in_district_quota is False
    newest = kind.history.latest("history_date")
    assert (newest.history_type, newest.history_user, newest.in_district_quota) == ("~", admin_client.user, False)


def test_quota_flag_from_the_changelist_goes_through_the_service(admin_client):
    first, second = AgencyTypeFactory(code="a-loai"), AgencyTypeFactory(code="b-loai")
    body = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(first.pk),
        "form-0-in_district_quota": "on",
        "form-1-id": str(second.pk),  # unticked: leaves the quota
        "_save": "Lưu",
    }
    with mock.patch.object(services, "agency_type_update", wraps=services.agency_type_update) as spy:
        response = admin_client.post("/admin/mergers/agencytype/", body)
    assert response.status_code == 302
    assert [c.kwargs["agency_type"].pk for c in spy.call_args_list] == [second.pk]
    assert list(AgencyType.objects.order_by("code").values_list("in_district_quota", flat=True)) == [True, False]
    assert second.history.latest("history_date").history_user == admin_client.user


def test_agency_type_change_is_validated_by_the_service(admin_client):
    kind = AgencyTypeFactory(code="mot-loai", name="Tên cũ")
    response = admin_client.post(
        f"/admin/mergers/agencytype/{kind.pk}/change/", change_form(kind, name="Tên\x07 mới", in_district_quota="")
    )
    assert response.status_code == 302
    assert shown(response) == [str(services.MSG_CONTROL_CHARACTER)]
    kind.refresh_from_db()
    assert (kind.name, kind.in_district_quota) == ("Tên cũ", True)


def test_an_agency_type_in_use_is_not_deleted(admin_client):
    kind = AgencyTypeFactory(code="dang-dung", name="Đang dùng")
    AgencyFactory(agency_type=kind)
    response = admin_client.post(f"/admin/mergers/agencytype/{kind.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # the admin lists what protects it, and deletes nothing
    assert AgencyType.objects.filter(pk=kind.pk).exists()
    with pytest.raises(ValidationError) as refused:
        services.agency_type_delete(user=SYSTEM, agency_type=kind)
    assert refused.value.messages == ["Không thể xóa loại cơ quan “Đang dùng”: 1 cơ quan hoặc đề án đang dùng nó."]
    unused = AgencyTypeFactory(code="khong-dung")
    with mock.patch.object(services, "agency_type_delete", wraps=services.agency_type_delete) as spy:
        response = admin_client.post(f"/admin/mergers/agencytype/{unused.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert spy.call_count == 1
    assert not AgencyType.objects.filter(pk=unused.pk).exists()


# --- districts ------------------------------------------------------------------------------


def district_form(district, **changes):
    return {
        "name": district.name,
        "kind": district.kind,
        "established_on": district.established_on or "",
        "dissolved_on": "",
        "successor": "",
        **changes,
    }


@pytest.fixture
def districts(db):
    old = DistrictFactory(code="601", name="Cũ")
    new = DistrictFactory(code="602", name="Mới")
    elsewhere = DistrictFactory(code="701", name="Tỉnh khác", province=ProvinceFactory(code="23", name="Khác"))
    agency = AgencyFactory(district=old, established_on=D(2010, 1, 1))
    return old, new, elsewhere, agency


def test_dissolving_a_district_in_the_admin_ends_its_agencies(admin_client, districts):
    old, new, _, agency = districts
    url = f"/admin/districts/district/{old.pk}/change/"
    response = admin_client.post(url, district_form(old, dissolved_on="2020-01-01", successor=new.pk))
    assert response.status_code == 302, shown(response)
    old.refresh_from_db()
    agency.refresh_from_db()
    assert (old.dissolved_on, old.successor, agency.dissolved_on) == (D(2020, 1, 1), new, D(2020, 1, 1))
    # A recorded dissolution is not edited.
    response = admin_client.post(url, district_form(old, dissolved_on="2021-01-01", successor=new.pk))
    assert shown(response)[-1] == (
        "Không thể sửa hoặc bỏ việc giải thể đã ghi (ngày 01/01/2020): "
        "các cơ quan của đơn vị đã chấm dứt hoạt động theo đó."
    )
    old.refresh_from_db()
    assert old.dissolved_on == D(2020, 1, 1)


@pytest.mark.parametrize(
    ("successor", "message"),
    [
        ("elsewhere", "Đơn vị kế thừa phải thuộc cùng tỉnh (Quảng Ninh)."),
        ("dissolved", "Đơn vị kế thừa Huyện Mới không hoạt động vào ngày 01/01/2020."),
        ("self", "Một đơn vị không thể kế thừa chính nó."),
    ],
)
def test_the_admin_applies_the_successor_rules(admin_client, districts, successor, message):
    old, new, elsewhere, agency = districts
    if successor == "dissolved":
        new.dissolved_on = D(2019, 1, 1)
        new.save()
    target = {"elsewhere": elsewhere, "dissolved": new, "self": old}[successor]
    response = admin_client.post(
        f"/admin/districts/district/{old.pk}/change/",
        district_form(old, dissolved_on="2020-01-01", successor=target.pk),
    )
    old.refresh_from_db()
    agency.refresh_from_db()
    assert shown(response) == [message]
    assert (old.dissolved_on, old.successor, agency.dissolved_on) == (None, None, None)


def test_a_successor_without_dissolution_is_refused(admin_client, districts):
    old, new, _, _ = districts
    response = admin_client.post(f"/admin/districts/district/{old.pk}/change/", district_form(old, successor=new.pk))
    assert shown(response) == [str(district_services.MSG_SUCCESSOR_WITHOUT_DISSOLUTION)]
    old.refresh_from_db()
    assert old.successor is None


def test_district_and_province_edits_go_through_their_services(admin_client, districts):
    old, *_ = districts
    with mock.patch.object(district_services, "district_update", wraps=district_services.district_update) as spy:
        admin_client.post(f"/admin/districts/district/{old.pk}/change/", district_form(old, name="Đổi tên"))
    assert spy.call_count == 1
    old.refresh_from_db()
    assert old.name == "Đổi tên"
    province = Province.objects.get(code="22")
    with mock.patch.object(district_services, "province_update", wraps=district_services.province_update) as spy:
        response = admin_client.post(f"/admin/districts/province/{province.pk}/change/", {"name": "Quảng Ninh (mới)"})
    assert response.status_code == 302
    assert spy.call_count == 1
    assert Province.objects.get(code="22").name == "Quảng Ninh (mới)"
    assert District.objects.count() == 3


# --- headcounts ------------------------------------------------------------------------------


def test_admin_headcount_warns_until_confirmed(admin_client):
    agency = AgencyFactory(established_on=D(2010, 1, 1))
    HeadcountFactory(agency=agency, as_of=D(2017, 1, 1), authorised=20, actual=18)
    body = {"agency": agency.pk, "as_of": "2018-01-01", "authorised": 20, "actual": 40, "source": "x"}
    body["source_kind"] = "official"
    response = admin_client.post("/admin/mergers/headcountrecord/add/", body)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["actual"] == [
        "Số người làm việc thực tế (40) lớn hơn biên chế được giao (20).",
        "Số người làm việc thực tế thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 18 → 40.",
    ]
    assert errors["confirm"] == [str(services.MSG_CONFIRM_WARNINGS)]
    assert not HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).exists()
    with mock.patch.object(services, "headcount_record", wraps=services.headcount_record) as spy:
        response = admin_client.post("/admin/mergers/headcountrecord/add/", {**body, "confirm": "on"})
    assert response.status_code == 302
    assert spy.call_args.kwargs["confirm"] is True
    assert HeadcountRecord.objects.get(as_of=D(2018, 1, 1)).actual == 40


def test_admin_offers_no_deletion_of_agencies(admin_client):
    agency = AgencyFactory()
    response = admin_client.post(f"/admin/mergers/agency/{agency.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Agency.objects.filter(pk=agency.pk).exists()


def _aggregate_form(province, programme, **changes):
    return {
        "province": province.pk,
        "programme": programme.pk,
        "on": "27/09/2017",
        "completed": "12",
        "total": "14",
        "reduction_pct": "12.54",
        "source": "Báo Quảng Ninh, 28/09/2017",
        "source_kind": "published",
        "note": "",
        **changes,
    }


def test_a_published_aggregate_is_recorded_through_the_service_and_checked(admin_client):
    from mergers.models import PublishedAggregate
    from tests.factories import ProgrammeFactory

    province, programme = ProvinceFactory(), ProgrammeFactory(code="khoi-mttq")
    url = "/admin/mergers/publishedaggregate/add/"
    with mock.patch.object(services, "published_aggregate_create", wraps=services.published_aggregate_create) as spy:
        response = admin_client.post(url, _aggregate_form(province, programme))
    assert (response.status_code, spy.call_count) == (302, 1)
    saved = PublishedAggregate.objects.get()
    assert (saved.on, saved.completed, saved.total, saved.figures()) == (
        D(2017, 9, 27),
        12,
        14,
        {"completed": 12, "total": 14, "reduction_pct": 12.54},
    )
    # More districts completed than there are, or a made-up source: refused, nothing saved.
    response = admin_client.post(url, _aggregate_form(province, programme, on="01/10/2017", completed="15"))
    assert "Số đơn vị đã hoàn thành không được lớn hơn tổng số đơn vị." in response.content.decode()
    with pytest.raises(ValidationError) as demo:
        services.published_aggregate_create(
            user=SYSTEM, province=province, programme=programme, on=D(2018, 1, 1), source="x", source_kind="demo",
            completed=1,
        )  # fmt: skip
    assert "Số liệu công bố phải lấy từ văn bản chính thức hoặc nguồn đã công bố." in str(demo.value)
    assert PublishedAggregate.objects.count() == 1
    # No edit in place: a source's figure is recorded again, not changed (the page is read-only).
    page = admin_client.get(f"/admin/mergers/publishedaggregate/{saved.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
