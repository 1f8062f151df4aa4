"""The exports, opened back (openpyxl, csv) and compared cell by cell."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

D = datetime.date
STAFFING_HEADERS = [
    "Mã GSO",
    "Đơn vị",
    "Ghi chú",
    "Biên chế ngày gốc (30/11/2015)",
    "Biên chế ngày xem (01/06/2020)",
    "Thay đổi (người)",
    "Thay đổi (%)",
    "Đầu mối ngày gốc",
    "Đầu mối ngày xem",
    "Thay đổi đầu mối",
    "Số liệu minh họa (demo)",
    "Cơ quan thiếu số liệu",
]
HA_LONG_NOTE = "Tiếp nhận Huyện Hoành Bồ từ 01/01/2020"
HOANH_BO_NOTE = "Giải thể từ 01/01/2020, sáp nhập vào Thành phố Hạ Long"
STAFFING_ROWS = [
    ["193", "Thành phố Hạ Long", HA_LONG_NOTE, 63, 93, 30, 47.62, 10, 3, -7, "demo"],
    ["194", "Thành phố Móng Cái", None, 57, 49, -8, -14.04, 10, 3, -7, "demo"],
    ["195", "Thành phố Cẩm Phả", None, 59, 51, -8, -13.56, 10, 3, -7, "demo"],
    ["196", "Thành phố Uông Bí", None, 57, 49, -8, -14.04, 10, 3, -7, "demo"],
    ["198", "Huyện Bình Liêu", None, 45, 39, -6, -13.33, 10, 3, -7, "demo"],
    ["199", "Huyện Tiên Yên", None, 47, 41, -6, -12.77, 10, 3, -7, "demo"],
    ["200", "Huyện Đầm Hà", None, 45, 40, -5, -11.11, 10, 3, -7, "demo"],
    ["201", "Huyện Hải Hà", None, 47, 41, -6, -12.77, 10, 3, -7, "demo"],
    ["202", "Huyện Ba Chẽ", None, 45, 39, -6, -13.33, 10, 3, -7, "demo"],
    ["203", "Huyện Vân Đồn", None, 48, 42, -6, -12.5, 10, 3, -7, "demo"],
    ["204", "Huyện Hoành Bồ", HOANH_BO_NOTE, 47, None, None, None, 10, None, None, "demo"],
    ["205", "Thị xã Đông Triều", None, 53, 46, -7, -13.21, 10, 3, -7, "demo"],
    ["206", "Thị xã Quảng Yên", None, 53, 46, -7, -13.21, 10, 3, -7, "demo"],
    ["207", "Huyện Cô Tô", None, 34, 30, -4, -11.76, 10, 3, -7, "demo"],
    [None, "Toàn tỉnh", "Tổng các đơn vị đang hoạt động vào từng ngày", 700, 606, -94, -13.43, 140, 39, -101, "demo"],
]
STAFFING_ROWS = [[*row, None] for row in STAFFING_ROWS]  # no agency lacks a record
QUERY = "?baseline=30/11/2015&as_of=01/06/2020&like_for_like=off"


@pytest.fixture
def leader_client(client, leader, quang_ninh):
    client.force_login(leader)
    return client


def _sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_staffing_xlsx_cell_by_cell(leader_client):
    response = leader_client.get("/exports/bao-cao-bien-che.xlsx" + QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-bien-che_2015-11-30_2020-06-01.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Biên chế", "Ghi chú"]
    rows = _sheet_rows(workbook["Biên chế"])
    assert rows[0] == STAFFING_HEADERS
    assert rows[1:] == STAFFING_ROWS
    # Numbers are numbers, missing figures empty cells.
    sheet = workbook["Biên chế"]
    assert sheet["D2"].data_type == "n" and sheet["G2"].value == 47.62
    assert sheet["E12"].value is None
    notes = _sheet_rows(workbook["Ghi chú"])
    assert notes[0] == ["Mục", "Giá trị"]
    assert notes[1] == ["Ngày gốc", datetime.datetime(2015, 11, 30)]
    assert notes[2] == ["Ngày xem số liệu", datetime.datetime(2020, 6, 1)]
    assert notes[3] == ["Chỉ tiêu", "Biên chế được giao"]
    assert notes[4] == ["So sánh cùng địa bàn", "Không"]
    assert notes[6] == ["demo", "Số liệu minh họa (demo), không phải số liệu chính thức"]


def test_staffing_like_for_like_xlsx(leader_client):
    response = leader_client.get("/exports/bao-cao-bien-che.xlsx" + QUERY + "&like_for_like=on")
    assert response["Content-Disposition"] == (
        'attachment; filename="bao-cao-bien-che_2015-11-30_2020-06-01_cung-dia-ban.xlsx"'
    )
    rows = _sheet_rows(load_workbook(io.BytesIO(response.content))["Biên chế"])
    assert rows[1] == [
        "193",
        "Thành phố Hạ Long",
        "Ngày gốc gồm cả số liệu của Huyện Hoành Bồ",
        110,
        93,
        -17,
        -15.45,
        20,
        3,
        -17,
        "demo",
        None,
    ]
    assert [r[0] for r in rows[1:]] == ["193", *[r[0] for r in STAFFING_ROWS[1:-1] if r[0] != "204"], None]
    assert rows[-1] == STAFFING_ROWS[-1]


def test_staffing_csv_cell_by_cell(leader_client):
    response = leader_client.get("/exports/bao-cao-bien-che.csv" + QUERY)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-bien-che_2015-11-30_2020-06-01.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == STAFFING_HEADERS
    expected = [["" if v is None else str(v) for v in row] for row in STAFFING_ROWS]
    assert rows[1:] == expected


def test_progress_xlsx_cell_by_cell(leader_client):
    response = leader_client.get("/exports/tien-do-hop-nhat.xlsx?as_of=27/09/2017&baseline=30/11/2015")
    assert response["Content-Disposition"] == 'attachment; filename="tien-do-hop-nhat_2017-09-27.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Tiến độ", "Ghi chú"]
    rows = _sheet_rows(workbook["Tiến độ"])
    header = ["Mã GSO", "Đơn vị", "Ghi chú"]
    for name in (  # the programmes by name, not by code (issue 16)
        "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể chính trị - xã hội cấp huyện",
        "Hợp nhất Ủy ban Kiểm tra cấp ủy với Thanh tra cấp huyện",
        "Hợp nhất Ban Tổ chức cấp ủy với Phòng Nội vụ cấp huyện",
    ):
        header += [f"{name}: giai đoạn", f"{name}: ngày", f"{name}: số quyết định", f"{name}: minh họa (demo)"]
    assert rows[0] == header
    assert len(rows) == 15
    dt = datetime.datetime
    titles_tt = ["Nhất thể hóa chức danh", dt(2016, 1, 4), None, "demo"]
    titles_nv = ["Nhất thể hóa chức danh", dt(2015, 6, 1), None, "demo"]
    assert rows[1] == [
        "193",
        "Thành phố Hạ Long",
        None,
        "Kế hoạch",
        dt(2015, 11, 30),
        "44-QĐ/TU",
        "demo",
        *titles_tt,
        *titles_nv,
    ]
    assert rows[2] == [
        "194",
        "Thành phố Móng Cái",
        None,
        "Hoàn thành",
        dt(2016, 3, 1),
        "44-QĐ/TU",
        "demo",
        *titles_tt,
        *titles_nv,
    ]
    # Hoành Bồ ended on 01/01/2020: not yet known on 27/09/2017 (issue 14: no future in the notes).
    assert rows[11][:7] == ["204", "Huyện Hoành Bồ", None, "Hoàn thành", dt(2016, 8, 1), "44-QĐ/TU", "demo"]
    assert [r[3] for r in rows[1:]].count("Hoàn thành") == 12
    assert workbook["Tiến độ"]["E2"].number_format == "DD/MM/YYYY"


def test_progress_csv_in_2020(leader_client):
    response = leader_client.get("/exports/tien-do-hop-nhat.csv?as_of=2020-06-01&baseline=2015-11-30")
    assert response["Content-Disposition"] == 'attachment; filename="tien-do-hop-nhat_2020-06-01.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[1] == [
        "193",
        "Thành phố Hạ Long",
        "",
        "Hoàn thành",
        "2018-06-01",
        "44-QĐ/TU",
        "demo",
        "Hoàn thành",
        "2018-01-02",
        "DEMO-193-KTTT",
        "demo",
        "Hoàn thành",
        "2018-01-02",
        "DEMO-193-TCNV",
        "demo",
    ]
    assert [r[0] for r in rows[1:]] == [
        "193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207",
    ]  # fmt: skip


def test_unknown_format_is_404(leader_client):
    assert leader_client.get("/exports/bao-cao-bien-che.pdf").status_code == 404


def test_the_dashboard_links_to_the_exports_with_its_period(leader_client):
    from tests.reports.htmltext import text_of

    page = leader_client.get("/" + QUERY).content.decode()
    period = "baseline=30%2F11%2F2015&amp;as_of=01%2F06%2F2020&amp;like_for_like=off"
    assert f'href="/exports/bao-cao-bien-che.xlsx?{period}"' in page
    assert f'href="/exports/tien-do-hop-nhat.csv?{period}"' in page
    assert text_of(page, "export-staffing-xlsx") == "Excel (.xlsx)"


def test_typed_text_is_never_a_formula_in_the_exports(leader_client):
    """OWASP CSV injection: a decision number typed as a formula stays text in .xlsx and .csv."""
    import datetime

    from mergers.models import Decision, Merger

    payload = '=2+3+cmd|"/C calc"!A0'
    typed = Decision.objects.create(
        number=payload, date=datetime.date(2015, 11, 30), issuer="huyen-uy", kind="quyet-dinh", district_id=1
    )
    Merger.objects.filter(programme__code="khoi-mttq", district__code="193").update(decision=typed)
    query = "?baseline=30/11/2015&as_of=27/09/2017"
    workbook = load_workbook(io.BytesIO(leader_client.get("/exports/tien-do-hop-nhat.xlsx" + query).content))
    cells = [cell for row in workbook["Tiến độ"].iter_rows() for cell in row]
    ha_long = [cell for cell in cells if cell.value == payload]
    assert len(ha_long) == 1 and ha_long[0].data_type == "s"
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    text = leader_client.get("/exports/tien-do-hop-nhat.csv" + query).content.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text)) if r[0] == "193")
    assert "'" + payload in row and payload not in row
