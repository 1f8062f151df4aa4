"""The staffing report and the progress matrix as tables, written as CSV or .xlsx (openpyxl).

Headers are Vietnamese; numbers stay numbers, dates stay dates (ISO yyyy-mm-dd in CSV),
missing figures are empty cells, and a "demo" column marks figures that use demo values.
"""

import csv
import datetime
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from reports.selectors import ProgressMatrix, StaffingReport

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEMO = "demo"


def _d(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def staffing_filename(report: StaffingReport, ext: str) -> str:
    suffix = ""
    if report.measure == "actual":
        suffix += "_thuc-te"
    if report.like_for_like:
        suffix += "_cung-dia-ban"
    return f"bao-cao-bien-che_{report.baseline.isoformat()}_{report.as_of.isoformat()}{suffix}.{ext}"


def progress_filename(matrix: ProgressMatrix, ext: str) -> str:
    return f"tien-do-hop-nhat_{matrix.as_of.isoformat()}.{ext}"


def district_note(row, names: dict[str, str], absorbed: dict[str, list] | None = None) -> str:
    """ "Giải thể từ 01/01/2020, sáp nhập vào Thành phố Hạ Long" / "Ngày gốc gồm cả số liệu của Huyện Hoành Bồ"."""
    notes = []
    for other in (absorbed or {}).get(row.district, []):
        notes.append(
            _("Tiếp nhận %(district)s từ %(date)s")
            % {"district": names.get(other.district, other.district), "date": _d(other.dissolved_on)}
        )
    if row.dissolved_on:
        if row.successor:
            notes.append(
                _("Giải thể từ %(date)s, sáp nhập vào %(successor)s")
                % {"date": _d(row.dissolved_on), "successor": names.get(row.successor, row.successor)}
            )
        else:
            notes.append(_("Giải thể từ %(date)s") % {"date": _d(row.dissolved_on)})
    if row.folded:
        notes.append(
            _("Ngày gốc gồm cả số liệu của %(districts)s")
            % {"districts": ", ".join(names.get(c, c) for c in row.folded)}
        )
    return "; ".join(notes)


def staffing_table(
    report: StaffingReport, *, names: dict[str, str], demo_flags: dict[str, tuple[bool, bool]]
) -> tuple[list[str], list[list]]:
    """Headers and rows (one per district, then the province total)."""
    headers = [
        _("Mã GSO"),
        _("Đơn vị"),
        _("Ghi chú"),
        _("Biên chế ngày gốc (%(date)s)") % {"date": _d(report.baseline)},
        _("Biên chế ngày xem (%(date)s)") % {"date": _d(report.as_of)},
        _("Thay đổi (người)"),
        _("Thay đổi (%)"),
        _("Đầu mối ngày gốc"),
        _("Đầu mối ngày xem"),
        _("Thay đổi đầu mối"),
        _("Số liệu minh họa (demo)"),
    ]
    rows, any_demo = [], False
    absorbed: dict[str, list] = {}
    for row in report.rows:
        if row.dissolved_on and row.successor and not row.active_current:  # absorbed inside the window
            absorbed.setdefault(row.successor, []).append(row)
    for row in report.rows:
        codes = [row.district, *row.folded]
        demo = any(
            (demo_flags.get(c, (False, False))[0] and row.headcount_baseline is not None)
            or (demo_flags.get(c, (False, False))[1] and row.headcount_current is not None)
            for c in codes
        )
        any_demo = any_demo or demo
        rows.append(
            [
                row.district,
                row.name,
                district_note(row, names, absorbed) or None,
                row.headcount_baseline,
                row.headcount_current,
                row.change,
                row.change_pct,
                row.agencies_baseline,
                row.agencies_current,
                row.agencies_change,
                DEMO if demo else None,
            ]
        )
    total = report.total
    rows.append(
        [
            "",
            _("Toàn tỉnh"),
            _("Tổng các đơn vị đang hoạt động vào từng ngày"),
            total["headcount_baseline"],
            total["headcount_current"],
            total["change"],
            total["change_pct"],
            total["agencies_baseline"],
            total["agencies_current"],
            total["agencies_change"],
            DEMO if any_demo else None,
        ]
    )
    return headers, rows


def progress_table(matrix: ProgressMatrix, *, names: dict[str, str]) -> tuple[list[str], list[list]]:
    """Headers and rows: one row per district, four columns per programme."""
    headers = [_("Mã GSO"), _("Đơn vị"), _("Ghi chú")]
    for programme in matrix.programmes:
        headers += [
            _("%(programme)s: giai đoạn") % {"programme": programme.code},
            _("%(programme)s: ngày") % {"programme": programme.code},
            _("%(programme)s: số quyết định") % {"programme": programme.code},
            _("%(programme)s: minh họa (demo)") % {"programme": programme.code},
        ]
    rows = []
    for row in matrix.rows:
        district = row.district
        note = None
        if district.dissolved_on:
            note = _("Giải thể từ %(date)s, sáp nhập vào %(successor)s") % {
                "date": _d(district.dissolved_on),
                "successor": names.get(district.successor.code, district.successor.code) if district.successor else "",
            }
        values = [district.code, district.full_name, note or None]
        for cell in row.cells:
            demo = DEMO if cell.is_demo else None
            values += [cell.stage_label or None, cell.stage_on, cell.decision_number or None, demo]
        rows.append(values)
    return headers, rows


def notes_rows(*pairs) -> list[list]:
    return [[_("Mục"), _("Giá trị")], *[list(p) for p in pairs]]


def csv_response(headers: list[str], rows: list[list], filename: str) -> HttpResponse:
    response = HttpResponse(content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that Excel reads UTF-8
    writer = csv.writer(response)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, datetime.date) else v) for v in row])
    return response


def xlsx_response(
    headers: list[str], rows: list[list], filename: str, *, sheet_title: str, notes: list[list]
) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(cell.value, float):
                cell.number_format = "0.00"
    sheet.freeze_panes = "C2"
    for letter, width in (("A", 10), ("B", 28), ("C", 40)):
        sheet.column_dimensions[letter].width = width
    info = workbook.create_sheet(_("Ghi chú"))
    for row in notes:
        info.append(row)
    for cell in info[1]:
        cell.font = Font(bold=True)
    for column in info.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    info.column_dimensions["A"].width = 30
    info.column_dimensions["B"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
