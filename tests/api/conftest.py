"""Fixtures of the API tests: clients that authenticate with a token, as analysts do."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def nobody(db):
    """A user in no group: authenticated, but without any model permission."""
    return get_user_model().objects.create_user(username="nobody", password="pw-for-tests-1")


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def editor_client(editor):
    return token_client(editor)


@pytest.fixture
def leader_client(leader):
    return token_client(leader)


@pytest.fixture
def analyst_client(analyst):
    return token_client(analyst)


@pytest.fixture
def nobody_client(nobody):
    return token_client(nobody)


@pytest.fixture(scope="module")
def _quang_ninh_for_module(django_db_setup, django_db_blocker):
    """The shipped data, loaded once per test module inside a transaction rolled back at its end.

    Each test still runs in its own savepoint (the `db` fixture), so tests stay independent;
    this only saves loading 1,000 rows again for every one of them.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_quang_ninh", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def quang_ninh(_quang_ninh_for_module, db):
    """Overrides tests/conftest.py's fixture for the API tests: same data, loaded once per module."""
