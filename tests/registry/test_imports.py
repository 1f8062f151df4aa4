"""The headcount workbook import (registry/imports.py): cells, limits checked before parsing, hostile files."""

import datetime
import gc
import io
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.actors import SYSTEM
from mergers.models import HeadcountRecord
from registry.imports import (
    CellError,
    ImportRefused,
    cell_count,
    import_headcounts,
    parse_row,
    read_headcount_file,
    template_workbook,
)
from tests import xlsx
from tests.web.conftest import world  # noqa: F401  (the pages' small world)

D = datetime.date
IMPORT = reverse("registry:headcount_import")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content: bytes, name: str = "bien-che.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, XLSX)


def openpyxl_file(rows, header=("Mã số cơ quan", "Tên cơ quan", "Biên chế được giao", "Số người làm việc thực tế")):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("  ", None), (0, 0), (12, 12), (10.0, 10), ("12", 12), (" 7 ", 7), (100_000, 100_000)],
)
def test_a_count_is_a_whole_number_written_as_digits(value, expected):
    assert cell_count(value, line=5, column="authorised") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12,5", "Dòng 5, cột «Biên chế được giao»: «12,5» không phải là số nguyên."),
        ("1.5", "Dòng 5, cột «Biên chế được giao»: «1.5» không phải là số nguyên."),
        (10.5, "Dòng 5, cột «Biên chế được giao»: «10.5» không phải là số nguyên."),
        ("1.000", "Dòng 5, cột «Biên chế được giao»: «1.000» không phải là số nguyên."),
        ("1 000", "Dòng 5, cột «Biên chế được giao»: «1 000» không phải là số nguyên."),
        ("mười", "Dòng 5, cột «Biên chế được giao»: «mười» không phải là số nguyên."),
        ("١٢", "Dòng 5, cột «Biên chế được giao»: «١٢» không phải là số nguyên."),  # digits, but not 0-9
        (True, "Dòng 5, cột «Biên chế được giao»: «True» không phải là số nguyên."),
        (D(2018, 1, 1), "Dòng 5, cột «Biên chế được giao»: «2018-01-01» không phải là số nguyên."),
        (-3, "Dòng 5, cột «Biên chế được giao»: «-3» là số âm; số liệu không được âm."),
        ("-3", "Dòng 5, cột «Biên chế được giao»: «-3» là số âm; số liệu không được âm."),
        (-2.0, "Dòng 5, cột «Biên chế được giao»: «-2.0» là số âm; số liệu không được âm."),
        (100_001, "Dòng 5, cột «Biên chế được giao»: «100001» lớn hơn mức tối đa 100.000."),
        (1e20, "Dòng 5, cột «Biên chế được giao»: «1e+20» lớn hơn mức tối đa 100.000."),
    ],
)
def test_anything_else_is_refused_with_its_line_column_and_reason(value, message):
    with pytest.raises(CellError) as refused:
        cell_count(value, line=5, column="authorised")
    assert str(refused.value) == message


def test_a_row_lists_every_reason_of_its_line():
    row = parse_row(7, ("", "  Ban Tổ chức  ", -1, "mười"))
    assert (row.line, row.name, row.agency_id, row.authorised, row.actual) == (7, "Ban Tổ chức", None, None, None)
    assert row.reasons == [
        "Dòng 7, cột «Biên chế được giao»: «-1» là số âm; số liệu không được âm.",
        "Dòng 7, cột «Số người làm việc thực tế»: «mười» không phải là số nguyên.",
        "Dòng 7, cột «Mã số cơ quan»: thiếu mã số cơ quan.",
    ]


def test_a_short_row_is_read_as_blank_cells_and_extra_cells_are_ignored():
    assert parse_row(3, (12,)).__dict__ == {
        "line": 3, "name": "", "agency_id": 12, "authorised": None, "actual": None, "reasons": []
    }  # fmt: skip
    assert parse_row(4, (12, "Ban", 5, 4, "ghi chú", "x")).__dict__ == {
        "line": 4, "name": "Ban", "agency_id": 12, "authorised": 5, "actual": 4, "reasons": []
    }  # fmt: skip


HEADERS = ["Mã số cơ quan", "Tên cơ quan", "Biên chế được giao", "Số người làm việc thực tế", "Loại cơ quan", "Đơn vị"]


def test_the_blank_template_has_the_headers_and_the_instructions():
    content, name = template_workbook()
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert name == "bien-che-mau.xlsx"
    assert workbook.sheetnames == ["Biên chế", "Hướng dẫn"]
    assert [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)] == [HEADERS]
    assert [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True)][-1] == (
        "Tệp chỉ được lưu khi mọi dòng đều hợp lệ."
    )


def test_the_template_of_a_district_lists_its_agencies_active_that_day_with_their_figures(world):  # noqa: F811
    world.b1.district = world.home  # dissolved before the date: not listed
    world.b1.dissolved_on = D(2017, 6, 1)
    world.b1.save()
    content, name = template_workbook(world.home, D(2018, 1, 1))
    assert name == "bien-che-901-2018-01-01.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        HEADERS,
        [world.a1.pk, world.a1.name, 1200, 1150, "Ban Tổ chức", "Huyện Thử Một"],
        [world.a2.pk, world.a2.name, 9, 8, "Phòng Nội vụ", "Huyện Thử Một"],
    ]
    rows = read_headcount_file(upload(content))  # read back: the first four columns only
    assert [(r.agency_id, r.authorised, r.actual, r.reasons) for r in rows] == [
        (world.a1.pk, 1200, 1150, []),
        (world.a2.pk, 9, 8, []),
    ]


def test_a_file_with_unreadable_lines_is_checked_whole_and_nothing_is_saved(world):  # noqa: F811
    """The lines that could be read go through the service's checks too: one answer lists all."""
    before = HeadcountRecord.objects.count()
    content = openpyxl_file([(world.a1.pk, world.a1.name, "12,5", None), (world.b1.pk, world.b1.name, 3, None)])
    result = import_headcounts(
        upload=upload(content), district=world.home, as_of=D(2018, 1, 1), source="", source_kind="official", user=SYSTEM
    )
    assert result.bad_rows == [
        (2, world.a1.name, ["Dòng 2, cột «Biên chế được giao»: «12,5» không phải là số nguyên."]),
        (3, world.b1.name, ["Cơ quan “Ban Tổ chức Huyện ủy Thử Hai” không thuộc Huyện Thử Một."]),
    ]
    assert (result.saved, result.file_errors, result.source_errors, result.warnings) == ([], [], [], [])
    assert HeadcountRecord.objects.count() == before


def test_import_lists_every_bad_cell_at_once_and_saves_nothing(client, editor, world):  # noqa: F811
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    content = openpyxl_file(
        [
            (world.a1.pk, world.a1.name, "12,5", 10.5),
            (world.a2.pk, world.a2.name, 8, "mười"),
            ("x1", "Không rõ", 8, None),
            (None, "Không mã", 8, None),
        ]
    )
    response = client.post(
        IMPORT,
        {"district": "901", "as_of": "01/01/2018", "source": "", "source_kind": "official", "file": upload(content)},
    )
    assert response.status_code == 200
    assert response.context["bad_rows"] == [
        (
            2,
            world.a1.name,
            [
                "Dòng 2, cột «Biên chế được giao»: «12,5» không phải là số nguyên.",
                "Dòng 2, cột «Số người làm việc thực tế»: «10.5» không phải là số nguyên.",
            ],
        ),
        (3, world.a2.name, ["Dòng 3, cột «Số người làm việc thực tế»: «mười» không phải là số nguyên."]),
        (4, "Không rõ", ["Dòng 4, cột «Mã số cơ quan»: «x1» không phải là số nguyên."]),
        (5, "Không mã", ["Dòng 5, cột «Mã số cơ quan»: thiếu mã số cơ quan."]),
    ]
    assert "Có 4 dòng sai; chưa lưu dòng nào." in response.content.decode()
    assert HeadcountRecord.objects.count() == before


def test_integral_floats_are_counts_and_the_file_name_is_a_safe_source(client, editor, world):  # noqa: F811
    client.force_login(editor)
    content = openpyxl_file([(float(world.a1.pk), world.a1.name, 1100.0, 1050.0)])
    response = client.post(
        IMPORT,
        {
            "district": "901",
            "as_of": "01/01/2018",
            "source": "",
            "source_kind": "official",
            "file": upload(content, name='=HYPERLINK("x")+cmd|bien che.xlsx'),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    record = HeadcountRecord.objects.get(agency=world.a1, as_of=D(2018, 1, 1))
    assert (record.authorised, record.actual) == (1100, 1050)
    assert record.source == "HYPERLINK_x_cmd_bien che.xlsx"


# --- limits, checked before the workbook is parsed ----------------------------------------------


def test_a_file_over_the_size_limit_is_refused_unread(settings):
    settings.HEADCOUNT_IMPORT_MAX_BYTES = 5 * 1024 * 1024
    with pytest.raises(ImportRefused) as refused:
        read_headcount_file(upload(b"x" * (5 * 1024 * 1024 + 1)))
    assert str(refused.value) == "Tệp quá lớn: tối đa 5 MB."


def test_too_many_rows_or_columns_are_refused(settings):
    settings.HEADCOUNT_IMPORT_MAX_ROWS = 5000
    rows = xlsx.workbook(xlsx.number_rows(5002))  # the header and 5001 data rows, no declared size
    with pytest.raises(ImportRefused) as refused:
        read_headcount_file(upload(rows))
    assert str(refused.value) == "Tệp có quá nhiều dòng: tối đa 5.000 dòng số liệu."
    assert len(read_headcount_file(upload(xlsx.workbook(xlsx.number_rows(5001))))) == 5000
    declared = xlsx.workbook(xlsx.number_rows(3), dimension="A1:D9000")
    with pytest.raises(ImportRefused) as refused:
        read_headcount_file(upload(declared))
    assert str(refused.value) == "Tệp có quá nhiều dòng: tối đa 5.000 dòng số liệu."
    wide = xlsx.workbook(xlsx.number_rows(3, cells=31))
    with pytest.raises(ImportRefused) as refused:
        read_headcount_file(upload(wide))
    assert str(refused.value) == "Tệp có quá nhiều cột: tối đa 30 cột."


def test_a_damaged_workbook_is_refused():
    with pytest.raises(ImportRefused) as refused:
        read_headcount_file(upload(b"PK\x03\x04 not really a zip"))
    assert str(refused.value) == "Không đọc được tệp Excel này."


def _peak_rss_reset() -> bool:
    """Reset the process's peak RSS (Linux: VmHWM), so that the next peak is this test's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise LookupError(key)


def _measure(function):
    """(seconds, peak RSS growth in MB, exception) of calling `function`."""
    gc.collect()
    reset = _peak_rss_reset()
    if reset:
        start_rss = _rss_kb("VmRSS")
    else:  # no /proc: the peak since the process began, which can only over-estimate the growth... or hide it
        import resource

        start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        function()
    except Exception as exc:  # the refusal is what is measured
        error = exc
    else:
        error = None
    seconds = time.perf_counter() - started
    if reset:
        growth = (_rss_kb("VmHWM") - start_rss) / 1024
    else:
        import resource

        growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_rss) / 1024
    return seconds, growth, error


@pytest.fixture(scope="module")
def strings_bomb() -> bytes:
    """~400 kB: xl/sharedStrings.xml holds (and declares) 10 million strings, 170 MB inflated."""
    return xlsx.workbook(xlsx.number_rows(2), shared_strings=xlsx.shared_strings_bomb(10_000_000), count=10_000_000)


@pytest.fixture(scope="module")
def two_million_rows() -> bytes:
    """~130 kB: a sheet of 2 000 000 rows (52 MB inflated), no declared size."""
    return xlsx.workbook(xlsx.number_rows(2_000_000))


def test_a_shared_strings_bomb_is_refused_fast_and_small(strings_bomb):
    assert 300_000 < len(strings_bomb) < 600_000
    seconds, growth, error = _measure(lambda: read_headcount_file(upload(strings_bomb)))
    assert isinstance(error, ImportRefused)
    assert str(error) == "Tệp Excel khi giải nén quá lớn: phần “xl/sharedStrings.xml” vượt quá 10 MB."
    assert seconds < 2, seconds
    assert growth < 100, growth


def test_two_million_rows_are_refused_fast_and_small(two_million_rows):
    seconds, growth, error = _measure(lambda: read_headcount_file(upload(two_million_rows)))
    assert str(error) == "Tệp Excel khi giải nén quá lớn: phần “xl/worksheets/sheet1.xml” vượt quá 10 MB."
    assert seconds < 2, seconds
    assert growth < 100, growth


def test_two_million_rows_stream_and_stop_at_the_row_limit(settings, two_million_rows):
    """With the zip limits out of the way, the rows stream and reading stops after the limit."""
    settings.HEADCOUNT_IMPORT_MAX_MEMBER_BYTES = settings.HEADCOUNT_IMPORT_MAX_TOTAL_BYTES = 1 << 30
    seconds, growth, error = _measure(lambda: read_headcount_file(upload(two_million_rows)))
    assert str(error) == "Tệp có quá nhiều dòng: tối đa 5.000 dòng số liệu."
    assert seconds < 2, seconds
    assert growth < 100, growth


def test_shared_strings_are_counted_and_stopped_even_within_the_zip_limits(settings, strings_bomb):
    settings.HEADCOUNT_IMPORT_MAX_MEMBER_BYTES = settings.HEADCOUNT_IMPORT_MAX_TOTAL_BYTES = 1 << 30
    seconds, growth, error = _measure(lambda: read_headcount_file(upload(strings_bomb)))
    assert str(error) == "Tệp có quá nhiều ô chữ: tối đa 150.000 ô."  # 5 000 rows x 30 columns
    assert seconds < 2, seconds
    assert growth < 100, growth


def test_the_page_answers_a_bomb_with_the_message(client, editor, world, strings_bomb):  # noqa: F811
    client.force_login(editor)
    before = HeadcountRecord.objects.count()
    started = time.perf_counter()
    response = client.post(
        IMPORT,
        {
            "district": "901",
            "as_of": "01/01/2018",
            "source": "",
            "source_kind": "official",
            "file": upload(strings_bomb),
        },
    )
    assert time.perf_counter() - started < 2
    assert response.context["form"].errors["file"] == [
        "Tệp Excel khi giải nén quá lớn: phần “xl/sharedStrings.xml” vượt quá 10 MB."
    ]
    assert HeadcountRecord.objects.count() == before


def test_import_warns_of_implausible_figures_and_saves_once_confirmed(client, editor, world):  # noqa: F811
    client.force_login(editor)
    content = openpyxl_file([(world.a1.pk, world.a1.name, 1200, 1150), (world.a2.pk, world.a2.name, 9, 30)])
    data = {"district": "901", "as_of": "01/01/2018", "source": "Báo cáo", "source_kind": "official"}
    response = client.post(IMPORT, {**data, "file": upload(content)})
    assert response.status_code == 200
    assert response.context["warning_rows"] == [
        (
            3,
            world.a2.name,
            [
                "Số người làm việc thực tế (30) lớn hơn biên chế được giao (9).",
                "Số người làm việc thực tế thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 8 → 30.",
            ],
        )
    ]
    assert response.context["bad_rows"] == []
    assert 'name="confirm"' in response.content.decode()
    assert not HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).exists()
    response = client.post(IMPORT, {**data, "confirm": "on", "file": upload(content)})
    assert response.status_code == 302
    assert HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).count() == 2
