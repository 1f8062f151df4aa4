"""A district's headcounts in .xlsx workbooks: the template to fill in, and the upload
(the pages /headcounts/template/ and /headcounts/import/).

`template_workbook` writes the template, pre-filled with a district's agencies on a date.
The upload is read in three steps, each refusing with a message the editor can act on:

1. `check_limits`: before openpyxl sees the file, the upload's size, its zip members' declared
   uncompressed sizes and their total, and the number of members (settings
   HEADCOUNT_IMPORT_*). Python's zipfile never inflates a member beyond its declared size
   (and checks its CRC), so these bounds hold for everything read afterwards: a
   shared-strings or "zip bomb" file is refused in milliseconds. Then the members' XML is
   streamed through expat, counting rows, cells per row and shared strings, stopping at the
   first over the limit (HEADCOUNT_IMPORT_MAX_ROWS, _COLUMNS).
2. `read_headcount_file`: openpyxl in read-only streaming mode; rows are read one at a time
   and reading stops at the row limit. Every cell is checked: a count is a whole number
   written as digits ("12", 12 or 12.0), not "12,5", 1.5, "1.000", "mười", a negative number
   or one above services.MAX_HEADCOUNT. Each bad cell is named by its line and column.
3. `import_headcounts`: the rows go to services.headcount_record_many, which checks the
   rules of the domain; nothing is saved unless every row of the file is good, and every
   problem of the file is listed in the one answer.
"""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.cell import range_boundaries

from core.spreadsheet import safe_cell, safe_filename
from districts.models import District
from figures.selectors import agencies_with_headcount_on
from mergers import services
from mergers.models import Agency, HeadcountRecord

COLUMNS = ("id", "name", "authorised", "actual")
TEMPLATE_HEADERS = (
    _("Mã số cơ quan"),
    _("Tên cơ quan"),
    _("Biên chế được giao"),
    _("Số người làm việc thực tế"),
)
# Beside the data, for the reader: written in the pre-filled template, never read back.
TEMPLATE_INFO_HEADERS = (_("Loại cơ quan"), _("Đơn vị"))
COLUMN_LABELS = dict(zip(COLUMNS, TEMPLATE_HEADERS, strict=True))

MSG_BAD_FILE = _("Không đọc được tệp Excel này.")
MSG_EMPTY_FILE = _("Tệp không có dòng số liệu nào.")
MSG_FILE_TOO_LARGE = _("Tệp quá lớn: tối đa %(limit)s MB.")
MSG_MEMBER_TOO_LARGE = _("Tệp Excel khi giải nén quá lớn: phần “%(name)s” vượt quá %(limit)s MB.")
MSG_TOTAL_TOO_LARGE = _("Tệp Excel khi giải nén quá lớn: tối đa %(limit)s MB.")
MSG_TOO_MANY_MEMBERS = _("Tệp Excel có quá nhiều thành phần: tối đa %(limit)s.")
MSG_TOO_MANY_ROWS = _("Tệp có quá nhiều dòng: tối đa %(limit)s dòng số liệu.")
MSG_TOO_MANY_COLUMNS = _("Tệp có quá nhiều cột: tối đa %(limit)s cột.")
MSG_TOO_MANY_STRINGS = _("Tệp có quá nhiều ô chữ: tối đa %(limit)s ô.")
MSG_NOT_A_NUMBER = _("Dòng %(line)s, cột «%(column)s»: «%(value)s» không phải là số nguyên.")
MSG_NEGATIVE = _("Dòng %(line)s, cột «%(column)s»: «%(value)s» là số âm; số liệu không được âm.")
MSG_TOO_LARGE = _("Dòng %(line)s, cột «%(column)s»: «%(value)s» lớn hơn mức tối đa %(max)s.")
MSG_AGENCY_ID_MISSING = _("Dòng %(line)s, cột «%(column)s»: thiếu mã số cơ quan.")
MSG_UNKNOWN_AGENCY = _("Không tìm thấy cơ quan mã số %(id)s.")

_DIGITS = re.compile(r"[0-9]+")
_NEGATIVE_DIGITS = re.compile(r"-[0-9]+")
_MB = 1024 * 1024


class ImportRefused(Exception):
    """The file as a whole cannot be read (too large, not a workbook): one message for the file field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class CellError(ValueError):
    """A cell that is not a headcount; its message names the line and the column."""


@dataclass
class ParsedRow:
    line: int
    name: str
    agency_id: int | None = None
    authorised: int | None = None
    actual: int | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did: the records saved, or why nothing was saved."""

    saved: list[HeadcountRecord] = field(default_factory=list)
    bad_rows: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (line, agency name, reasons)
    file_errors: list[str] = field(default_factory=list)
    source_errors: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (line, agency name, warnings)

    @property
    def ok(self) -> bool:
        return not (self.bad_rows or self.file_errors or self.source_errors or self.warnings)


# --- the template -----------------------------------------------------------------------------


def template_workbook(district: District | None = None, as_of: datetime.date | None = None) -> tuple[bytes, str]:
    """The template (.xlsx content, file name); with a district and a date, one row per agency
    active that day with its figures, its name and its type beside its id (only the first four
    columns are read back). Every text passes through safe_cell."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = gettext("Biên chế")
    sheet.append([str(h) for h in (*TEMPLATE_HEADERS, *TEMPLATE_INFO_HEADERS)])
    for column, width in zip("ABCDEF", (16, 60, 22, 28, 40, 24), strict=True):
        sheet.column_dimensions[column].width = width
    name = "bien-che-mau.xlsx"
    if district is not None and as_of is not None:
        agencies = agencies_with_headcount_on(as_of, district=district).select_related("agency_type")
        for agency in agencies.order_by("agency_type__sector", "name"):
            sheet.append(
                [
                    agency.pk,
                    safe_cell(agency.name),
                    agency.authorised_on,
                    agency.actual_on,
                    safe_cell(agency.agency_type.name),
                    safe_cell(district.full_name),
                ]
            )
        name = f"bien-che-{district.code}-{as_of:%Y-%m-%d}.xlsx"
    notes = workbook.create_sheet(gettext("Hướng dẫn"))
    for line in (
        gettext("Mỗi dòng là một cơ quan; giữ nguyên cột “Mã số cơ quan”."),
        gettext("Nhập số nguyên không âm; để trống cả hai cột nếu không có số liệu."),
        gettext("Các cột “Loại cơ quan” và “Đơn vị” chỉ để đối chiếu; khi nhập, chỉ bốn cột đầu được đọc."),
        gettext("Tệp chỉ được lưu khi mọi dòng đều hợp lệ."),
    ):
        notes.append([safe_cell(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), name


# --- 1. limits --------------------------------------------------------------------------------


def _mb(limit: int) -> str:
    return f"{limit / _MB:g}".replace(".", ",")


def check_limits(upload) -> None:
    """Refuse an upload whose size or zip contents exceed the limits, before it is parsed."""
    if upload.size is not None and upload.size > settings.HEADCOUNT_IMPORT_MAX_BYTES:
        raise ImportRefused(MSG_FILE_TOO_LARGE % {"limit": _mb(settings.HEADCOUNT_IMPORT_MAX_BYTES)})
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRefused(MSG_BAD_FILE) from exc
    finally:
        upload.seek(0)
    if len(members) > settings.HEADCOUNT_IMPORT_MAX_MEMBERS:
        raise ImportRefused(MSG_TOO_MANY_MEMBERS % {"limit": settings.HEADCOUNT_IMPORT_MAX_MEMBERS})
    for member in members:
        if member.file_size > settings.HEADCOUNT_IMPORT_MAX_MEMBER_BYTES:
            raise ImportRefused(
                MSG_MEMBER_TOO_LARGE
                % {"name": member.filename[:80], "limit": _mb(settings.HEADCOUNT_IMPORT_MAX_MEMBER_BYTES)}
            )
    if sum(m.file_size for m in members) > settings.HEADCOUNT_IMPORT_MAX_TOTAL_BYTES:
        raise ImportRefused(MSG_TOTAL_TOO_LARGE % {"limit": _mb(settings.HEADCOUNT_IMPORT_MAX_TOTAL_BYTES)})
    try:
        with zipfile.ZipFile(upload) as archive:
            _scan(archive, [m for m in members if m.filename.lower().endswith((".xml", ".rels"))])
    except ImportRefused:
        raise
    except Exception as exc:  # a damaged member (bad CRC, bad XML)
        raise ImportRefused(MSG_BAD_FILE) from exc
    finally:
        upload.seek(0)


class _Scan:
    """Counts rows, cells per row and shared strings as the XML streams by; stops at a limit.

    openpyxl reads a sheet without a declared size to its end just to size it, and keeps every
    shared string in memory: a sheet of millions of rows or strings must be refused before
    openpyxl opens the file. Expat calls back on each start tag and builds no tree, so this
    costs no memory and stops at the first row or string over the limit.
    """

    def __init__(self):
        self.max_rows = settings.HEADCOUNT_IMPORT_MAX_ROWS
        self.max_columns = settings.HEADCOUNT_IMPORT_MAX_COLUMNS
        self.max_strings = self.max_rows * self.max_columns
        self.strings = 0

    def too_many_rows(self):
        return ImportRefused(MSG_TOO_MANY_ROWS % {"limit": services.format_count(self.max_rows)})

    def too_many_columns(self):
        return ImportRefused(MSG_TOO_MANY_COLUMNS % {"limit": self.max_columns})

    def member(self, stream) -> None:
        rows = cells = 0

        def start(name, attrs):
            nonlocal rows, cells
            tag = name.rsplit(" ", 1)[-1]
            if tag == "c":
                cells += 1
                if cells > self.max_columns:
                    raise self.too_many_columns()
            elif tag == "row":
                rows, cells = rows + 1, 0
                index = attrs.get("r", "")
                if rows > self.max_rows + 1 or (index.isdigit() and int(index) > self.max_rows + 1):
                    raise self.too_many_rows()
            elif tag == "si":
                self.strings += 1
                if self.strings > self.max_strings:
                    raise ImportRefused(MSG_TOO_MANY_STRINGS % {"limit": services.format_count(self.max_strings)})
            elif tag == "dimension":
                self.dimension(attrs.get("ref", ""))

        def doctype(*args):
            raise ImportRefused(MSG_BAD_FILE)  # no DTD in a workbook: no entity expansion either

        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = doctype
        while chunk := stream.read(1 << 16):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def dimension(self, ref: str) -> None:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
        except (TypeError, ValueError):
            return  # openpyxl will say whether it can read the sheet
        if max_row is not None and max_row > self.max_rows + 1:
            raise self.too_many_rows()
        if max_col is not None and max_col > self.max_columns:
            raise self.too_many_columns()


def _scan(archive: zipfile.ZipFile, members) -> None:
    scan = _Scan()
    for member in members:
        with archive.open(member) as stream:
            scan.member(stream)


# --- 2. cells ---------------------------------------------------------------------------------


def _shown(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:39]}…"


def cell_count(value, *, line: int, column: str) -> int | None:
    """A headcount cell: None when blank; CellError unless a whole number from 0 to MAX_HEADCOUNT.

    Accepted: an integer, an integral float (10.0, as spreadsheets store numbers), or digits
    as text ("12", " 12 "). Refused: "12,5", 1.5, "1.000" (is that one thousand or one?),
    "mười", a boolean, a date, a negative number, a number above MAX_HEADCOUNT.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    params = {"line": line, "column": COLUMN_LABELS[column], "value": _shown(value)}
    number = None
    if isinstance(value, bool | datetime.date | datetime.time | datetime.timedelta):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value) if value.is_integer() else None
    elif isinstance(value, str):
        text = value.strip()
        if _DIGITS.fullmatch(text) or _NEGATIVE_DIGITS.fullmatch(text):
            number = int(text)
    if number is None:
        raise CellError(MSG_NOT_A_NUMBER % params)
    if number < 0:
        raise CellError(MSG_NEGATIVE % params)
    if number > services.MAX_HEADCOUNT:
        raise CellError(MSG_TOO_LARGE % {**params, "max": services.format_count(services.MAX_HEADCOUNT)})
    return number


def parse_row(line: int, values: tuple) -> ParsedRow:
    values = tuple(values[: len(COLUMNS)]) + (None,) * (len(COLUMNS) - len(values))
    raw = dict(zip(COLUMNS, values, strict=True))
    row = ParsedRow(line=line, name=str(raw["name"] or "").strip()[:255])
    for column in ("id", "authorised", "actual"):
        try:
            number = cell_count(raw[column], line=line, column=column)
        except CellError as exc:
            row.reasons.append(str(exc))
            continue
        setattr(row, "agency_id" if column == "id" else column, number)
    if raw["id"] is None or (isinstance(raw["id"], str) and not raw["id"].strip()):
        row.reasons.append(str(MSG_AGENCY_ID_MISSING % {"line": line, "column": COLUMN_LABELS["id"]}))
    return row


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_headcount_file(upload) -> list[ParsedRow]:
    """The data rows of the first sheet (line numbers as Excel shows them), each with its reasons.

    Raises ImportRefused when the file is over a limit or is not a workbook openpyxl can read.
    """
    check_limits(upload)
    limits = _Scan()
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged file
        raise ImportRefused(MSG_BAD_FILE) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        # Streamed row by row; the count is checked again here, as openpyxl fills gaps in row numbers.
        for line, values in enumerate(sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True), start=1):
            if line > limits.max_rows + 1:  # the header and max_rows data rows
                raise limits.too_many_rows()
            if len(values) > limits.max_columns and not _blank(values[limits.max_columns :]):
                raise limits.too_many_columns()
            if line == 1 or _blank(values):
                continue
            rows.append(parse_row(line, values))
        return rows
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(MSG_BAD_FILE) from exc
    finally:
        workbook.close()


# --- 3. the import ----------------------------------------------------------------------------


def _messages(errors) -> list[str]:
    return [str(m) for m in ValidationError(errors).messages]


def import_headcounts(
    *,
    upload,
    district: District,
    as_of: datetime.date,
    source: str,
    source_kind: str,
    confirm: bool = False,
    user,
) -> ImportResult:
    """Check every row of `upload`, then record them all through headcount_record_many, or none.

    The records' source is `source`, or else the file's name, sanitised (safe_filename).
    """
    result = ImportResult()
    try:
        parsed = read_headcount_file(upload)
    except ImportRefused as refused:
        result.file_errors.append(str(refused.message))
        return result
    if not parsed:
        result.file_errors.append(str(MSG_EMPTY_FILE))
    agencies = Agency.objects.select_related("district").in_bulk({r.agency_id for r in parsed if r.agency_id})
    rows, lines = [], []
    for row in parsed:
        agency = agencies.get(row.agency_id) if row.agency_id is not None else None
        if row.agency_id is not None and agency is None:
            row.reasons.append(str(MSG_UNKNOWN_AGENCY % {"id": row.agency_id}))
        if row.reasons:
            result.bad_rows.append((row.line, row.name, row.reasons))
            continue
        if row.authorised is None and row.actual is None:
            continue  # nothing to record for that agency
        rows.append({"agency": agency, "authorised": row.authorised, "actual": row.actual})
        lines.append(row)

    arguments = {
        "district": district,
        "as_of": as_of,
        "rows": rows,
        "source": source or safe_filename(getattr(upload, "name", "")),
        "confirm": confirm,
        "user": user,
    }
    try:
        if result.ok:
            result.saved = services.headcount_record_many(source_kind=source_kind, **arguments)
        else:  # some lines could not be read: the others are checked all the same, and all listed
            services.validate_headcount_many(**arguments)
    except services.HeadcountWarnings as exc:
        if result.ok:  # warnings matter once the file is otherwise good
            result.warnings = _by_line(exc.warnings(), lines)
    except ValidationError as exc:
        for key, errors in services.row_errors(exc.error_dict)[1].items():
            if key == "rows" and not result.ok:
                continue  # "no rows" while bad rows are listed says nothing new
            (result.source_errors if key == "source" else result.file_errors).extend(_messages(errors))
        result.bad_rows.extend(_by_line(exc.error_dict, lines))
    result.bad_rows.sort(key=lambda item: item[0])
    return result


def _by_line(error_dict: dict, lines: list[ParsedRow]) -> list[tuple[int, str, list[str]]]:
    """The service's "rows.<i>.<field>" keys, as (line, agency name, messages) of the file."""
    rows, _others = services.row_errors(error_dict)
    return [
        (lines[i].line, lines[i].name, [m for errors in fields.values() for m in _messages(errors)])
        for i, fields in sorted(rows.items())
    ]
