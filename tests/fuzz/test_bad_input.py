"""Bad input through the forms, the import and the API: a clear refusal, never a 500, nothing written.

Over-long strings, control characters (NUL, which PostgreSQL refuses in text, and others),
numbers beyond PostgreSQL's integer, dates that date arithmetic or the reports cannot
handle, malformed Excel files. Each case names the field refused and its message.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

from mergers import services
from tests.security.conftest import HOME, token_client
from tests.security.snapshot import snapshot

HOME_AGENCY = 7
HUGE = 10**20  # beyond PostgreSQL's integer and SQLite's 64 bits
BIG = 2_147_483_648  # PostgreSQL's integer + 1
DATE_RANGE = str(services.MSG_DATE_OUT_OF_RANGE)
TOO_LARGE = str(services.MSG_TOO_LARGE) % {"max": "100.000"}
CONTROL = str(services.MSG_CONTROL_CHARACTER)
NUL = "Dữ liệu không được chứa ký tự null."  # Django's and DRF's refusal of "\x00", in Vietnamese
LONG_255 = "Giá trị này chỉ có tối đa 255 kí tự (hiện có 300)"  # Django's form message, as translated
MAX_INT = "Giá trị phải nhỏ hơn hoặc bằng 100000."  # DRF's message, in the project's Vietnamese catalogue


@pytest.fixture
def web(client, limited):
    client.force_login(limited)
    return client


@pytest.fixture
def api(limited):
    return token_client(limited)


@pytest.fixture
def province_web(quang_ninh, client, editor):
    """Programmes are province-wide: a province-wide editor writes them (issue 13), choosing
    among the shipped agency types (ids 1-3: the MTTQ, the Women's Union, the Youth Union)."""
    client.force_login(editor)
    return client


def form_token(web, url, params=None) -> str:
    """The one-time token a creation form carries (a double submit creates one record)."""
    return web.get(url, params or {}).context["form"]["form_token"].value()


def field_errors(response, form="form") -> dict:
    assert response.status_code == 200, response.status_code
    return {name: [str(m) for m in errors] for name, errors in response.context[form].errors.items()}


# --- forms ----------------------------------------------------------------------------------

AGENCY = {
    "district": HOME,
    "agency_type": 1,
    "name": "Cơ quan thử",
    "established_on": "01/01/2021",
    "form_token": "tok",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "x" * 300}, "name", LONG_255),
        ({"name": "Cơ quan\x00"}, "name", "Null characters are not allowed."),
        ({"name": "Cơ quan\x07 thử"}, "name", CONTROL),
        ({"name": "Cơ quan\nthử"}, "name", CONTROL),
        ({"established_on": "01/01/0001"}, "established_on", DATE_RANGE),
        ({"dissolved_on": "31/12/9999"}, "dissolved_on", DATE_RANGE),
        ({"established_on": "32/13/2020"}, "established_on", "Nhập một ngày hợp lệ."),
    ],
)
def test_agency_form_refuses(web, changes, field, message):
    before = snapshot()
    url = reverse("registry:agency_add")
    errors = field_errors(web.post(url, {**AGENCY, "form_token": form_token(web, url), **changes}))
    assert errors[field] == [message]
    assert snapshot() == before


PROGRAMME = {"code": "de-an-thu", "name": "Đề án thử", "source_types": [1, 2], "result_type": 3, "form_token": "t"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "Đề án\x1b"}, "name", CONTROL),
        ({"description": "Mô tả\x00"}, "description", "Null characters are not allowed."),
        ({"decision_number": "1\x01"}, "decision_number", CONTROL),
        ({"decided_on": "01/01/0001"}, "decided_on", DATE_RANGE),
    ],
)
def test_programme_form_refuses(province_web, changes, field, message):
    web = province_web
    before = snapshot()
    url = reverse("registry:programme_add")
    errors = field_errors(web.post(url, {**PROGRAMME, "form_token": form_token(web, url), **changes}))
    assert errors[field] == [message]
    assert snapshot() == before


def test_programme_form_keeps_line_breaks_in_the_description(province_web):
    web = province_web
    url = reverse("registry:programme_add")
    body = {**PROGRAMME, "form_token": form_token(web, url), "description": "Dòng 1\r\nDòng 2\tx"}
    response = web.post(url, body)
    assert response.status_code == 302
    from mergers.models import Programme

    assert Programme.objects.get(code="de-an-thu").description == "Dòng 1\r\nDòng 2\tx"


@pytest.mark.parametrize(
    ("operation", "body", "field", "message"),
    [
        ("advance", {"status": "approved", "on": "31/12/9999"}, "on", DATE_RANGE),
        ("advance", {"status": "approved", "on": "01/01/0001"}, "on", DATE_RANGE),
        (
            "advance",
            {"status": "approved", "on": "01/04/2021", "note": "a\x00"},
            "note",
            "Null characters are not allowed.",
        ),
        ("advance", {"status": "approved", "on": "01/04/2021", "note": "a\x08"}, "note", CONTROL),
        ("cancel", {"on": "01/01/0001"}, "on", DATE_RANGE),
        ("complete", {"effective_on": "31/12/9999"}, "effective_on", DATE_RANGE),
        ("complete", {"effective_on": "01/05/2021", "headcount_after": str(HUGE)}, "headcount_after", TOO_LARGE),
        ("complete", {"effective_on": "01/05/2021", "actual_after": str(BIG)}, "actual_after", TOO_LARGE),
        ("complete", {"effective_on": "01/05/2021", "result_name": "x" * 300}, "result_name", LONG_255),
        ("complete", {"effective_on": "01/05/2021", "result_name": "Tên\x7f"}, "result_name", CONTROL),
    ],
)
@pytest.mark.parametrize("confirm", ["", "on"])
def test_merger_operation_forms_refuse(web, open_mergers, operation, body, field, message, confirm):
    merger = open_mergers.home
    before = snapshot()
    url = reverse(f"registry:merger_{operation}", args=[merger.pk])
    errors = field_errors(web.post(url, {**body, "version": merger.version, "confirm": confirm}))
    assert errors[field] == [message]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"decided_on": "01/01/0001"}, "decided_on", DATE_RANGE),
        ({"decision_number": "12\x00"}, "decision_number", "Null characters are not allowed."),
        ({"decision_number": "1\x0b2"}, "decision_number", CONTROL),
        ({"note": "x\x00"}, "note", "Null characters are not allowed."),
    ],
)
def test_merger_create_form_refuses(web, open_mergers, changes, field, message):
    merger = open_mergers.home
    sources = list(merger.source_agencies.values_list("pk", flat=True))
    merger.delete()
    before = snapshot()
    body = {
        "programme": "test-ab",
        "district": HOME,
        "source_agencies": sources,
        "decision_number": "12-QĐ",
        "decided_on": "01/03/2021",
        "form_token": form_token(
            web, reverse("registry:merger_add"), {"decided_on": "01/03/2021", "programme": "test-ab", "district": HOME}
        ),
        **changes,
    }
    errors = field_errors(web.post(reverse("registry:merger_add"), body))
    assert errors[field] == [message]
    assert snapshot() == before


def entry_body(web, as_of) -> dict:
    """The entry form of Hạ Long on `as_of` as the page offers it, every row as pre-filled."""
    response = web.get(reverse("registry:headcount_entry"), {"district": HOME, "as_of": as_of})
    formset = response.context["formset"]
    body = {"district": HOME, "as_of": as_of, "source": "x", "source_kind": "official"}
    body |= {f"form-{key}": value for key, value in formset.management_form.initial.items()}
    for i, initial in enumerate(formset.initial):
        body |= {f"form-{i}-{key}": "" if value is None else value for key, value in initial.items()}
    return body


@pytest.mark.parametrize(
    ("value", "message"),
    [(str(HUGE), TOO_LARGE), (str(BIG), TOO_LARGE), ("-1", str(services.MSG_NEGATIVE))],
)
def test_headcount_entry_refuses_numbers_out_of_range(web, value, message):
    body = entry_body(web, "01/01/2021")
    index = next(i for i in range(int(body["form-TOTAL_FORMS"])) if body[f"form-{i}-agency"] == HOME_AGENCY)
    body[f"form-{index}-authorised"] = value
    before = snapshot()
    response = web.post(reverse("registry:headcount_entry"), body)
    assert response.status_code == 200
    assert [str(m) for m in response.context["formset"].forms[index].errors["authorised"]] == [message]
    assert snapshot() == before


def test_headcount_entry_refuses_a_date_out_of_range(web):
    response = web.get(reverse("registry:headcount_entry"), {"district": HOME, "as_of": "01/01/0001"})
    assert response.status_code == 200
    before = snapshot()
    body = {"district": HOME, "as_of": "31/12/9999", "source": "x", "source_kind": "official"}
    response = web.post(
        reverse("registry:headcount_entry"), {**body, "form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"}
    )
    assert response.status_code in (200, 302)
    assert snapshot() == before


# --- the Excel import -----------------------------------------------------------------------


def upload(content: bytes, name="bien-che.xlsx") -> io.BytesIO:
    out = io.BytesIO(content)
    out.name = name
    return out


def workbook(rows, header=True) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if header:
        sheet.append(["ID", "Cơ quan", "Biên chế được giao", "Thực tế"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


IMPORT = {"district": HOME, "as_of": "01/01/2021", "source": "", "source_kind": "official"}


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload(b"PK\x03\x04 this is no zip file"), "MSG_BAD_FILE"),
        (upload(b"\x00" * 1000), "MSG_BAD_FILE"),
        (upload(b""), "Tập tin được gửi là rỗng."),
        (upload(b"a,b\n1,2\n", name="bien-che.csv"), "MSG_XLSX_ONLY"),
        (upload(workbook([], header=False)), "MSG_EMPTY_FILE"),
        (upload(workbook([])), "MSG_EMPTY_FILE"),
        (upload(workbook([], header=True)[:500]), "MSG_BAD_FILE"),  # truncated
    ],
    ids=["corrupt-zip", "nul-bytes", "empty", "csv", "blank-sheet", "header-only", "truncated"],
)
def test_import_refuses_malformed_files(web, file, message):
    from registry import forms, imports

    expected = str(getattr(imports, message, None) or getattr(forms, message, message))
    before = snapshot()
    response = web.post(reverse("registry:headcount_import"), {**IMPORT, "file": file})
    assert field_errors(response)["file"] == [expected]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ([HOME_AGENCY, "", HUGE, 1], "Dòng 2, cột «Biên chế được giao»: «1e+20» lớn hơn mức tối đa 100.000."),
        ([HOME_AGENCY, "", BIG, 1], f"Dòng 2, cột «Biên chế được giao»: «{BIG}» lớn hơn mức tối đa 100.000."),
        ([HOME_AGENCY, "", 1, -5], "Dòng 2, cột «Số người làm việc thực tế»: «-5» là số âm; số liệu không được âm."),
    ],
)
def test_import_refuses_numbers_out_of_range(web, row, reason):
    before = snapshot()
    response = web.post(reverse("registry:headcount_import"), {**IMPORT, "file": upload(workbook([row]))})
    assert response.status_code == 200
    assert [(line, reasons) for line, _, reasons in response.context["bad_rows"]] == [(2, [reason])]
    assert snapshot() == before


def test_import_refuses_a_huge_file_row_by_row_without_a_500(web):
    before = snapshot()
    rows = [[HOME_AGENCY, "", 5, 5]] + [[10_000_000 + i, "", 1, 1] for i in range(3000)]
    response = web.post(reverse("registry:headcount_import"), {**IMPORT, "file": upload(workbook(rows))})
    assert response.status_code == 200
    assert len(response.context["bad_rows"]) == 3000
    assert snapshot() == before


def test_import_refuses_a_date_out_of_range(web):
    before = snapshot()
    body = {**IMPORT, "as_of": "31/12/9999", "file": upload(workbook([[HOME_AGENCY, "", 5, 5]]))}
    response = web.post(reverse("registry:headcount_import"), body)
    assert response.status_code == 200
    assert snapshot() == before


# --- the API --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "body", "field", "message"),
    [
        (
            "post",
            "/api/v1/agencies/",
            {"name": "x" * 300},
            "name",
            "Trường này có tối đa 255 ký tự.",
        ),
        ("post", "/api/v1/agencies/", {"name": "Tên\x00"}, "name", "Null characters are not allowed."),
        ("post", "/api/v1/agencies/", {"name": "Tê\x1fn"}, "name", CONTROL),
        ("post", "/api/v1/agencies/", {"established_on": "0001-01-01"}, "established_on", DATE_RANGE),
        ("post", "/api/v1/agencies/", {"dissolved_on": "9999-12-31"}, "dissolved_on", DATE_RANGE),
        ("patch", f"/api/v1/agencies/{HOME_AGENCY}/", {"name": "A\x00"}, "name", "Null characters are not allowed."),
        ("patch", f"/api/v1/agencies/{HOME_AGENCY}/", {"dissolved_on": "9999-12-31"}, "dissolved_on", DATE_RANGE),
        ("post", "/api/v1/headcounts/", {"authorised": HUGE}, "authorised", None),
        ("post", "/api/v1/headcounts/", {"authorised": BIG}, "authorised", None),
        ("post", "/api/v1/headcounts/", {"as_of": "0001-01-01"}, "as_of", DATE_RANGE),
        ("post", "/api/v1/headcounts/", {"as_of": "9999-12-31"}, "as_of", DATE_RANGE),
        ("post", "/api/v1/headcounts/", {"source": "x\x00"}, "source", "Null characters are not allowed."),
        ("post", "/api/v1/headcounts/", {"source": "x\x02"}, "source", CONTROL),
        ("post", "/api/v1/programmes/", {"description": "\x00"}, "description", "Null characters are not allowed."),
        ("post", "/api/v1/programmes/", {"decided_on": "0001-01-01"}, "decided_on", DATE_RANGE),
        ("patch", "/api/v1/programmes/khoi-mttq/", {"name": "x\x03"}, "name", CONTROL),
    ],
)
def test_api_refuses(api, editor, method, url, body, field, message):
    if "/programmes/" in url:  # province-wide data: a province-wide editor (issue 13)
        api = token_client(editor)
    defaults = {
        "/api/v1/agencies/": {
            "name": "Cơ quan thử",
            "district": HOME,
            "agency_type": "khoi-mttq",
            "established_on": "2021-01-01",
        },
        "/api/v1/headcounts/": {"agency": HOME_AGENCY, "as_of": "2021-01-01", "authorised": 5, "source": "x"},
        "/api/v1/programmes/": {"code": "thu", "name": "Thử", "result_type": "khoi-mttq", "source_types": ["mttq"]},
    }
    before = snapshot()
    response = getattr(api, method)(url, {**(defaults.get(url, {}) if method == "post" else {}), **body})
    assert response.status_code == 400, response.content
    errors = response.json()[field]
    if message is None:  # the serializer's own bound
        assert errors == [MAX_INT]
    else:
        assert errors == [message]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("operation", "body", "field", "message"),
    [
        ("advance", {"status": "approved", "on": "9999-12-31"}, "on", DATE_RANGE),
        (
            "advance",
            {"status": "approved", "on": "2021-04-01", "note": "\x00"},
            "note",
            "Null characters are not allowed.",
        ),
        ("cancel", {"on": "0001-01-01"}, "on", DATE_RANGE),
        ("complete", {"effective_on": "9999-12-31"}, "effective_on", DATE_RANGE),
        ("complete", {"effective_on": "2021-05-01", "result_name": "a\x0cb"}, "result_name", CONTROL),
        ("complete", {"effective_on": "2021-05-01", "headcount_after": HUGE}, "headcount_after", None),
    ],
)
def test_api_merger_operations_refuse(api, open_mergers, operation, body, field, message):
    before = snapshot()
    response = api.post(f"/api/v1/mergers/{open_mergers.home.pk}/{operation}/", body)
    assert response.status_code == 400, response.content
    expected = message or MAX_INT
    assert response.json()[field] == [expected]
    assert snapshot() == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
@pytest.mark.parametrize("url", ["/api/v1/reports/staffing/", "/api/v1/reports/progress/", "/"])
def test_reports_on_far_dates_answer_without_a_500(api, client, limited, url, day):
    client.force_login(limited)
    caller = client if url == "/" else api
    response = caller.get(url, {"as_of": day, "baseline": day})
    assert response.status_code in (200, 400), response.status_code


# --- issue 13: no 5xx from bad input, whatever its shape ----------------------------------------

from config.middleware import MSG_NUL_IN_URL  # noqa: E402
from core.api import parsers  # noqa: E402

DEEP = "[" * 50_000
TOO_DEEP = {"detail": str(parsers.MSG_TOO_DEEP) % {"depth": parsers.MAX_DEPTH}}
SURROGATE = [str(parsers.MSG_SURROGATE)]
POSTS = [
    "/api/v1/auth/token/",
    "/api/v1/agencies/",
    "/api/v1/headcounts/",
    "/api/v1/programmes/",
    "/api/v1/mergers/",
    "/api/v1/mergers/{merger}/advance/",
    "/api/v1/mergers/{merger}/complete/",
    "/api/v1/mergers/{merger}/cancel/",
]


@pytest.mark.parametrize("url", POSTS)
@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_deeply_nested_json_is_a_400_on_every_post(url, who, editor, open_mergers):
    """50,000 nested `[` raised RecursionError in json.load: a 500, even for the anonymous token endpoint."""
    client = token_client(editor if who == "editor" else None)
    before = snapshot()
    response = client.post(url.format(merger=open_mergers.home.pk), DEEP, content_type="application/json")
    if who == "anonymous" and "/auth/" not in url:
        assert response.status_code == 401  # authentication comes first; the body is never read
    else:
        assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert snapshot() == before


def test_json_nested_beyond_the_limit_but_parseable_is_refused(editor):
    body = '{"name": ' + "[" * 21 + "]" * 21 + "}"
    response = token_client(editor).post("/api/v1/agencies/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, TOO_DEEP)


def test_a_body_over_the_upload_limit_is_a_400(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"source": "' + "x" * 2000 + '"}'
    response = token_client(editor).post("/api/v1/headcounts/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": str(parsers.MSG_TOO_LARGE) % {"size": 1000}})


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/headcounts/",
            {"agency": HOME_AGENCY, "as_of": "2021-01-01", "authorised": 5, "source": "x", "source_kind": "\ud800"},
            "source_kind",
        ),  # fmt: skip
        ("/api/v1/headcounts/", {"agency": HOME_AGENCY, "source": "Báo cáo \udfff"}, "source"),
        ("/api/v1/agencies/", {"name": "Cơ quan \ud800", "district": HOME, "agency_type": "khoi-mttq"}, "name"),
        ("/api/v1/mergers/{merger}/advance/", {"status": "\ud800", "on": "2021-04-01"}, "status"),
        (
            "/api/v1/mergers/{merger}/complete/",
            {"effective_on": "2021-05-01", "headcount_source_kind": "\ud800"},
            "headcount_source_kind",
        ),  # fmt: skip
        ("/api/v1/mergers/", {"programme": "test-ab", "source_agencies": ["\ud800"]}, "source_agencies"),
        ("/api/v1/auth/token/", {"username": "\ud800", "password": "x"}, "username"),
    ],
)
def test_lone_surrogates_are_a_400_naming_the_field(api, open_mergers, url, body, field):
    """A choice field's message echoed the value and the renderer could not encode it: a 500."""
    import json

    before = snapshot()
    raw = json.dumps(body)  # "\ud800" as a JSON escape, as a client would send it
    response = api.post(url.format(merger=open_mergers.home.pk), raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {field: SURROGATE}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("operation", "body", "field"),
    [
        ("advance", {"status": "approved\x07", "on": "2021-04-01"}, "status"),
        ("complete", {"effective_on": "2021-05-01", "headcount_source_kind": "demo\x1b"}, "headcount_source_kind"),
    ],
)
def test_control_characters_in_choice_fields_are_a_400_naming_the_field(api, open_mergers, operation, body, field):
    before = snapshot()
    response = api.post(f"/api/v1/mergers/{open_mergers.home.pk}/{operation}/", body)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert snapshot() == before


def test_an_error_message_echoing_a_surrogate_is_still_encodable():
    """The handler's last line of defence, for a surrogate that reaches a message another way."""
    from core.api.exceptions import _encodable

    assert _encodable({"status": ['"\ud800" is not a valid choice.']}) == {
        "status": ['"\ufffd" is not a valid choice.']
    }


@pytest.mark.parametrize(
    "url",
    [
        "/?province=%00",
        "/?as_of=2020-01-01&baseline=%00",
        "/districts/%00/",
        "/exports/bao-cao-bien-che.csv?province=%00",
        "/exports/bao-cao-bien-che.xlsx?province=%00",
        "/exports/tien-do-hop-nhat.csv?province=%00",
        "/exports/tien-do-hop-nhat.xlsx?province=%00",
        "/mergers/?district=%00",
        "/programmes/%00/",
        "/api/v1/districts/%00/",
        "/api/v1/agencies/?q=%00",
        "/api/v1/reports/staffing/?province=%00",
    ],
)
def test_nul_in_the_path_or_the_query_is_a_400(client, analyst, url):
    client.force_login(analyst)
    response = client.get(
        url, HTTP_AUTHORIZATION=f"Token {token_client(analyst)._credentials['HTTP_AUTHORIZATION'][6:]}"
    )
    assert response.status_code == 400, response.content[:300]
    text = response.json()["detail"] if url.startswith("/api/") else response.content.decode()
    assert text == str(MSG_NUL_IN_URL)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9223372036854775808", "Đảm bảo giá trị này là nhỏ hơn hoặc bằng với 9223372036854775807 ."),
        ("-9223372036854775809", "Đảm bảo giá trị này lớn hơn hoặc bằng với -9223372036854775808 ."),
        ("1e20", "Hãy nhập một số nguyên."),  # Django's message, in the project's Vietnamese catalogue
        ("NaN", "Hãy nhập một số nguyên."),
    ],
)
def test_integer_filters_outside_64_bits_are_a_400(analyst, value, message):
    """SQLite raised OverflowError on a number beyond its 64-bit integer: a 500 (PostgreSQL too)."""
    response = token_client(analyst).get("/api/v1/headcounts/", {"agency": value})
    assert (response.status_code, response.json()) == (400, {"agency": [message]})
    assert token_client(analyst).get("/api/v1/headcounts/", {"agency": "9223372036854775807"}).json()["count"] == 0
