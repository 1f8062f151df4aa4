"""Issue 14 on the pages: the decision register, lineage and skipped stages, the end of the
district tier and the focal-point reconciliation on the dashboard, the district page and the export."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.actors import SYSTEM
from mergers import services
from mergers.models import Agency, Decision, Merger
from tests.reports.htmltext import text_of

D = datetime.date
PDF = b"%PDF-1.4\n%scan\n"


@pytest.fixture
def leader_client(client, leader, quang_ninh):
    client.force_login(leader)
    return client


def test_the_register_is_searched_without_diacritics_and_filtered(leader_client):
    page = leader_client.get("/decisions/", {"q": "nhap huyen hoanh bo"})
    assert page.status_code == 200
    assert [d.number for d in page.context["object_list"]] == ["837/NQ-UBTVQH14"]
    assert "Ủy ban Thường vụ Quốc hội" in text_of(page.content, "decision-table")
    by_issuer = leader_client.get("/decisions/", {"issuer": "btv-tinh-uy", "ordering": "date"}).context["object_list"]
    assert [d.number for d in by_issuer] == [
        "DEMO-01/KH-TU",
        "DEMO-02/QĐ-TU",
        "44-QĐ/TU",
        "DEMO-03/QĐ-TU",
        "DEMO-04/ĐA-TU",
    ]
    row = text_of(leader_client.get("/decisions/", {"number": "44-QĐ/TU"}).content, "decision-table")
    # 1 programme, 14 mergers, 28 stages, 14 agencies established and 84 ended.
    assert row.endswith("30/11/2015 44-QĐ/TU công bố Ban Thường vụ Tỉnh ủy Quyết định Phê duyệt Đề án “Xây dựng cơ quan "
                        "tham mưu, giúp việc chung khối MTTQ và các đoàn thể chính trị - xã hội cấp huyện” 141")  # fmt: skip


def test_a_decisions_page_lists_every_event_it_authorised(leader_client):
    decision = Decision.objects.get(number="44-QĐ/TU")
    page = leader_client.get(f"/decisions/{decision.pk}/")
    assert text_of(page.content, "decision-issuer") == "Ban Thường vụ Tỉnh ủy"
    mergers = text_of(page.content, "events-merger")
    for merger in Merger.objects.filter(programme__code="khoi-mttq"):
        assert f'href="/mergers/{merger.pk}/"' in page.content.decode()
    assert mergers.count("Cơ quan tham mưu") == 14
    demo = Decision.objects.get(number="DEMO-04/ĐA-TU")
    page = leader_client.get(f"/decisions/{demo.pk}/")
    assert "minh họa (demo)" in text_of(page.content, "decision-demo")
    assert text_of(page.content, "events-programme").count("Hợp nhất") == 2


def test_a_scanned_copy_is_uploaded_by_an_editor_and_served_to_signed_in_readers_only(
    client, editor, leader, quang_ninh, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    decision = Decision.objects.get(number="837/NQ-UBTVQH14")
    client.force_login(editor)
    form = client.get(f"/decisions/{decision.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    response = client.post(f"/decisions/{decision.pk}/edit/", {**data, "scan": SimpleUploadedFile("nq.pdf", PDF)})
    assert response.status_code == 302, response.context["form"].errors
    data["version"] += 1
    bad = client.post(f"/decisions/{decision.pk}/edit/", {**data, "scan": SimpleUploadedFile("nq.html", b"<html>")})
    assert bad.context["form"].errors["scan"] == ["Chỉ nhận bản chụp PDF, PNG hoặc JPEG."]
    url = f"/decisions/{decision.pk}/scan/"
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(leader)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"], b"".join(response.streaming_content)) == (
        200,
        "application/pdf",
        PDF,
    )
    assert response["Cache-Control"] == "private, no-store"


def test_the_merger_page_lists_the_programmes_stages_and_their_decisions(leader_client):
    staged = Merger.objects.filter(programme__code="kiem-tra-thanh-tra", district__code="207").get()
    page = leader_client.get(f"/mergers/{staged.pk}/")
    assert text_of(page.content, "programme-stages") == (
        "Đề án quy định: Kế hoạch → Nhất thể hóa chức danh → Đã phê duyệt → Hoàn thành"
    )
    assert "QĐ DEMO-03/QĐ-TU" in text_of(page.content, "timeline")


def test_the_merger_page_shows_a_skip_and_its_reason(client, editor, world):
    world.programme.stages = ["titles_unified", "approved", "completed"]
    world.programme.save()
    merger = services.merger_create(
        user=SYSTEM,
        programme=world.programme,
        district=world.home,
        source_agencies=[world.a1, world.a2],
        decision_number="12-QĐ/HU",
        decided_on=D(2018, 1, 15),
    )
    client.force_login(editor)
    response = client.post(
        f"/mergers/{merger.pk}/advance/",
        {"status": "approved", "on": "01/02/2018", "version": merger.version, "note": ""},
    )
    assert response.context["form"].errors["skip_reason"] == [
        "Bỏ qua giai đoạn “Nhất thể hóa chức danh” của đề án: cần ghi lý do."
    ]
    client.post(
        f"/mergers/{merger.pk}/advance/",
        {"status": "approved", "on": "01/02/2018", "version": merger.version, "skip_reason": "Thống nhất từ 2015."},
    )
    page = client.get(f"/mergers/{merger.pk}/")
    assert text_of(page.content, "skipped-approved") == (
        "Bỏ qua giai đoạn: Nhất thể hóa chức danh · Lý do: Thống nhất từ 2015."
    )


def test_an_agency_page_shows_its_successor_in_another_district(leader_client):
    hoanh_bo = Agency.objects.get(district__code="204", agency_type__code="to-chuc-noi-vu")
    successors = text_of(leader_client.get(f"/agencies/{hoanh_bo.pk}/").content, "successors")
    assert successors == (
        "Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long (Thành phố Hạ Long) · sáp nhập đơn vị cấp huyện "
        "từ 01/01/2020 · QĐ 837/NQ-UBTVQH14"
    )
    ha_long = hoanh_bo.successor
    predecessors = text_of(leader_client.get(f"/agencies/{ha_long.pk}/").content, "predecessors")
    assert "Cơ quan Tổ chức - Nội vụ Huyện ủy Hoành Bồ (Huyện Hoành Bồ) · sáp nhập đơn vị cấp huyện" in predecessors
    ended = text_of(leader_client.get(f"/agencies/{ha_long.pk}/").content, "successors")
    assert ended == "Chức năng chuyển về tỉnh Quảng Ninh · kết thúc cấp huyện từ 01/07/2025 · QĐ 373/ĐA-CP"


def test_the_dashboard_on_2_july_2025_has_no_district_and_says_why(leader_client):
    page = leader_client.get("/", {"baseline": "30/11/2015", "as_of": "02/07/2025"})
    assert text_of(page.content, "tier-ended") == (
        "0 đơn vị cấp huyện hoạt động. Ngày 02/07/2025 không còn đơn vị hành chính cấp huyện nào hoạt động: cấp "
        "huyện đã kết thúc từ ngày 01/07/2025; theo đề án 373/ĐA-CP ngày 09/05/2025 của Chính phủ; chức năng chuyển "
        "về tỉnh Quảng Ninh. Số liệu dưới đây là số liệu cuối cùng, ngày 30/06/2025. Xem văn bản"
    )
    assert page.context["headlines"][0].total == 0
    card = text_of(page.content, "headline-khoi-mttq")
    assert "13/13" not in page.content.decode()
    assert "Cấp huyện đã kết thúc Ngày cuối cùng (30/06/2025): 13 đơn vị đã hoàn thành hợp nhất." in card
    # The reconciliation runs to the date asked: the 39 focal points left with the tier.
    assert text_of(page.content, "reconciliation-sum") == (
        "140 đầu mối ngày 30/11/2015 + 42 thành lập − 143 hợp nhất vào cơ quan khác − 39 chấm dứt khác "
        "= 0 đầu mối ngày 02/07/2025 khớp"
    )
    assert page.context["as_of"] == D(2025, 6, 30)  # the staffing table's last figures


def test_the_default_as_of_is_the_last_day_of_the_tier(leader_client, monkeypatch):
    for name in ("figures.engine.today", "reports.views.today"):
        monkeypatch.setattr(name, lambda: D(2026, 12, 6))
    page = leader_client.get("/")
    assert page.context["as_of"] == D(2025, 6, 30)
    assert text_of(page.content, "tier-default").startswith(
        "Cấp huyện đã kết thúc từ ngày 01/07/2025: hôm nay (06/12/2026) không còn đơn vị cấp huyện nào, nên trang "
        "hiển thị số liệu cuối cùng, ngày 30/06/2025."
    )
    assert text_of(page.content, "headline-khoi-mttq").count("13/13") == 1


def test_the_dashboard_reconciles_140_to_39_and_names_the_causes(leader_client):
    page = leader_client.get("/", {"baseline": "30/11/2015", "as_of": "31/12/2020"})
    assert text_of(page.content, "reconciliation-sum") == (
        "140 đầu mối ngày 30/11/2015 + 42 thành lập − 143 hợp nhất vào cơ quan khác − 0 chấm dứt khác "
        "= 39 đầu mối ngày 31/12/2020 khớp"
    )
    causes = text_of(page.content, "reconciliation-causes")
    assert causes.endswith(
        "Đơn vị cấp huyện sáp nhập: cơ quan hợp nhất vào cơ quan cùng chức năng (837/NQ-UBTVQH14) 0 3 0 -3 "
        "Cộng 42 143 0 -101"
    )
    assert text_of(page.content, "total-focal-points") == "98"
    merged = text_of(page.content, "rec-term-merged_away")
    assert (
        "Cơ quan Tổ chức - Nội vụ Huyện ủy Hoành Bồ (204) · 01/01/2020 → Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long (193) · QĐ 837/NQ-UBTVQH14"
        in merged
    )


def test_the_reconciliation_export_and_the_district_page(leader_client):
    text = leader_client.get(
        "/exports/doi-chieu-dau-moi.csv", {"baseline": "2015-11-30", "as_of": "2020-12-31"}
    ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["Đối chiếu", "", "140 + 42 − 143 − 0 = 39", "", "", "", "", "", "", "", "", "-101"]
    moved = [r for r in rows if r[0] == "Hợp nhất vào cơ quan khác" and r[3] == "204" and r[5] == "district"]
    assert [(r[2], r[7], r[8]) for r in moved] == [
        (
            "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể huyện Hoành Bồ",
            "837/NQ-UBTVQH14",
            "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long",
        ),
        ("Cơ quan Tổ chức - Nội vụ Huyện ủy Hoành Bồ", "837/NQ-UBTVQH14", "Cơ quan Tổ chức - Nội vụ Thành ủy Hạ Long"),
        (
            "Cơ quan Kiểm tra - Thanh tra Huyện ủy Hoành Bồ",
            "837/NQ-UBTVQH14",
            "Cơ quan Kiểm tra - Thanh tra Thành ủy Hạ Long",
        ),
    ]
    page = leader_client.get("/districts/204/")
    assert text_of(page.content, "reconciliation-sum") == (
        "10 đầu mối ngày 30/11/2015 + 3 thành lập − 13 hợp nhất vào cơ quan khác − 0 chấm dứt khác "
        "= 0 đầu mối ngày 01/01/2020 khớp"
    )
    assert 'href="/exports/doi-chieu-dau-moi.csv?district=204&amp;baseline=2015-11-30&amp;as_of=2020-01-01"' in (
        page.content.decode()
    )


def test_the_exports_after_the_tier_give_its_last_figures_and_say_why(leader_client):
    from openpyxl import load_workbook

    query = {"baseline": "30/11/2015", "as_of": "02/07/2025"}
    response = leader_client.get("/exports/bao-cao-bien-che.xlsx", query)
    assert response["Content-Disposition"].endswith('_2015-11-30_2025-06-30_cung-dia-ban.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    total = list(workbook.active.iter_rows(values_only=True))[-1]
    assert total[3:10] == (700, 606, -94, -13.43, 140, 39, -101)
    notes = dict(workbook["Ghi chú"].iter_rows(values_only=True))
    assert notes["Cấp huyện đã kết thúc"].startswith(
        "Ngày 02/07/2025 không còn đơn vị hành chính cấp huyện nào hoạt động: cấp huyện đã kết thúc từ ngày 01/07/2025"
    )
    progress = leader_client.get("/exports/tien-do-hop-nhat.csv", query).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(progress)))
    assert len(rows) == 15 and rows[1][:4] == ["193", "Thành phố Hạ Long", "", "Hoàn thành"]


def test_an_editor_registers_a_decision_and_a_reader_cannot(client, editor, leader, quang_ninh):
    client.force_login(leader)
    assert client.get("/decisions/new/").status_code == 403
    client.force_login(editor)
    token = client.get("/decisions/new/").context["form"].initial["form_token"]
    response = client.post(
        "/decisions/new/",
        {
            "form_token": token,
            "number": "1679/NQ-UBTVQH15",
            "date": "16/06/2025",
            "issuer": "ubtvqh",
            "kind": "nghi-quyet",
            "title": "Sắp xếp các đơn vị hành chính cấp xã của tỉnh Quảng Ninh năm 2025",
            "source_kind": "official",
        },
    )
    decision = Decision.objects.get(number="1679/NQ-UBTVQH15")
    assert response["Location"] == f"/decisions/{decision.pk}/"
    assert (decision.date, decision.issuer_name, decision.search_name) == (
        D(2025, 6, 16),
        "Ủy ban Thường vụ Quốc hội",
        "1679/nq-ubtvqh15 sap xep cac don vi hanh chinh cap xa cua tinh quang ninh nam 2025",
    )
    # A double submit of the same form creates nothing more.
    again = client.post(
        "/decisions/new/",
        {
            "form_token": token,
            "number": "1679/NQ-UBTVQH15",
            "date": "16/06/2025",
            "issuer": "ubtvqh",
            "kind": "nghi-quyet",
            "source_kind": "official",
        },
    )
    assert again.status_code == 302 and Decision.objects.filter(number="1679/NQ-UBTVQH15").count() == 1
