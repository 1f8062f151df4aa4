"""Merger pages: create (two steps, no JavaScript needed), advance, complete with confirmation, cancel."""

import datetime

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from mergers.choices import MergerStatus
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, MergerStage

D = datetime.date
ADD = reverse("registry:merger_add")


def _token(client, world, district="901"):
    response = client.get(ADD, {"decided_on": "15/01/2018", "programme": world.programme.code, "district": district})
    return response.context["form"].initial["form_token"]


def _create_data(client, world, **overrides):
    data = {
        "programme": world.programme.code,
        "district": "901",
        "source_agencies": [world.a1.pk, world.a2.pk],
        "decision_number": "12-QĐ/HU",
        "decided_on": "15/01/2018",
        "note": "",
    }
    data.update(overrides)
    if "form_token" not in data:
        data["form_token"] = _token(client, world, data["district"])
    return data


def _text(response):
    return response.content.decode()


def test_step_one_lists_only_the_chosen_districts_active_agencies(client, editor, world):
    world.b2.dissolved_on = D(2016, 1, 1)
    world.b2.save()
    client.force_login(editor)
    response = client.get(ADD, {"decided_on": "15/01/2018", "programme": world.programme.code, "district": "902"})
    choices = [pk for pk, _label in response.context["form"].fields["source_agencies"].widget.choices]
    assert choices == [world.b1.pk]
    assert 'name="source_agencies"' in _text(response)
    assert world.a1.name not in _text(response)


def test_without_a_district_no_sources_are_offered(client, editor, world):
    client.force_login(editor)
    response = client.get(ADD)
    assert response.context["form"] is None
    assert 'name="source_agencies"' not in _text(response)


def test_create_merger(client, editor, world):
    client.force_login(editor)
    response = client.post(ADD, _create_data(client, world))
    merger = Merger.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/mergers/{merger.pk}/"
    assert set(merger.source_agencies.values_list("pk", flat=True)) == {world.a1.pk, world.a2.pk}
    assert merger.decided_on == D(2018, 1, 15)
    assert merger.status == MergerStatus.PLANNED
    page = client.get(response["Location"])
    assert "Đã tạo hợp nhất “Hợp nhất Tổ chức - Nội vụ – Huyện Thử Một”." in _text(page)


def test_iso_dates_are_accepted(client, editor, world):
    client.force_login(editor)
    client.post(ADD, _create_data(client, world, decided_on="2018-01-15"))
    assert Merger.objects.get().decided_on == D(2018, 1, 15)


def test_one_source_is_refused_next_to_the_field_with_input_kept(client, editor, world):
    client.force_login(editor)
    response = client.post(ADD, _create_data(client, world, source_agencies=[world.a1.pk], decision_number="99-QĐ"))
    assert response.status_code == 200
    assert response.context["form"].errors["source_agencies"] == ["Cần ít nhất hai cơ quan để hợp nhất."]
    html = _text(response)
    assert 'data-error-for="source_agencies">Cần ít nhất hai cơ quan để hợp nhất.' in html
    assert 'value="99-QĐ"' in html
    assert Merger.objects.count() == 0
    assert MergerStage.objects.count() == 0


def test_bad_date_is_refused(client, editor, world):
    client.force_login(editor)
    response = client.post(ADD, _create_data(client, world, decided_on="31/02/2018"))
    assert response.context["form"].errors["decided_on"] == ["Nhập một ngày hợp lệ."]
    assert Merger.objects.count() == 0


def test_second_merger_for_same_programme_and_district_is_refused(client, editor, world, planned):
    client.force_login(editor)
    # Step 1 marks the district and links to its merger, before anything is typed.
    response = client.get(ADD, {"decided_on": "15/01/2018", "programme": world.programme.code})
    options = {o["district"].code: o["merger_id"] for o in response.context["district_options"]}
    assert options == {"901": planned.pk, "902": None}
    assert response.context["all_taken"] is False
    assert f'href="/mergers/{planned.pk}/" data-testid="existing-901"' in _text(response)
    response = client.get(ADD, {"decided_on": "15/01/2018", "programme": world.programme.code, "district": "901"})
    assert response.context["form"] is None
    assert response.context["choose"].errors["district"] == ["Huyện Thử Một đã có một hợp nhất theo đề án này."]
    # A forged step 2 is refused by the service's check.
    response = client.post(ADD, _create_data(client, world, form_token=_token(client, world, "902")))
    assert response.status_code == 200
    assert response.context["form"].errors["district"] == ["Huyện Thử Một đã có một hợp nhất theo đề án này."]
    assert 'data-error-for="district">Huyện Thử Một đã có một hợp nhất theo đề án này.' in _text(response)
    assert Merger.objects.count() == 1


def test_double_submit_creates_one_merger(client, editor, world):
    client.force_login(editor)
    data = _create_data(client, world)
    first = client.post(ADD, data)
    second = client.post(ADD, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("registry:merger_list")
    assert Merger.objects.count() == 1
    assert "Biểu mẫu này đã được gửi; không tạo thêm bản ghi nào." in _text(client.get(second["Location"]))


def test_refused_submit_can_be_corrected_and_sent_again(client, editor, world):
    client.force_login(editor)
    data = _create_data(client, world, source_agencies=[world.a1.pk])
    client.post(ADD, data)
    response = client.post(ADD, {**data, "source_agencies": [world.a1.pk, world.a2.pk]})
    assert response.status_code == 302
    assert Merger.objects.count() == 1


def test_scoped_editor_is_offered_only_his_districts(client, scoped_editor, world):
    client.force_login(scoped_editor)
    response = client.get(ADD)
    assert [d.code for d in response.context["choose"].fields["district"].queryset] == ["902"]
    data = {
        "programme": world.programme.code,
        "district": "901",
        "source_agencies": [world.a1.pk, world.a2.pk],
        "decision_number": "12-QĐ/HU",
        "decided_on": "15/01/2018",
        "form_token": _token(client, world, "902"),
    }
    response = client.post(ADD, data)
    assert response.context["form"].errors["district"] == [
        "Hãy chọn một lựa chọn hợp lệ. Lựa chọn đó không phải là một trong các lựa chọn khả thi."
    ]
    assert Merger.objects.count() == 0


# --- advance ------------------------------------------------------------------------------


def test_advance(client, editor, planned):
    client.force_login(editor)
    url = reverse("registry:merger_advance", kwargs={"pk": planned.pk})
    response = client.post(url, {"status": "titles_unified", "on": "01/02/2018", "note": "Nhất thể hóa", "version": 1})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == MergerStatus.TITLES_UNIFIED
    stage = planned.stages.order_by("-id").first()
    assert (stage.status, stage.on, stage.note, stage.created_by) == (
        "titles_unified",
        D(2018, 2, 1),
        "Nhất thể hóa",
        editor,
    )


def test_advance_backwards_is_refused_with_message(client, editor, planned):
    client.force_login(editor)
    url = reverse("registry:merger_advance", kwargs={"pk": planned.pk})
    client.post(url, {"status": "approved", "on": "01/02/2018", "version": 1})
    response = client.post(url, {"status": "titles_unified", "on": "01/03/2018", "version": 2})
    assert response.context["form"].errors["status"] == [
        "Không thể chuyển từ giai đoạn “Đã phê duyệt” sang “Nhất thể hóa chức danh”."
    ]
    assert MergerStage.objects.filter(merger=planned).count() == 2


def test_advance_with_a_date_before_the_last_stage_is_refused(client, editor, planned):
    client.force_login(editor)
    url = reverse("registry:merger_advance", kwargs={"pk": planned.pk})
    response = client.post(url, {"status": "approved", "on": "01/01/2018", "version": 1})
    assert response.context["form"].errors["on"] == ["Ngày này không được trước giai đoạn gần nhất (15/01/2018)."]
    assert MergerStage.objects.filter(merger=planned).count() == 1


def test_concurrent_edit_is_refused(client, editor, planned):
    """Someone advanced the merger after this user opened the form (version 1)."""
    client.force_login(editor)
    url = reverse("registry:merger_advance", kwargs={"pk": planned.pk})
    client.post(url, {"status": "titles_unified", "on": "01/02/2018", "version": 1})
    response = client.post(url, {"status": "approved", "on": "01/03/2018", "version": 1})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại."
    ]
    planned.refresh_from_db()
    assert planned.status == MergerStatus.TITLES_UNIFIED


# --- complete -----------------------------------------------------------------------------


def _complete_data(**overrides):
    data = {
        "effective_on": "01/03/2018",
        "headcount_after": "1000",
        "actual_after": "",
        "result_name": "",
        "note": "",
        "version": "1",
    }
    data.update(overrides)
    return data


def test_complete_shows_a_confirmation_and_writes_nothing(client, editor, world, planned):
    client.force_login(editor)
    url = reverse("registry:merger_complete", kwargs={"pk": planned.pk})
    agencies, records = Agency.objects.count(), HeadcountRecord.objects.count()
    response = client.post(url, _complete_data())
    assert response.status_code == 200
    assert response.context["confirming"] is True
    html = _text(response)
    assert "Từ ngày 01/03/2018, các cơ quan sau chấm dứt hoạt động:" in html
    assert f"<li>{world.a1.name}</li>" in html
    assert f"<li>{world.a2.name}</li>" in html
    assert 'data-testid="new-agency">Cơ quan Tổ chức - Nội vụ huyện Thử Một<' in html
    assert (Agency.objects.count(), HeadcountRecord.objects.count()) == (agencies, records)
    planned.refresh_from_db()
    assert planned.status == MergerStatus.PLANNED
    world.a1.refresh_from_db()
    assert world.a1.dissolved_on is None


def test_complete_after_confirmation(client, editor, world, planned):
    client.force_login(editor)
    url = reverse("registry:merger_complete", kwargs={"pk": planned.pk})
    response = client.post(url, _complete_data(result_name="Cơ quan Tổ chức - Nội vụ mới", confirm="True"))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == MergerStatus.COMPLETED
    assert planned.effective_on == D(2018, 3, 1)
    assert planned.result_agency.name == "Cơ quan Tổ chức - Nội vụ mới"
    assert planned.result_agency.headcounts.get().authorised == 1000
    world.a1.refresh_from_db()
    assert world.a1.dissolved_on == D(2018, 3, 1)
    html = _text(client.get(response["Location"]))
    assert "Đã hoàn thành hợp nhất; cơ quan mới: “Cơ quan Tổ chức - Nội vụ mới”." in html
    # 1.209 before (1.200 + 9), 1.000 after: 209 fewer, 17,29%.
    assert '<dd class="col-sm-7">1.209</dd>' in html
    assert '<dd class="col-sm-7">1.000</dd>' in html
    assert "209 (17,29%)" in html


def test_complete_before_the_decision_is_refused_in_the_preview(client, editor, world, planned):
    client.force_login(editor)
    url = reverse("registry:merger_complete", kwargs={"pk": planned.pk})
    response = client.post(url, _complete_data(effective_on="01/01/2018"))
    assert "confirming" not in response.context
    assert response.context["form"].errors["effective_on"] == [
        "Ngày hiệu lực không được trước ngày quyết định (15/01/2018)."
    ]
    assert 'value="01/01/2018"' in _text(response)
    planned.refresh_from_db()
    assert planned.status == MergerStatus.PLANNED


def test_negative_headcount_after_is_refused(client, editor, planned):
    client.force_login(editor)
    url = reverse("registry:merger_complete", kwargs={"pk": planned.pk})
    response = client.post(url, _complete_data(headcount_after="-3", confirm="True"))
    assert response.context["form"].errors["headcount_after"] == ["Số liệu không được âm."]
    assert Agency.objects.count() == 4


def test_completing_twice_is_refused(client, editor, planned):
    client.force_login(editor)
    url = reverse("registry:merger_complete", kwargs={"pk": planned.pk})
    client.post(url, _complete_data(confirm="True"))
    response = client.post(url, _complete_data(confirm="True", version="2"))
    assert response.context["form"].non_field_errors() == ["Hợp nhất này đã hoàn thành."]
    assert Agency.objects.count() == 5
    assert client.get(url)["Location"] == planned.get_absolute_url()


# --- cancel -------------------------------------------------------------------------------


def test_cancel(client, editor, planned):
    client.force_login(editor)
    url = reverse("registry:merger_cancel", kwargs={"pk": planned.pk})
    response = client.post(url, {"on": "20/01/2018", "note": "Dừng", "version": "1"})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == MergerStatus.CANCELLED


# --- detail -------------------------------------------------------------------------------


def test_detail_shows_sources_figures_timeline_and_history(client, editor, world, planned):
    client.force_login(editor)
    client.post(
        reverse("registry:merger_advance", kwargs={"pk": planned.pk}),
        {"status": "titles_unified", "on": "01/02/2018", "version": 1},
    )
    response = client.get(planned.get_absolute_url())
    html = _text(response)
    assert "12-QĐ/HU" in html
    assert "15/01/2018" in html
    assert '<td class="num">1.200</td>' in html  # the source's headcount before, Vietnamese separator
    assert "<strong>Kế hoạch</strong> · 15/01/2018" in html
    assert '<strong>Nhất thể hóa chức danh</strong> · 01/02/2018 · <span class="text-muted">editor</span>' in html
    history = response.context["history"]
    assert history[-1]["record"].history_type == "+"  # created, then its sources set, then advanced
    assert history[0]["record"].history_user == editor
    assert history[0]["changes"] == [{"field": "trạng thái", "old": "Kế hoạch", "new": "Nhất thể hóa chức danh"}]
    assert "<strong>Trạng thái</strong>: Kế hoạch → Nhất thể hóa chức danh" in html


def test_demo_merger_is_labelled(client, leader, planned):
    planned.source_kind = "demo"
    planned.save()
    client.force_login(leader)
    html = _text(client.get(planned.get_absolute_url()))
    assert "minh họa (demo)" in html
    assert "Chuyển giai đoạn" not in html  # a leader sees no forms


def test_missing_figures_show_as_missing(client, leader, world):
    from mergers import services

    merger = services.merger_create(
        user=SYSTEM,
        programme=world.programme,
        district=world.other,
        source_agencies=[world.b1, world.b2],
        decision_number="1",
        decided_on=D(2018, 1, 1),
    )
    client.force_login(leader)
    response = client.get(merger.get_absolute_url())
    assert response.context["merger"].headcount_before is None
    assert _text(response).count("Không có số liệu") >= 2


@pytest.mark.parametrize("language", ["en"])
def test_pages_in_english(client, editor, planned, language, settings):
    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = _text(client.get(planned.get_absolute_url()))
    assert "Change history" in html
    assert "Planned" in html


# ... history (users and foreign keys joined), its source agencies (many-to-many, one query for every
# record) and the agencies themselves (one query): the creation row names its sources
MERGER_DETAIL_QUERIES = 11  # session, user, permissions, groups, merger, sources, stages, sources again, history ...


def test_merger_detail_queries(client, leader, planned, django_assert_num_queries):
    client.force_login(leader)
    with django_assert_num_queries(MERGER_DETAIL_QUERIES):
        client.get(planned.get_absolute_url())


def test_creation_is_one_history_record_with_its_sources(client, editor, world):
    """No empty-looking "Sửa" row beside "Tạo mới": the sources are in the creation record."""
    client.force_login(editor)
    client.post(ADD, _create_data(client, world))
    merger = Merger.objects.get()
    assert list(merger.history.values_list("history_type", flat=True)) == ["+"]
    assert {row.agency_id for row in merger.history.get().source_agencies.all()} == {world.a1.pk, world.a2.pk}
    page = client.get(merger.get_absolute_url()).content.decode()
    assert ">Sửa<" not in page


def test_service_refusals_come_with_the_forms_in_one_round(client, editor, world):
    """A missing decision number (the form) and a source of a type the programme does not merge
    (the service) are refused together, naming the agency, not its id."""
    other_type = AgencyType.objects.create(code="khac", name="Loại khác", name_en="Other", sector="party")
    stranger = Agency.objects.create(
        district=world.home, agency_type=other_type, name="Cơ quan loại khác", established_on=D(2015, 1, 1)
    )
    client.force_login(editor)
    response = client.post(
        ADD, _create_data(client, world, source_agencies=[world.a1.pk, stranger.pk], decision_number="")
    )
    errors = response.context["form"].errors
    assert errors["decision_number"] == ["Trường này là bắt buộc."]
    assert errors["source_agencies"] == ["Cơ quan “Cơ quan loại khác” không thuộc loại cơ quan mà đề án này hợp nhất."]
    # An id that is no agency of the district: a message without the id.
    response = client.post(ADD, _create_data(client, world, source_agencies=[world.a1.pk, world.b1.pk]))
    assert response.context["form"].errors["source_agencies"] == [
        "Một cơ quan đã chọn không thuộc danh sách của đơn vị này; hãy chọn lại."
    ]
    assert Merger.objects.count() == 0


def test_negative_and_oversized_completion_figures_come_with_the_forms_errors(client, editor, planned):
    client.force_login(editor)
    url = reverse("registry:merger_complete", args=[planned.pk])
    response = client.post(url, {"effective_on": "", "headcount_after": "-3", "actual_after": "100001", "version": 1})
    errors = response.context["form"].errors
    assert errors["effective_on"] == ["Trường này là bắt buộc."]
    assert errors["headcount_after"] == ["Số liệu không được âm."]
    assert errors["actual_after"] == ["Số liệu quá lớn (tối đa 100.000)."]
    response = client.post(url, {"effective_on": "01/03/2018", "headcount_after": "mười", "version": 1})
    assert response.context["form"].errors["headcount_after"] == ["Nhập một số nguyên."]


def test_when_every_district_has_a_merger_the_form_says_so(quang_ninh, client, editor):
    client.force_login(editor)
    response = client.get(ADD, {"decided_on": "01/01/2021", "programme": "khoi-mttq"})
    assert len(response.context["district_options"]) == 13 and response.context["all_taken"] is True
    assert 'data-testid="all-taken"' in response.content.decode()
