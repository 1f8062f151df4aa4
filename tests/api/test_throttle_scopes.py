"""A budget per purpose, and the standard headers (issue 15): token attempts, the schema and
its docs, and data reads are throttled apart; answers carry RateLimit-Limit, -Remaining,
-Reset (IETF draft) and a 429 carries Retry-After."""

import pytest
from rest_framework.test import APIClient

from core.api.exceptions import MSG_THROTTLED
from tests.api.conftest import token_client

TOKEN = "/api/v1/auth/token/"
SCHEMA = "/api/schema/"


def budget(response) -> tuple:
    return tuple(
        response[name] for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
    )


def test_sixty_schema_downloads_do_not_lock_out_the_token_endpoint(quang_ninh, analyst):
    client = APIClient()
    answers = [client.get(SCHEMA, {"format": "json"}) for _ in range(60)]
    assert [a.status_code for a in answers] == [200] * 60
    assert budget(answers[0])[:2] == ("60", "59")
    assert budget(answers[-1])[:2] == ("60", "0")
    # The schema's budget is spent: the schema and the docs answer 429, with Retry-After.
    for path in (SCHEMA, "/api/docs/"):
        refused = client.get(path)
        assert refused.status_code == 429
        assert refused["Retry-After"] == refused["RateLimit-Reset"]
        assert 0 < int(refused["Retry-After"]) <= 60
        assert refused["RateLimit-Remaining"] == "0"
    # Logins and data reads have budgets of their own.
    token = client.post(TOKEN, {"username": "analyst", "password": "pw-for-tests-1"}, format="json")
    assert token.status_code == 200
    assert budget(token) == ("60", "59", "60", "60;w=60")
    assert client.get("/api/v1/provinces/").status_code == 401


def test_token_attempts_have_their_own_budget(quang_ninh):
    client = APIClient()
    statuses = [client.post(TOKEN, {}, format="json").status_code for _ in range(61)]
    assert statuses == [400] * 60 + [429]
    refused = client.post(TOKEN, {}, format="json")
    wait = int(refused["Retry-After"])
    assert refused.json() == {"detail": str(MSG_THROTTLED) % {"wait": wait}}
    assert refused.json()["detail"] == f"Quá nhiều yêu cầu. Hãy thử lại sau {wait} giây."
    english = client.post(TOKEN, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"].startswith("Too many requests. Try again in ")
    # The schema is still served.
    assert client.get(SCHEMA).status_code == 200


def test_data_reads_say_their_budget(quang_ninh, analyst):
    client = token_client(analyst)
    first = client.get("/api/v1/provinces/")
    assert budget(first) == ("1200", "1199", "60", "1200;w=60")
    assert budget(client.get("/api/v1/reports/progress/"))[:2] == ("1200", "1198")
    # Refused before any throttle counts it (DRF checks permissions first): no budget to state.
    assert not APIClient().get("/api/v1/provinces/").has_header("RateLimit-Limit")


@pytest.mark.django_db
def test_pages_carry_no_ratelimit_headers(client):
    response = client.get("/accounts/login/")
    assert not response.has_header("RateLimit-Limit")
