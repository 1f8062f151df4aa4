"""The OpenAPI schema as client generators read it (issue 15): ASCII names, named enums, JSON
bodies only, an anonymous token endpoint, CSV as text, ids as integers."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_title_is_ascii_and_the_description_vietnamese(schema):
    assert schema["info"]["title"] == "Quang Ninh Merger Tracker API"
    assert schema["info"]["description"].startswith("Sáp nhập các cơ quan cấp huyện của tỉnh Quảng Ninh")
    assert "tối đa 100000 dòng" in schema["info"]["description"]


def test_operation_ids_and_component_names_are_ascii_identifiers(schema):
    ids = [operation["operationId"] for _path, _method, operation in operations(schema)]
    assert len(ids) == len(set(ids)) == 41
    for name in [*ids, *schema["components"]["schemas"]]:
        assert name.isascii() and name.replace("_", "").isalnum(), name
    assert "auth_token_create" in ids and "reports_staffing_retrieve" in ids


def test_query_enums_are_named_components_and_parameters_carry_no_title(schema):
    enums = {name for name, s in schema["components"]["schemas"].items() if "enum" in s}
    assert enums == {
        "ActualStatusEnum",
        "DecisionKindEnum",
        "DistrictKindEnum",
        "FormatEnum",
        "HistoryTypeEnum",
        "IssuerEnum",
        "MeasureEnum",
        "MergerStatusEnum",
        "SectorEnum",
        "SourceKindEnum",
        "StagesEnum",
    }
    for path, _method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            assert "title" not in parameter["schema"], (path, parameter["name"])
            assert "enum" not in parameter["schema"], (path, parameter["name"])
    status = next(p for p in schema["paths"]["/api/v1/mergers/"]["get"]["parameters"] if p["name"] == "status")
    assert status["schema"] == {"$ref": "#/components/schemas/MergerStatusEnum"}
    measure = next(
        p for p in schema["paths"]["/api/v1/reports/staffing/"]["get"]["parameters"] if p["name"] == "measure"
    )
    assert measure["schema"] == {"$ref": "#/components/schemas/MeasureEnum"}
    assert schema["components"]["schemas"]["FormatEnum"] == {"type": "string", "enum": ["csv", "json"]}


def test_request_bodies_are_json_only(schema):
    bodies = [(path, op["requestBody"]) for path, _m, op in operations(schema) if "requestBody" in op]
    assert len(bodies) == 14
    for path, body in bodies:
        assert list(body["content"]) == ["application/json"], path


def test_the_token_endpoint_is_anonymous_with_a_json_body(schema):
    operation = schema["paths"][TOKEN]["post"]
    assert operation["security"] == []
    assert operation["requestBody"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/AuthTokenRequest"}}
    }
    assert sorted(operation["responses"]) == ["200", "400", "429"]
    # Every other operation needs a token or a session.
    for path, _method, other in operations(schema):
        if path != TOKEN:
            assert other["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], path


def test_csv_is_documented_as_text(schema):
    for path in ("/api/v1/headcounts/", "/api/v1/reports/staffing/", "/api/v1/reports/progress/"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["text/csv"] == {"schema": {"type": "string"}}
        assert content["application/json"]["schema"]["$ref"].startswith("#/components/schemas/")
    fmt = next(p for p in schema["paths"]["/api/v1/headcounts/"]["get"]["parameters"] if p["name"] == "format")
    assert fmt["description"] == "csv: mọi dòng đã lọc (không phân trang), tối đa 100000 dòng; json: mặc định."


def test_id_filters_are_integers(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/headcounts/"]["get"]["parameters"]}
    assert params["agency"]["schema"] == {"type": "integer", "format": "int64"}
    assert params["ordering"]["description"] == (
        "Sắp xếp theo (nhiều trường cách nhau bằng dấu phẩy, “-” để giảm dần): id, as_of, authorised, actual."
    )


def test_foreign_keys_read_as_brief_objects_and_are_written_as_keys(schema):
    components = schema["components"]["schemas"]
    assert components["BriefDistrict"]["properties"] == {
        "id": {"type": "integer", "readOnly": True},
        "url": {"type": "string", "format": "uri", "readOnly": True},
        "display": {"type": "string", "readOnly": True},
        "code": {"type": "string", "readOnly": True},
    }
    headcount = components["Headcount"]["properties"]
    assert headcount["district"]["allOf"] == [{"$ref": "#/components/schemas/BriefDistrict"}]
    assert headcount["agency"] == {"$ref": "#/components/schemas/BriefAgency"}
    assert components["HeadcountRequest"]["properties"]["agency"] == {"type": "integer"}
    assert components["AgencyRequest"]["properties"]["district"] == {"type": "string"}
    assert components["Merger"]["properties"]["source_agencies"]["items"] == {
        "$ref": "#/components/schemas/BriefAgency"
    }


@pytest.mark.django_db
@override_settings(API_CSV_MAX_ROWS=250)
def test_the_bound_in_the_schema_follows_the_setting():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    fmt = next(p for p in schema["paths"]["/api/v1/agencies/"]["get"]["parameters"] if p["name"] == "format")
    assert "tối đa 250 dòng" in fmt["description"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["multipart", None])
def test_bodies_other_than_json_are_refused_as_documented(analyst, fmt):
    """What the schema offers is what the API takes: a form body is a 415, not a second way in."""
    client = APIClient()
    body = {"username": "analyst", "password": "pw-for-tests-1"}
    if fmt is None:
        response = client.post(
            TOKEN, "username=analyst&password=pw-for-tests-1", content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.post(TOKEN, body, format=fmt)
    assert response.status_code == 415
    assert list(response.json()) == ["detail"]
    assert client.post(TOKEN, body, format="json").status_code == 200
