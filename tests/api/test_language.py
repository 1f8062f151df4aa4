"""The API speaks the request's language (issue 15): Vietnamese by default, English with
`Accept-Language: en`, DRF's own messages included; `Vary: Accept-Language` is true."""

import pytest
from rest_framework.test import APIClient

from core.api.filters import MSG_UNKNOWN_PARAMETER
from tests.api.conftest import token_client

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    ("path", "params", "body", "vietnamese", "english"),
    [
        ("/api/v1/agencies/", {"page": "999"}, None, {"detail": "Trang không hợp lệ."}, {"detail": "Invalid page."}),
        (
            "/api/v1/agencies/",
            None,
            {"name": "x", "district": "999", "agency_type": "ban-to-chuc", "established_on": "2021-01-01"},
            {"district": ["Không có đối tượng có code=999."]},
            {"district": ["Object with code=999 does not exist."]},
        ),
        (
            "/api/v1/headcounts/",
            None,
            {"agency": 999999, "as_of": "2021-01-01", "authorised": 1, "source": "x"},
            {"agency": ["Mã số “999999” không hợp lệ: không có đối tượng này."]},
            {"agency": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            "/api/v1/headcounts/",
            {"district": "Hạ Long"},
            None,
            {"district": ["Không có đơn vị cấp huyện có mã GSO “Hạ Long”."]},
            {"district": ["There is no district with GSO code “Hạ Long”."]},
        ),
    ],
    ids=["invalid-page", "unknown-code", "unknown-id", "district-name"],
)
def test_messages_in_the_requests_language(quang_ninh, editor, path, params, body, vietnamese, english):
    client = token_client(editor)

    def ask(**headers):
        if body is not None:
            return client.post(path, body, format="json", **headers)
        return client.get(path, params, **headers)

    vi, en = ask(), ask(**EN)
    assert (vi.status_code, en.status_code) == (400 if body or params.get("district") else 404,) * 2
    assert (vi.json(), en.json()) == (vietnamese, english)
    assert (vi["Content-Language"], en["Content-Language"]) == ("vi", "en")
    assert "Accept-Language" in en["Vary"]


def test_token_and_authentication_messages(quang_ninh):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert client.get("/api/v1/provinces/").json() == {"detail": "Token không hợp lệ."}
    assert client.get("/api/v1/provinces/", **EN).json() == {"detail": "Invalid token."}
    anonymous = APIClient()
    assert anonymous.get("/api/v1/provinces/").json() == {"detail": "Chưa gửi thông tin xác thực."}
    assert anonymous.get("/api/v1/provinces/", **EN).json() == {
        "detail": "Authentication credentials were not provided."
    }
    refused = anonymous.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    assert refused.json() == {"non_field_errors": ["Không thể đăng nhập với thông tin đã nhập."]}  # DRF's own


def test_the_projects_own_messages_in_english(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/reports/progress/", {"bogus": "1"}, **EN)
    assert response.json() == {
        "bogus": ["The parameter “bogus” is not supported. Parameters accepted: as_of, format, measure, province."]
    }
    vi = analyst_client.get("/api/v1/reports/progress/", {"bogus": "1"})
    assert vi.json() == {
        "bogus": [str(MSG_UNKNOWN_PARAMETER) % {"name": "bogus", "allowed": "as_of, format, measure, province"}]
    }


def test_a_language_the_application_does_not_speak_gets_vietnamese(quang_ninh, analyst_client):
    response = analyst_client.get("/api/v1/agencies/", {"page": "999"}, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert (response["Content-Language"], response.json()) == ("vi", {"detail": "Trang không hợp lệ."})
    response = analyst_client.get("/api/v1/agencies/", {"page": "999"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert (response["Content-Language"], response.json()) == ("en", {"detail": "Invalid page."})


def test_answers_vary_by_language_and_the_cache_keeps_them_apart(quang_ninh, analyst_client):
    params = {"baseline": "2015-11-30", "as_of": "2020-06-01"}
    vi = analyst_client.get("/api/v1/reports/staffing/", params)
    en = analyst_client.get("/api/v1/reports/staffing/", params, **EN)
    assert [r["name"] for r in vi.json()["districts"]][:2] == ["Thành phố Hạ Long", "Thành phố Móng Cái"]
    assert [r["name"] for r in en.json()["districts"]][:2] == ["Ha Long City", "Mong Cai City"]
    for response in (vi, en):
        vary = [v.strip() for v in response["Vary"].split(",")]
        assert {"Accept-Language", "Cookie"} <= set(vary)
    assert analyst_client.get("/api/v1/reports/staffing/", params, **EN).content == en.content
    assert analyst_client.get("/api/v1/reports/staffing/", params).content == vi.content


@pytest.mark.django_db
def test_pages_do_not_claim_to_vary_by_accept_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "vi"
    vary = [v.strip() for v in response["Vary"].split(",")]
    assert "Accept-Language" not in vary
    assert "Cookie" in vary
