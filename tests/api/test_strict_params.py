"""Strict query parameters (issue 15): what the API does not understand is a 400 that names it."""

import pytest
from rest_framework.test import APIClient

from core.api.filters import MSG_BAD_ORDERING, MSG_REPEATED_PARAMETER, MSG_UNKNOWN_PARAMETER
from figures.engine import MSG_BASELINE_AFTER
from registry.filtersets import MSG_NO_DISTRICT, MSG_NO_PROGRAMME

HEADCOUNT_PARAMS = (
    "agency, as_of_after, as_of_before, brief, district, fields, format, ordering, page, page_size, q, source_kind"
)


def test_an_unknown_parameter_is_named(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/headcounts/", {"distric": "193"})
    assert response.status_code == 400
    assert response.json() == {
        "distric": [str(MSG_UNKNOWN_PARAMETER) % {"name": "distric", "allowed": HEADCOUNT_PARAMS}]
    }
    assert response.json()["distric"][0].startswith(
        "Tham số “distric” không được hỗ trợ. Các tham số được nhận: agency,"
    )


def test_a_repeated_single_value_filter_is_refused(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/headcounts/?district=193&district=194")
    assert response.status_code == 400
    assert response.json() == {"district": ["Tham số “district” chỉ nhận một giá trị, nhưng được gửi 2 lần."]}
    assert response.json()["district"][0] == str(MSG_REPEATED_PARAMETER) % {"name": "district", "count": 2}


def test_a_bad_ordering_is_named_with_the_allowed_ones(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/mergers/", {"ordering": "-reduction,bogus"})
    assert response.status_code == 400
    allowed = (
        "id, -id, decided_on, -decided_on, effective_on, -effective_on, status, -status, headcount_before, "
        "-headcount_before, reduction, -reduction, reduction_pct, -reduction_pct"
    )
    assert response.json() == {"ordering": [str(MSG_BAD_ORDERING) % {"value": "bogus", "allowed": allowed}]}
    good = analyst_client.get("/api/v1/mergers/", {"ordering": "-id", "page_size": 2})
    assert [m["id"] for m in good.json()["results"]] == [42, 41]


def test_a_district_that_is_not_a_code_is_named(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/headcounts/", {"district": "Hạ Long"})
    assert response.status_code == 400
    assert response.json() == {"district": ["Không có đơn vị cấp huyện có mã GSO “Hạ Long”."]}
    assert response.json()["district"][0] == str(MSG_NO_DISTRICT) % {"value": "Hạ Long"}
    response = analyst_client.get("/api/v1/mergers/", {"programme": "khong-co"})
    assert response.json() == {"programme": [str(MSG_NO_PROGRAMME) % {"value": "khong-co"}]}


def test_an_id_filter_takes_whole_numbers_only(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/headcounts/", {"agency": "1.5"})
    assert response.status_code == 400
    assert response.json() == {"agency": ["Hãy nhập một số nguyên."]}
    assert analyst_client.get("/api/v1/headcounts/", {"agency": "7"}).json()["count"] == 2


def test_a_baseline_after_as_of_is_refused_by_the_engines_rule(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/reports/staffing/", {"baseline": "2020-01-01", "as_of": "2019-01-01"})
    assert response.status_code == 400
    assert response.json() == {"baseline": [str(MSG_BASELINE_AFTER)]}
    # Without as_of, "today" is the as-of date: a baseline after it is refused as well.
    response = analyst_client.get("/api/v1/reports/staffing/", {"baseline": "2999-01-01"})
    assert response.json() == {"baseline": [str(MSG_BASELINE_AFTER)]}


def test_reports_refuse_unknown_and_repeated_parameters(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/reports/progress/", {"baseline": "2015-11-30"})
    assert response.status_code == 400
    assert response.json() == {
        "baseline": [str(MSG_UNKNOWN_PARAMETER) % {"name": "baseline", "allowed": "as_of, format, measure, province"}]
    }
    response = analyst_client.get("/api/v1/reports/staffing/?as_of=2019-01-01&as_of=2020-01-01")
    assert response.json() == {"as_of": [str(MSG_REPEATED_PARAMETER) % {"name": "as_of", "count": 2}]}


def test_details_take_only_the_representation_parameters(quang_ninh, analyst_client):
    assert analyst_client.get("/api/v1/agencies/7/", {"fields": "id", "format": "json"}).json() == {"id": 7}
    response = analyst_client.get("/api/v1/agencies/7/", {"district": "193"})
    assert response.status_code == 400
    assert list(response.json()) == ["district"]


@pytest.mark.parametrize("param", ["format", "page", "page_size", "ordering", "brief", "fields", "q"])
def test_the_common_parameters_are_allowed_on_every_list(quang_ninh, analyst_client, param):
    value = {"format": "json", "page": "1", "page_size": "5", "ordering": "id", "brief": "1", "fields": "id", "q": "x"}
    for path in ("provinces", "districts", "agency-types", "agencies", "programmes", "mergers", "headcounts"):
        ordering = "code" if path in ("provinces", "districts", "agency-types", "programmes") else "id"
        params = {param: ordering if param == "ordering" else value[param]}
        assert analyst_client.get(f"/api/v1/{path}/", params).status_code == 200, (path, param)


def test_errors_come_after_authentication(quang_ninh):
    response = APIClient().get("/api/v1/headcounts/", {"bogus": "1"})
    assert response.status_code == 401
