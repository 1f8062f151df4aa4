"""Agency and programme pages: create, edit, refusals next to their fields, history and lineage."""

import datetime

from django.urls import reverse

from core.actors import SYSTEM
from mergers import services
from mergers.models import Agency, Programme

D = datetime.date


def _text(response):
    return response.content.decode()


def _agency_token(client):
    return client.get(reverse("registry:agency_add")).context["form"].initial["form_token"]


def test_create_agency(client, editor, world):
    client.force_login(editor)
    data = {
        "district": "901",
        "agency_type": world.ban.pk,
        "name": "Ban Dân vận Huyện ủy Thử Một",
        "established_on": "2016-05-01",
        "dissolved_on": "",
        "form_token": _agency_token(client),
    }
    response = client.post(reverse("registry:agency_add"), data)
    agency = Agency.objects.get(name="Ban Dân vận Huyện ủy Thử Một")
    assert response["Location"] == f"/agencies/{agency.pk}/"
    assert (agency.district, agency.established_on) == (world.home, D(2016, 5, 1))
    # The same form sent again creates nothing more.
    again = client.post(reverse("registry:agency_add"), data)
    assert again["Location"] == reverse("registry:agency_list")
    assert Agency.objects.filter(name="Ban Dân vận Huyện ủy Thử Một").count() == 1


def test_agency_dissolved_before_established_is_refused(client, editor, world):
    client.force_login(editor)
    count = Agency.objects.count()
    response = client.post(
        reverse("registry:agency_add"),
        {
            "district": "901",
            "agency_type": world.ban.pk,
            "name": "Cơ quan sai ngày",
            "established_on": "01/05/2016",
            "dissolved_on": "01/05/2015",
            "form_token": _agency_token(client),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Ngày chấm dứt hoạt động không được trước ngày thành lập."]
    assert 'value="Cơ quan sai ngày"' in _text(response)
    assert Agency.objects.count() == count


def test_scoped_editor_cannot_create_in_other_district(client, scoped_editor, world):
    client.force_login(scoped_editor)
    form = client.get(reverse("registry:agency_add")).context["form"]
    assert [d.code for d in form.fields["district"].queryset] == ["902"]


def test_edit_agency_and_see_history(client, editor, world):
    client.force_login(editor)
    url = reverse("registry:agency_edit", kwargs={"pk": world.a1.pk})
    form = client.get(url).context["form"]
    assert form.initial["version"] == 1
    response = client.post(
        url,
        {
            "agency_type": world.ban.pk,
            "name": "Ban Tổ chức (đổi tên)",
            "established_on": "01/01/2000",
            "dissolved_on": "",
            "version": 1,
        },
    )
    assert response.status_code == 302
    world.a1.refresh_from_db()
    assert (world.a1.name, world.a1.version) == ("Ban Tổ chức (đổi tên)", 2)
    html = _text(client.get(world.a1.get_absolute_url()))
    assert "<strong>Tên cơ quan</strong>: Ban Tổ chức Huyện ủy Thử Một → Ban Tổ chức (đổi tên)" in html


def test_the_edit_pages_start_from_the_records_values(client, editor, world):
    """core.views.initial_from: each field from the attribute of its name, related objects as their choice."""
    client.force_login(editor)
    form = client.get(reverse("registry:agency_edit", kwargs={"pk": world.a1.pk})).context["form"]
    assert {name: form[name].value() for name in form.fields} == {
        "agency_type": world.ban.pk,
        "name": "Ban Tổ chức Huyện ủy Thử Một",
        "established_on": world.a1.established_on,
        "established_on_estimated": False,
        "established_by": None,
        "dissolved_on": None,
        "dissolved_by": None,
        "version": 1,
    }
    form = client.get(reverse("registry:programme_edit", kwargs={"code": world.programme.code})).context["form"]
    values = {name: form[name].value() for name in form.fields}
    assert sorted(values.pop("source_types")) == sorted([world.ban.pk, world.phong.pk])
    assert values == {
        "name": "Hợp nhất Tổ chức - Nội vụ",
        "name_en": world.programme.name_en,
        "decision_number": world.programme.decision_number,
        "decided_on": world.programme.decided_on,
        "stages": list(world.programme.stages or []),
        "description": world.programme.description,
        "result_type": world.result_type.pk,
        "version": 1,
    }
    decision = services.decision_create(
        user=SYSTEM, number="5-QĐ/HU", date=D(2018, 1, 1), issuer="huyen-uy", kind="quyet-dinh", district=world.home
    )
    form = client.get(reverse("registry:decision_edit", kwargs={"pk": decision.pk})).context["form"]
    assert (form["district"].value(), form["number"].value(), form["scan"].value()) == ("901", "5-QĐ/HU", None)


def test_edit_agency_someone_changed_meanwhile_is_refused(client, editor, world):
    client.force_login(editor)
    services.agency_update(user=SYSTEM, agency=world.a1, data={"name": "Đổi bởi người khác"})
    response = client.post(
        reverse("registry:agency_edit", kwargs={"pk": world.a1.pk}),
        {
            "agency_type": world.ban.pk,
            "name": "Tên của tôi",
            "established_on": "01/01/2000",
            "dissolved_on": "",
            "version": 1,
        },
    )
    assert response.context["form"].non_field_errors() == [
        "Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại."
    ]
    assert 'value="Tên của tôi"' in _text(response)
    world.a1.refresh_from_db()
    assert world.a1.name == "Đổi bởi người khác"


def test_agency_detail_shows_headcounts_and_lineage(client, analyst, world, planned):
    services.merger_complete(user=SYSTEM, merger=planned, effective_on=D(2018, 3, 1), headcount_after=15)
    planned.refresh_from_db()
    client.force_login(analyst)
    source_page = _text(client.get(world.a1.get_absolute_url()))
    assert "01/01/2017" in source_page
    assert '<td class="num">1.200</td><td class="num">1.150</td>' in source_page
    assert "Tham gia hợp nhất" in source_page
    assert planned.result_agency.name in source_page
    result_page = client.get(planned.result_agency.get_absolute_url())
    assert list(result_page.context["created_by"]) == [planned]
    assert "Được thành lập từ hợp nhất" in _text(result_page)
    assert world.a2.name in _text(result_page)


# --- programmes ---------------------------------------------------------------------------


def _programme_data(client, world, **overrides):
    token = client.get(reverse("registry:programme_add")).context["form"].initial["form_token"]
    data = {
        "code": "thi-diem-moi",
        "name": "Thí điểm mới",
        "name_en": "New pilot",
        "decision_number": "5-QĐ/TU",
        "decided_on": "01/06/2019",
        "description": "",
        "source_types": [world.ban.pk, world.phong.pk],
        "result_type": world.result_type.pk,
        "form_token": token,
    }
    data.update(overrides)
    return data


def test_create_programme(client, editor, world):
    client.force_login(editor)
    response = client.post(reverse("registry:programme_add"), _programme_data(client, world))
    assert response["Location"] == "/programmes/thi-diem-moi/"
    programme = Programme.objects.get(code="thi-diem-moi")
    assert programme.decided_on == D(2019, 6, 1)
    assert set(programme.source_types.all()) == {world.ban, world.phong}


def test_duplicate_programme_code_is_refused(client, editor, world):
    client.force_login(editor)
    response = client.post(reverse("registry:programme_add"), _programme_data(client, world, code="to-chuc-noi-vu"))
    assert response.context["form"].errors["code"] == ["Đề án có Mã đã tồn tại."]
    assert Programme.objects.count() == 1


def test_edit_programme(client, editor, world):
    client.force_login(editor)
    url = reverse("registry:programme_edit", kwargs={"code": world.programme.code})
    data = {
        "name": "Tên mới",
        "name_en": "",
        "decision_number": "",
        "decided_on": "",
        "description": "",
        "source_types": [world.ban.pk],
        "result_type": world.result_type.pk,
        "version": 1,
    }
    assert client.post(url, data).status_code == 302
    world.programme.refresh_from_db()
    assert world.programme.name == "Tên mới"
    assert list(world.programme.source_types.all()) == [world.ban]
    stale = client.post(url, {**data, "name": "Cũ"})
    assert stale.context["form"].non_field_errors() == [
        "Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại."
    ]


def test_published_record_is_marked_as_published_not_demo(client, leader, world):
    from tests.factories import HeadcountFactory

    HeadcountFactory(agency=world.a2, as_of=D(2018, 1, 1), authorised=15, source_kind="published")
    client.force_login(leader)
    html = client.get(world.a2.get_absolute_url()).content.decode()
    assert '<span class="published-mark"' in html
    row = html[html.index("01/01/2018") :].split("</tr>")[0]
    assert "demo-mark" not in row
