"""core.prepared: the figures engine's compiled SQL run as statements prepared once per
PostgreSQL connection (issue 17); plain SQL elsewhere."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import prepared

SQL = "SELECT %s || %s, %s + 1, %s, 10 %% 3"
PARAMS = ["a", "b", 41, datetime.date(2020, 7, 1)]
ROW = ("ab", 42, datetime.date(2020, 7, 1), 1)


def run(sql=SQL, params=PARAMS) -> tuple[list, list[str], int]:
    """The rows, the first word of each statement sent, and how many this connection has prepared
    (PREPARE goes to the driver's cursor, as connection set-up: no request counts it)."""
    with CaptureQueriesContext(connection) as sent, connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, params)
        rows = cursor.fetchall()
    state = getattr(connection, "_prepared_statements", (None, set()))
    return [tuple(row) for row in rows], [query["sql"].split()[0] for query in sent.captured_queries], len(state[1])


def test_placeholders_are_numbered_and_percent_signs_unescaped():
    assert prepared.numbered("SELECT %s, 100 %% 7 WHERE a = %s AND b LIKE '%%x'") == (
        "SELECT $1, 100 % 7 WHERE a = $2 AND b LIKE '%x'"
    )


@pytest.mark.django_db(transaction=True)
def test_prepared_once_per_connection_and_kept_past_a_rollback():
    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    connection.close()  # a connection of its own: none prepared yet
    assert run() == ([ROW], ["EXECUTE"], 1)
    assert run() == ([ROW], ["EXECUTE"], 1)
    other = [*PARAMS[:2], 2**40, PARAMS[3]]  # a bigint: a statement of its own
    assert run(params=other) == ([("ab", 2**40 + 1, datetime.date(2020, 7, 1), 1)], ["EXECUTE"], 2)

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert run(sql=SQL + ", %s", params=[*PARAMS, True]) == ([(*ROW, True)], ["EXECUTE"], 3)
        raise ZeroDivisionError  # rolled back: the statement stays prepared
    assert run(sql=SQL + ", %s", params=[*PARAMS, False]) == ([(*ROW, False)], ["EXECUTE"], 3)

    connection.close()  # a new connection has none of them
    assert run() == ([ROW], ["EXECUTE"], 1)


@pytest.mark.django_db
def test_plain_sql_for_a_value_without_a_type_when_turned_off_and_on_sqlite(settings):
    assert run(sql="SELECT %s, %s", params=[None, 1])[:2] == ([(None, 1)], ["SELECT"])  # None: no type
    if connection.vendor != "postgresql":
        assert run()[1] == ["SELECT"]
    settings.PREPARED_STATEMENTS = False
    rows, sent, _prepared = run()
    assert (rows[0][:2], sent) == (("ab", 42), ["SELECT"])
