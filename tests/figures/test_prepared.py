"""core.prepared: the figures engine's compiled SQL run as statements prepared once per
PostgreSQL connection (issue 17); plain SQL elsewhere."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import prepared, readcache

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


@pytest.mark.django_db(transaction=True)
def test_a_statement_without_parameters_is_prepared_as_written():
    """The stamps' query (core.readcache) has no parameter: `%` in it is not an escape."""
    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    connection.close()
    sql = "SELECT 10 % 3, 'x%y'"
    assert run(sql=sql, params=None) == ([(1, "x%y")], ["EXECUTE"], 1)
    assert run(sql=sql, params=[]) == ([(1, "x%y")], ["EXECUTE"], 1)


@pytest.mark.django_db
def test_the_sql_of_a_prepared_statement_is_known_by_its_name():
    """What a test or a log captured as `EXECUTE prepared_N (...)`, as it was written."""
    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    with CaptureQueriesContext(connection) as sent, connection.cursor() as cursor:
        prepared.execute(connection, cursor, SQL, PARAMS)
    captured = sent.captured_queries[0]["sql"]
    assert prepared.original(captured) == SQL
    assert prepared.original("SELECT 1") == "SELECT 1"


def test_each_request_s_stamps_and_district_are_prepared_statements(quang_ninh, analyst, settings):
    """The stamps every request reads, and the district a detail or a filter looks up by code."""
    from tests.api.conftest import token_client

    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    settings.READ_CACHE_SECONDS, settings.AUTH_CACHE = 0, True  # the miss path: the stamps key who asks
    client = token_client(analyst)
    for path in ("/api/v1/districts/193/", "/api/v1/headcounts/?district=193"):
        client.get(path)
        readcache.clear_layout_memos()  # the district is read again, not taken from the process's copy
        with CaptureQueriesContext(connection) as sent:
            assert client.get(path).status_code == 200
        statements = {}
        for query in sent.captured_queries:
            table = prepared.original(query["sql"]).split(" FROM ")[1].split()[0].strip('"')
            statements.setdefault(table, query["sql"].split()[0])
        assert (statements["reports_dataversion"], statements["districts_district"]) == ("EXECUTE", "EXECUTE")


def _prepared_here() -> set:
    state = getattr(connection, "_prepared_statements", (None, set()))
    return set(state[1]) if state[0] is connection.connection else set()


@pytest.mark.django_db
def test_an_orm_select_is_prepared_from_its_second_run(quang_ninh):
    """`auto`: the first run plain, the second and later ones prepared, with the same rows."""
    from districts.models import District

    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    never = [f"none-{n}" for n in range(37)]  # 39 values: a statement of its own, never run before
    queryset = District.objects.filter(code__in=["193", "207", *never]).order_by("code")
    before = _prepared_here()
    first = list(queryset.values_list("name", flat=True))
    assert _prepared_here() == before
    second = list(queryset.values_list("name", flat=True))
    third = list(queryset.values_list("name", flat=True))
    added = _prepared_here() - before
    assert first == second == third == ["Hạ Long", "Cô Tô"]
    assert len(added) == 1
    sql = next(text for (text, _types), name in prepared._NAMES.items() if name in added)
    assert sql.startswith('SELECT "districts_district"."name" AS "name" FROM "districts_district" WHERE')
    assert sql.count("%s") == 39


@pytest.mark.django_db
def test_a_statement_postgresql_refuses_to_prepare_runs_as_plain_sql(caplog):
    """A string where the SQL wants a timestamp: as a literal PostgreSQL takes it as one, as a
    `text` parameter it refuses the comparison. Plain SQL then, in the same transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    sql = "SELECT 1 WHERE now() > %s"
    rows = []
    for _ in range(3):
        with connection.cursor() as cursor:
            cursor.execute(sql, ["2020-01-01"])
            rows.append(cursor.fetchall())
    assert rows == [[(1,)]] * 3
    assert (sql, ("text",)) in prepared._REFUSED
    assert "not prepared, runs as plain SQL" in caplog.text
    with connection.cursor() as cursor:  # the transaction goes on
        cursor.execute("SELECT 2")
        assert cursor.fetchall() == [(2,)]


@pytest.mark.django_db
def test_writes_many_and_server_side_cursors_are_not_prepared(quang_ninh):
    from districts.models import District

    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    before = _prepared_here()
    for _ in range(3):
        District.objects.filter(code="193").update(name="Hạ Long")
        assert [d.code for d in District.objects.filter(code="193").iterator(chunk_size=10)] == ["193"]
        with connection.cursor() as cursor:
            cursor.executemany("SELECT %s", [[1], [2]])
    assert _prepared_here() == before


@pytest.mark.django_db
def test_a_prepared_statement_costs_no_more_work_on_its_next_runs(monkeypatch):
    """Numbering the placeholders walks the whole SQL: once per connection, never per run."""
    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    sql = SQL + ", 'numbered once'"
    auto_sql = "SELECT %s + 1 AS numbered_once"
    assert run(sql=sql)[:2] == ([(*ROW, "numbered once")], ["EXECUTE"])
    with connection.cursor() as cursor:  # `auto` prepares it on its second run
        for _ in range(2):
            cursor.execute(auto_sql, [1])
    assert (auto_sql, ("integer",)) in prepared._NAMES

    def not_again(sql):
        raise AssertionError("numbered again")

    monkeypatch.setattr(prepared, "numbered", not_again)
    assert run(sql=sql)[:2] == ([(*ROW, "numbered once")], ["EXECUTE"])
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(auto_sql, [1])
            assert cursor.fetchall() == [(2,)]
