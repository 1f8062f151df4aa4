"""A district's headcounts on one date, from the form or an Excel file: all rows saved or none."""

import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mergers.models import HeadcountRecord
from tests.factories import HeadcountFactory

D = datetime.date
ENTRY = reverse("registry:headcount_entry")
IMPORT = reverse("registry:headcount_import")


def _text(response):
    return response.content.decode()


def _rows_data(world, rows, source="Báo cáo 2018", as_of="01/01/2018"):
    data = {
        "district": "901",
        "as_of": as_of,
        "source": source,
        "source_kind": "official",
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
    }
    for index, (agency, authorised, actual) in enumerate(rows):
        data[f"form-{index}-agency"] = str(agency.pk)
        data[f"form-{index}-version"] = "0"  # as the page sends it for an agency without a record that day
        data[f"form-{index}-authorised"] = authorised
        data[f"form-{index}-actual"] = actual
    return data


def test_entry_form_has_one_row_per_active_agency_prefilled(client, editor, world):
    client.force_login(editor)
    response = client.get(ENTRY, {"district": "901", "as_of": "01/01/2018"})
    rows = response.context["rows"]
    assert [agency.pk for _, agency in rows] == [world.a1.pk, world.a2.pk]
    assert [form.initial for form, _ in rows] == [
        {"agency": world.a1.pk, "version": 0, "authorised": 1200, "actual": 1150},
        {"agency": world.a2.pk, "version": 0, "authorised": 9, "actual": 8},
    ]
    assert 'name="form-0-authorised" value="1200"' in _text(response)


def test_entry_form_labels_prefilled_demo_figures(client, editor, world):
    """A pre-filled figure from a demo record says so; an official one and an empty row do not."""
    HeadcountFactory(agency=world.a2, as_of=D(2017, 6, 1), authorised=10, source_kind="demo")
    client.force_login(editor)
    response = client.get(ENTRY, {"district": "901", "as_of": "01/01/2018"})
    assert [(agency.pk, agency.headcount_kind) for _, agency in response.context["rows"]] == [
        (world.a1.pk, "official"),
        (world.a2.pk, "demo"),
    ]
    html = _text(response)
    assert html.count('data-testid="prefilled-demo"') == 1
    assert html.index('data-testid="prefilled-demo"') > html.index("Phòng Nội vụ huyện Thử Một")
    assert "số liệu điền sẵn: minh họa (demo)" in html
    # Before the demo record, the official figure is the one in force: no label.
    assert 'data-testid="prefilled-demo"' not in _text(client.get(ENTRY, {"district": "901", "as_of": "01/02/2017"}))


def test_entry_saves_every_row(client, editor, world):
    client.force_login(editor)
    response = client.post(ENTRY, _rows_data(world, [(world.a1, "1100", "1090"), (world.a2, "8", "")]))
    assert response.status_code == 302
    records = HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).order_by("agency_id")
    assert [(r.agency_id, r.authorised, r.actual, r.source) for r in records] == [
        (world.a1.pk, 1100, 1090, "Báo cáo 2018"),
        (world.a2.pk, 8, None, "Báo cáo 2018"),
    ]
    assert "Đã lưu 2 bản ghi số liệu biên chế ngày 01/01/2018; các dòng không sửa được giữ nguyên." in _text(
        client.get(response["Location"])
    )


def test_entry_saves_only_the_changed_rows_untouched_demo_rows_keep_their_records(client, editor, world):
    """Pre-filled demo figures saved unchanged must not become records of the entry's date."""
    demo_a1 = HeadcountFactory(agency=world.a1, as_of=D(2017, 6, 1), authorised=1190, actual=1140, source_kind="demo")
    demo_a2 = HeadcountFactory(agency=world.a2, as_of=D(2017, 6, 1), authorised=10, actual=9, source_kind="demo")
    client.force_login(editor)
    page = client.get(ENTRY, {"district": "901", "as_of": "01/01/2018"})
    assert [form.initial["authorised"] for form, _ in page.context["rows"]] == [1190, 10]
    before = HeadcountRecord.objects.count()
    # a1 untouched (its pre-filled demo figures sent back as they were), a2 changed.
    response = client.post(ENTRY, _rows_data(world, [(world.a1, "1190", "1140"), (world.a2, "11", "9")]))
    assert response.status_code == 302
    assert HeadcountRecord.objects.count() == before + 1
    new = HeadcountRecord.objects.get(as_of=D(2018, 1, 1))
    assert (new.agency_id, new.authorised, new.actual, new.source_kind) == (world.a2.pk, 11, 9, "official")
    demo_a1.refresh_from_db()
    demo_a2.refresh_from_db()
    assert [(r.as_of, r.authorised, r.source_kind, r.version) for r in (demo_a1, demo_a2)] == [
        (D(2017, 6, 1), 1190, "demo", 1),
        (D(2017, 6, 1), 10, "demo", 1),
    ]
    assert not HeadcountRecord.objects.filter(agency=world.a1, as_of=D(2018, 1, 1)).exists()
    html = _text(client.get(response["Location"]))
    assert "Đã lưu 1 bản ghi số liệu biên chế ngày 01/01/2018; các dòng không sửa được giữ nguyên." in html


def test_entry_with_no_changed_row_saves_nothing_and_says_so(client, editor, world):
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    response = client.post(ENTRY, _rows_data(world, [(world.a1, "1200", "1150"), (world.a2, "9", "8")]))
    assert response.status_code == 302
    assert HeadcountRecord.objects.count() == before
    assert "Không có dòng nào thay đổi: chưa lưu bản ghi nào." in _text(client.get(response["Location"]))


def test_entry_warns_of_implausible_figures_and_saves_once_confirmed(client, editor, world):
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    data = _rows_data(world, [(world.a1, "1200", "1250"), (world.a2, "30", "8")])
    response = client.post(ENTRY, data)
    assert response.status_code == 200
    assert [getattr(form, "plausibility_warnings", []) for form, _ in response.context["rows"]] == [
        ["Số người làm việc thực tế (1250) lớn hơn biên chế được giao (1200)."],
        ["Biên chế được giao thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 9 → 30."],
    ]
    html = _text(response)
    assert 'name="confirm"' in html and "Xác nhận" in html
    assert 'name="form-0-actual" value="1250"' in html  # input kept
    assert HeadcountRecord.objects.count() == before
    response = client.post(ENTRY, {**data, "confirm": "on"})
    assert response.status_code == 302
    assert HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).count() == 2


def test_entry_with_one_bad_row_saves_nothing(client, editor, world):
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    response = client.post(ENTRY, _rows_data(world, [(world.a1, "1100", "1090"), (world.a2, "-2", "")]))
    assert response.status_code == 200
    forms = [form for form, _ in response.context["rows"]]
    assert forms[0].errors == {}
    assert forms[1].errors["authorised"] == ["Số liệu không được âm."]
    assert 'name="form-0-authorised" value="1100"' in _text(response)  # input kept
    assert HeadcountRecord.objects.count() == before


def test_entry_without_source_is_refused_at_the_source_field(client, editor, world):
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    response = client.post(ENTRY, _rows_data(world, [(world.a1, "1100", ""), (world.a2, "", "")], source=""))
    assert response.context["source_form"].errors["source"] == ["Cần ghi nguồn của số liệu."]
    assert HeadcountRecord.objects.count() == before


def test_double_submit_or_concurrent_entry_is_refused_not_duplicated(client, editor, world):
    """The form says which record each row saw (none here): a second submit finds one and stops."""
    client.force_login(editor)
    data = _rows_data(world, [(world.a1, "1100", ""), (world.a2, "8", "")])
    assert client.post(ENTRY, data).status_code == 302
    response = client.post(ENTRY, {**data, "form-0-authorised": "1101"})
    assert response.status_code == 200
    assert [form.non_field_errors() for form, _ in response.context["rows"]] == [
        ["Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại."]
    ] * 2
    assert HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).count() == 2
    assert HeadcountRecord.objects.get(agency=world.a1, as_of=D(2018, 1, 1)).authorised == 1100


def test_entry_corrects_the_records_of_that_date(client, editor, world):
    client.force_login(editor)
    client.post(ENTRY, _rows_data(world, [(world.a1, "1100", ""), (world.a2, "8", "")]))
    form = client.get(ENTRY, {"district": "901", "as_of": "01/01/2018"}).context["rows"][0][0]
    assert (form.initial["version"], form.initial["authorised"]) == (1, 1100)
    data = _rows_data(world, [(world.a1, "1101", ""), (world.a2, "8", "")])
    data.update({"form-0-version": "1", "form-1-version": "1"})
    assert client.post(ENTRY, data).status_code == 302
    record = HeadcountRecord.objects.get(agency=world.a1, as_of=D(2018, 1, 1))
    assert (record.authorised, record.version) == (1101, 2)
    assert HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).count() == 2


def test_blank_rows_are_left_without_record(client, editor, world):
    client.force_login(editor)
    client.post(ENTRY, _rows_data(world, [(world.a1, "1100", ""), (world.a2, "", "")]))
    assert list(HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).values_list("agency_id", flat=True)) == [
        world.a1.pk
    ]


def test_scoped_editor_cannot_enter_other_district(client, scoped_editor, world):
    client.force_login(scoped_editor)
    response = client.post(ENTRY, _rows_data(world, [(world.a1, "1100", ""), (world.a2, "", "")]))
    assert response.context["choose"].errors["district"] == [
        "Hãy chọn một lựa chọn hợp lệ. Lựa chọn đó không phải là một trong các lựa chọn khả thi."
    ]
    assert HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).count() == 0


# --- Excel --------------------------------------------------------------------------------


def _xlsx(rows) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Mã số cơ quan", "Tên cơ quan", "Biên chế được giao", "Số người làm việc thực tế"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        "bien-che.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def _import(client, rows, **overrides):
    data = {"district": "901", "as_of": "01/01/2018", "source": "", "source_kind": "official", "file": _xlsx(rows)}
    data.update(overrides)
    return client.post(IMPORT, data)


def test_template_is_in_vietnamese_and_prefilled(client, editor, world):
    client.force_login(editor)
    response = client.get(reverse("registry:headcount_template"), {"district": "901", "as_of": "01/01/2018"})
    assert response["Content-Disposition"] == 'attachment; filename="bien-che-901-2018-01-01.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Mã số cơ quan", "Tên cơ quan", "Biên chế được giao", "Số người làm việc thực tế", "Loại cơ quan", "Đơn vị"],
        [world.a1.pk, world.a1.name, 1200, 1150, "Ban Tổ chức", "Huyện Thử Một"],
        [world.a2.pk, world.a2.name, 9, 8, "Phòng Nội vụ", "Huyện Thử Một"],
    ]


def test_template_page_from_the_menu(client, editor, world):
    client.force_login(editor)
    page = client.get(reverse("registry:headcount_list"))
    assert 'href="/headcounts/template/" data-testid="menu-template"' in page.content.decode()
    response = client.get(reverse("registry:headcount_template_form"))
    assert response.status_code == 200 and "choose" in response.context
    response = client.get(reverse("registry:headcount_template_form"), {"district": "901", "as_of": "01/01/2018"})
    assert response["Content-Disposition"] == 'attachment; filename="bien-che-901-2018-01-01.xlsx"'
    response = client.get(reverse("registry:headcount_template_form"), {"district": "901", "as_of": "31/02/2018"})
    assert response.context["choose"].errors["as_of"] == ["Nhập một ngày hợp lệ."]


def test_import_after_an_error_keeps_the_choices_and_asks_for_the_file_again(client, editor, world):
    client.force_login(editor)
    response = _import(client, [(world.a1.pk, world.a1.name, -3, None)], source="Sở Nội vụ")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="choose-file-again"' in html
    assert 'value="Sở Nội vụ"' in html and 'value="01/01/2018"' in html


def test_template_cells_are_never_formulas(client, editor, world):
    """A name typed as a formula is written as text (OWASP CSV injection): openpyxl reads no formula back."""
    world.a2.name = '=HYPERLINK("http://example.com","Bấm vào đây")'
    world.a2.save()
    client.force_login(editor)
    response = client.get(reverse("registry:headcount_template"), {"district": "901", "as_of": "01/01/2018"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert {cell.data_type for cell in cells} <= {"s", "n"}
    assert '\'=HYPERLINK("http://example.com","Bấm vào đây")' in [cell.value for cell in cells]


def test_import_saves_all_good_rows(client, editor, world):
    client.force_login(editor)
    response = _import(client, [(world.a1.pk, world.a1.name, 1100, 1050), (world.a2.pk, world.a2.name, 8, None)])
    assert response.status_code == 302
    records = HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).order_by("agency_id")
    assert [(r.agency_id, r.authorised, r.actual, r.source) for r in records] == [
        (world.a1.pk, 1100, 1050, "bien-che.xlsx"),
        (world.a2.pk, 8, None, "bien-che.xlsx"),
    ]


def test_import_with_bad_rows_saves_nothing_and_shows_each(client, editor, world):
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    response = _import(
        client,
        [
            (world.a1.pk, world.a1.name, 1100, 1050),
            (world.a2.pk, world.a2.name, -1, None),
            (world.b1.pk, world.b1.name, 5, None),
            (99999, "Không có", 3, None),
            (world.a1.pk, "lặp", "mười", None),
        ],
    )
    assert response.status_code == 200
    assert response.context["bad_rows"] == [
        (3, world.a2.name, ["Dòng 3, cột «Biên chế được giao»: «-1» là số âm; số liệu không được âm."]),
        (4, world.b1.name, ["Cơ quan “Ban Tổ chức Huyện ủy Thử Hai” không thuộc Huyện Thử Một."]),
        (5, "Không có", ["Không tìm thấy cơ quan mã số 99999."]),
        (6, "lặp", ["Dòng 6, cột «Biên chế được giao»: «mười» không phải là số nguyên."]),
    ]
    html = _text(response)
    assert "Có 4 dòng sai; chưa lưu dòng nào." in html
    assert "<td>5</td><td>Không có</td><td><div>Không tìm thấy cơ quan mã số 99999.</div></td>" in html
    assert HeadcountRecord.objects.count() == before


def test_import_with_one_bad_row_saves_nothing(client, editor, world):
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    response = _import(client, [(world.a1.pk, world.a1.name, 1100, 1050), (world.a2.pk, world.a2.name, -1, None)])
    assert response.context["bad_rows"] == [
        (3, world.a2.name, ["Dòng 3, cột «Biên chế được giao»: «-1» là số âm; số liệu không được âm."])
    ]
    assert HeadcountRecord.objects.count() == before


def test_import_refuses_other_files(client, editor, world):
    client.force_login(editor)
    response = client.post(
        IMPORT,
        {
            "district": "901",
            "as_of": "01/01/2018",
            "source_kind": "official",
            "file": SimpleUploadedFile("a.csv", b"1,2"),
        },
    )
    assert response.context["form"].errors["file"] == ["Chỉ nhận tệp Excel .xlsx."]
    broken = _import(client, [], file=SimpleUploadedFile("hong.xlsx", b"not a zip"))
    assert broken.context["form"].errors["file"] == ["Không đọc được tệp Excel này."]


def test_agencies_changed_since_the_form_was_read_reloads_it_and_saves_nothing(client, editor, world):
    client.force_login(editor)
    response = client.post(ENTRY, _rows_data(world, [(world.a1, "1100", "")]))  # a2 missing from the form
    assert response.status_code == 302
    assert response["Location"] == f"{ENTRY}?district=901&as_of=01/01/2018"
    assert HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).count() == 0


def test_entry_without_a_source_kind_is_refused_and_saves_nothing(client, editor, world):
    """Pre-filled figures are often demo: the editor must say where the figures come from."""
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    data = _rows_data(world, [(world.a1, "1190", "1140"), (world.a2, "9", "8")])
    data["source_kind"] = ""
    response = client.post(ENTRY, data)
    assert response.status_code == 200
    assert response.context["source_form"].errors["source_kind"] == [
        "Hãy chọn loại nguồn: chính thức, đã công bố (báo chí), minh họa (demo) hay tổng hợp."
    ]
    assert HeadcountRecord.objects.count() == before
    response = client.get(ENTRY, {"district": "901", "as_of": "01/01/2018"})
    assert '<option value="" selected>— Chọn loại nguồn —</option>' in _text(response)


def test_entry_refuses_negative_and_oversized_figures_with_the_forms_other_errors(client, editor, world):
    """One round: the missing source kind, a negative and an oversized figure, all on the first answer."""
    client.force_login(editor)
    data = _rows_data(world, [(world.a1, "-1", "100001"), (world.a2, "9", "abc")])
    data["source_kind"] = ""
    response = client.post(ENTRY, data)
    assert response.status_code == 200
    assert response.context["source_form"].errors["source_kind"] == [
        "Hãy chọn loại nguồn: chính thức, đã công bố (báo chí), minh họa (demo) hay tổng hợp."
    ]
    first, second = response.context["formset"].forms
    assert first.errors == {"authorised": ["Số liệu không được âm."], "actual": ["Số liệu quá lớn (tối đa 100.000)."]}
    assert second.errors == {"actual": ["Nhập một số nguyên."]}
    assert not HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).exists()
