"""Schemathesis against a real gunicorn server, as an analyst and as an editor (issue 13).

tests/fuzz/test_schemathesis.py calls the application in-process (WSGI, derandomized, the
test's transaction). This one talks HTTP to gunicorn with the production settings (DEBUG off,
two workers) on a SQLite file with the Quảng Ninh data, with a random seed that it prints
(SCHEMATHESIS_SEED=... repeats a run): every operation of the schema, positive and negative
examples, every check, as each role. Any 5xx or check failure fails it; the cases and 5xx per
role are printed (`pytest -s`) and kept in the test's report.

Checks as in test_schemathesis.py: positive_data_acceptance also accepts 400 (the schema cannot
say which codes and ids exist), negative examples skip negative_data_rejection (DRF ignores
unknown parameters). Besides, an analyst's writes are rightly refused with 403, which the
positive check would call a rejection of valid data: for the analyst it accepts 403 too.

gunicorn answers 414 itself, before the application, when a request line is longer than its
`limit_request_line` (4094 bytes); negative examples with dozens of repeated query values reach
it. Such a case is checked to be exactly that (a request line over the limit) and not validated
against the schema, which describes the application.
"""

import os
import random
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from tests.live import gunicorn, server_env

POSITIVE_EXAMPLES = 8
NEGATIVE_EXAMPLES = 4
ROLES = {"analyst": "live-analyst", "editor": "live-editor"}
GUNICORN_REQUEST_LINE_LIMIT = 4094

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
NEGATIVE_CHECKS = [check for check in ALL_CHECKS if getattr(check, "__name__", "") != "negative_data_rejection"]


def run_seed() -> int:
    value = os.environ.get("SCHEMATHESIS_SEED")
    return int(value) if value else random.SystemRandom().randrange(2**32)


def examples_of(operation, mode, examples: int, run: int):
    """A hypothesis test calling the server with `examples` cases of `operation`."""

    @seed(run)
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def call(role, headers, checks, cases, server_errors, case):
        cases[role] += 1
        response = case.call(headers=headers, timeout=60)
        if response.status_code >= 500:
            server_errors[role] += 1
        if response.status_code == 414:
            request_line = f"{response.request.method} {response.request.path_url} HTTP/1.1"
            assert len(request_line.encode()) > GUNICORN_REQUEST_LINE_LIMIT, request_line
            cases["414 " + role] += 1
            return
        case.validate_response(response, checks=checks, headers=headers)

    return call


def test_every_operation_against_gunicorn_as_analyst_and_editor(sqlite_database, tmp_path, record_property):
    run = run_seed()
    print(f"\nschemathesis live run: SCHEMATHESIS_SEED={run}")
    record_property("schemathesis_seed", run)
    env = server_env(sqlite_database, tmp_path)
    cases: Counter = Counter()
    server_errors: Counter = Counter()
    failures: list[str] = []
    with gunicorn(env, tmp_path, workers=2) as server:
        schema = schemathesis.openapi.from_url(f"{server.base}/api/schema/?format=json")
        positive = schema.config.checks.positive_data_acceptance
        # 412: a schema-valid If-Match may name a state that is not the current one.
        base_statuses = [*positive.expected_statuses, "400", "412"]
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 41
        for role, username in ROLES.items():
            headers = server.headers(username)
            positive.expected_statuses = [*base_statuses, "403"] if role == "analyst" else base_statuses
            for operation in operations:
                for mode, examples, checks in (
                    (GenerationMode.POSITIVE, POSITIVE_EXAMPLES, ALL_CHECKS),
                    (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, NEGATIVE_CHECKS),
                ):
                    try:
                        examples_of(operation, mode, examples, run)(role, headers, checks, cases, server_errors)
                    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 (every operation runs, then the test fails)
                        failures.append(f"{role} {operation.label} {mode.value}: {str(exc)[:1500]}")
        log = server.log_tail()
    summary = ", ".join(
        f"{role}: {cases[role]} cases ({cases['414 ' + role]} over gunicorn's request-line limit), "
        f"{server_errors[role]} 5xx"
        for role in ROLES
    )
    print(f"schemathesis live run (seed {run}): {summary}")
    record_property("schemathesis_summary", summary)
    assert not failures, f"seed {run}; {summary}\n" + "\n\n".join(failures) + f"\n\ngunicorn:\n{log}"
    assert sum(server_errors.values()) == 0
    assert all(cases[role] >= len(operations) for role in ROLES)
