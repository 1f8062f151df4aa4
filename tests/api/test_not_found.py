"""A URL under /api/ that matches no route answers JSON, as the schema documents (found by the
live schemathesis run: a programme code that the URL pattern does not match gave an HTML 404)."""

import pytest


@pytest.mark.parametrize("path", ["/api/v1/programmes/a%2Fb/", "/api/v1/khong-co/", "/api/v1/mergers/1/khong-co/"])
def test_an_unknown_api_url_is_a_json_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Không tìm thấy."}


def test_an_unknown_page_is_still_a_page(client, db):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
