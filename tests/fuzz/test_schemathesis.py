"""Schemathesis against /api/schema/ as an editor: 50 examples per operation, every check (issue 7).

The schema is loaded from the application itself (WSGI, no server); each operation is one
test, run on the Quảng Ninh data with an editor's token. Any 5xx or check failure fails it.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from config.wsgi import application
from tests.api import conftest as api_fixtures

_quang_ninh_for_module = api_fixtures._quang_ninh_for_module
quang_ninh = api_fixtures.quang_ninh

SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}
load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
# positive_data_acceptance: a schema-valid request may still be refused with 400, because the
# schema cannot say which district codes, agency ids or programme codes exist, nor the rules
# that involve other records (an agency active on the date, one headcount per agency and date,
# one merger per programme and district). The check still fails on any other refusal (422,
# 405, 5xx ...); 400s come with their field in the body, which response_schema_conformance checks.
# Likewise 412: a schema-valid If-Match may name a state of the record that is not the current one.
_positive = SCHEMA.config.checks.positive_data_acceptance
_positive.expected_statuses = [*_positive.expected_statuses, "400", "412"]


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI handler closes "old" database connections around each request; the test's
    connection holds its transaction, so keep it, as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_has_every_operation():
    assert len(OPERATIONS) == 41  # 37, and issue 14: decisions (list, detail, history), focal-point report
    assert "POST /api/v1/mergers/{id}/complete/" in OPERATIONS
    assert "GET /api/v1/headcounts/{id}/history/" in OPERATIONS


# Schema-violating requests (negative mode) run every check but negative_data_rejection: by
# design the API ignores query parameters and body fields it does not know (DRF), so many
# schema-violating requests are rightly answered 200. They must still never give a 5xx, an
# undocumented status or content type, or a body that breaks the schema.
NEGATIVE_CHECKS = [check for check in ALL_CHECKS if getattr(check, "__name__", "") != "negative_data_rejection"]


@pytest.mark.parametrize(
    ("mode", "examples", "checks"),
    [(GenerationMode.POSITIVE, 50, ALL_CHECKS), (GenerationMode.NEGATIVE, 25, NEGATIVE_CHECKS)],
    ids=["positive", "negative"],
)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation(label, mode, examples, checks, quang_ninh, editor, _keep_the_test_connection):
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Token {Token.objects.create(user=editor).key}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        # Only the health checks about slowness and size of generated data: each example is a
        # request to the application, which is slower than hypothesis expects of a test.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    def run(case):
        cache.clear()  # throttle counters: 50 examples a second would trip the per-minute rates
        case.call_and_validate(headers=headers, checks=checks)

    run()
