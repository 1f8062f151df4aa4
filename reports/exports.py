"""The staffing report and the progress matrix as tables, written as CSV or .xlsx (openpyxl).

Headers are Vietnamese; numbers stay numbers, dates stay dates (ISO yyyy-mm-dd in CSV),
missing figures are empty cells, and a "demo" column marks figures that use demo values.
No text is ever a formula: CSV cells that could be read as one are escaped (safe_cell), and
.xlsx cells are stored as text.
"""

import csv
import datetime
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core.dates import fmt_date
from core.spreadsheet import safe_cell
from reports.selectors import ProgressMatrix, Reconciliation, StaffingReport, reconciliation_terms

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEMO = "demo"


def _d(day: datetime.date | None) -> str:
    return fmt_date(day)


def staffing_filename(report: StaffingReport, ext: str) -> str:
    suffix = ""
    if report.measure == "actual":
        suffix += "_thuc-te"
    if report.like_for_like:
        suffix += "_cung-dia-ban"
    return f"bao-cao-bien-che_{report.baseline.isoformat()}_{report.as_of.isoformat()}{suffix}.{ext}"


def progress_filename(matrix: ProgressMatrix, ext: str) -> str:
    return f"tien-do-hop-nhat_{matrix.as_of.isoformat()}.{ext}"


def staffing_table(report: StaffingReport) -> tuple[list[str], list[list]]:
    """Headers and rows (one per district, then the total), from the report's named fields."""
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
        _("Cơ quan thiếu số liệu"),
    ]
    rows = [
        [
            row.district,
            row.name,
            row.note or None,
            row.headcount_baseline,
            row.headcount_current,
            row.change,
            row.change_pct,
            row.agencies_baseline,
            row.agencies_current,
            row.agencies_change,
            DEMO if row.demo else None,
            _missing_text(row) or None,
        ]
        for row in [*report.rows, report.total]
    ]
    return headers, rows


def _missing_text(row) -> str:
    """ "01/01/2020: Ban Tổ chức Huyện ủy (193)"; the agencies without a record on each date."""
    parts = []
    for day, missing in ((row.baseline.on, row.missing_baseline), (row.current.on, row.missing_current)):
        if missing:
            names = ", ".join(f"{a.name} ({a.district})" for a in missing)
            parts.append(f"{_d(day)}: {names}")
    return "; ".join(parts)


def progress_table(matrix: ProgressMatrix, *, names: dict[str, str]) -> tuple[list[str], list[list]]:
    """Headers and rows: one row per district, four columns per programme."""
    headers = [_("Mã GSO"), _("Đơn vị"), _("Ghi chú")]
    for programme in matrix.programmes:
        headers += [
            _("%(programme)s: giai đoạn") % {"programme": programme.display_name},
            _("%(programme)s: ngày") % {"programme": programme.display_name},
            _("%(programme)s: số quyết định") % {"programme": programme.display_name},
            _("%(programme)s: minh họa (demo)") % {"programme": programme.display_name},
        ]
    rows = []
    for row in matrix.rows:
        district = row.district
        note = None
        if district.dissolved_on and district.dissolved_on <= matrix.as_of:  # not yet known on an earlier date
            if district.successor:
                note = _("Giải thể từ %(date)s, sáp nhập vào %(successor)s") % {
                    "date": _d(district.dissolved_on),
                    "successor": names.get(district.successor.code, district.successor.code),
                }
            elif district.successor_province:
                note = _("Giải thể từ %(date)s, chức năng chuyển về tỉnh %(province)s") % {
                    "date": _d(district.dissolved_on),
                    "province": district.successor_province.name,
                }
            else:
                note = _("Giải thể từ %(date)s") % {"date": _d(district.dissolved_on)}
        values = [district.code, district.full_name, note or None]
        for cell in row.cells:
            demo = DEMO if cell.is_demo else None
            values += [cell.stage_label or None, cell.stage_on, cell.decision_number or None, demo]
        rows.append(values)
    return headers, rows


def focal_points_filename(rec: Reconciliation, ext: str) -> str:
    scope = f"_{rec.district}" if rec.district else ""
    return f"doi-chieu-dau-moi{scope}_{rec.start.isoformat()}_{rec.end.isoformat()}.{ext}"


def focal_points_table(rec: Reconciliation) -> tuple[list[str], list[list]]:
    """The reconciliation: one line per cause (the sum first), then one row per agency of each term."""
    headers = [
        _("Mục"),
        _("Mã cơ quan"),
        _("Cơ quan"),
        _("Mã GSO"),
        _("Ngày"),
        _("Nguyên nhân"),
        _("Đề án"),
        _("Quyết định"),
        _("Cơ quan tiếp nhận"),
        _("Mã cơ quan tiếp nhận"),
        _("Tỉnh tiếp nhận chức năng"),
        _("Số lượng"),
    ]
    summary = _("%(start)s + %(established)s − %(merged)s − %(dissolved)s = %(end)s") % {
        "start": rec.start_count,
        "established": len(rec.established),
        "merged": len(rec.merged_away),
        "dissolved": len(rec.dissolved),
        "end": rec.end_count,
    }
    rows = [[_("Đối chiếu"), None, summary, None, None, None, None, None, None, None, None, rec.change]]
    for cause in rec.causes:
        rows.append(
            [_("Nguyên nhân"), None, cause.label, None, None, cause.cause, cause.programme, cause.decision, None, None,
             None, cause.net]
        )  # fmt: skip
    for _key, title, agencies in reconciliation_terms(rec):
        rows.append([title, None, None, None, None, None, None, None, None, None, None, len(agencies)])
        for a in agencies:
            rows.append(
                [
                    title,
                    a.id,
                    a.name,
                    a.district,
                    a.on,
                    a.cause or None,
                    a.programme,
                    a.decision,
                    a.successor.name if a.successor else None,
                    a.successor.id if a.successor else None,
                    a.successor_province,
                    None,
                ]
            )
    return headers, rows


def notes_rows(*pairs) -> list[list]:
    return [[_("Mục"), _("Giá trị")], *[list(p) for p in pairs]]


def _as_text(cell) -> None:
    """Text stays text: openpyxl stores a string starting with "=" as a formula, which the
    spreadsheet would run (OWASP formula injection). The exact text is kept, never evaluated."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"


def csv_response(headers: list[str], rows: list[list], filename: str) -> HttpResponse:
    response = HttpResponse(content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that Excel reads UTF-8
    writer = csv.writer(response)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            ["" if v is None else (v.isoformat() if isinstance(v, datetime.date) else safe_cell(v)) for v in row]
        )
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
            _as_text(cell)
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
    for column in info.iter_cols():
        for cell in column:
            _as_text(cell)
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
