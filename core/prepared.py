"""SQL that runs again and again, prepared once per database connection (issue 17).

The figures engine keeps the SQL of its reports' queries compiled (`compiled_rows` in
core.api.compiled, `_for_days` in figures.engine): the same text on every request, with other values. PostgreSQL
still planned each of them on every run: 5.5 ms of the dashboard's 16 ms of SQL. Here such a
statement is PREPAREd on the connection the first time it runs there, with its parameters'
types, and from then on run by EXECUTE. PostgreSQL plans it for its first five runs, then
keeps a generic plan where that plan is estimated no costlier than the custom ones
(`plan_cache_mode = auto`, the default).

The ORM's SELECTs are the same text on every request too (a list's page and count, a filter's
lookup), with other values: `auto`, an execute wrapper on every PostgreSQL connection, prepares
each the second time this process runs it (psycopg 3 does as much by itself, `prepare_threshold`;
this project's driver is psycopg2). A statement PostgreSQL refuses to prepare with the types
given runs as plain SQL from then on, and is logged.

Only on PostgreSQL and with settings.PREPARED_STATEMENTS (DJANGO_PREPARED_STATEMENTS=0 turns it
off: behind a connection pooler in transaction mode, one connection's prepared statements are
not the next transaction's). A value of a type not named here (None, a timestamp, a float)
runs the statement as plain SQL. A prepared statement outlives a rolled-back transaction and
ends with its connection: each connection keeps its own set, renewed when Django reconnects.
"""

import datetime
import itertools
import logging
import re
import threading

from django.conf import settings

logger = logging.getLogger(__name__)

MAX_STATEMENTS = 1024  # distinct statements per process (and per connection); more run as plain SQL
_NAMES: dict[tuple, str] = {}
_REFUSED: set[tuple] = set()
_LOCK = threading.Lock()


def _type(value) -> str | None:
    """The PostgreSQL type of a parameter, as the same value sent as a literal would have it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if -(2**31) <= value < 2**31 else "bigint"
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, str):
        return "text"
    return None


def numbered(sql: str) -> str:
    """Django's SQL with `%s` placeholders as PREPARE's `$1, $2 ...`, and `%%` as `%`."""
    count = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(count)}", sql)


_PLACEHOLDER = re.compile("%%|%s")


def _ready(connection, raw_cursor, sql: str, types: tuple, as_written: bool = False) -> str | None:
    """The name of the statement (sql, types) prepared on this connection (PREPAREd the first
    time, its placeholders numbered unless `as_written`); None when it is not to be prepared:
    too many statements already, or PostgreSQL refused it (a parameter that cannot have the
    type its value gives: a string where the SQL wants a timestamp, say), which is remembered
    and logged. Inside a transaction the PREPARE runs in a savepoint, so that a refusal leaves
    the transaction as it was. Only the first run on a connection numbers the placeholders."""
    import psycopg2

    key = (sql, types)
    name = _NAMES.get(key)
    if name is None:
        if key in _REFUSED:
            return None
        with _LOCK:
            if len(_NAMES) >= MAX_STATEMENTS:
                return None
            name = _NAMES.setdefault(key, f"prepared_{len(_NAMES) + 1}")
    raw = connection.connection
    state = getattr(connection, "_prepared_statements", None)
    if state is None or state[0] is not raw:  # a new connection has none
        state = connection._prepared_statements = (raw, set())
    if name in state[1]:
        return name
    text = sql if as_written else numbered(sql)
    statement = f"PREPARE {name} ({', '.join(types)}) AS {text}" if types else f"PREPARE {name} AS {text}"
    savepoint = connection.in_atomic_block or not connection.get_autocommit()
    refused = None
    # Once per connection, as Django's own connection set-up: on the driver's cursor, so that a
    # request's query count (the budgets the tests hold) counts what every request runs.
    with connection.wrap_database_errors:
        if savepoint:
            raw_cursor.execute("SAVEPOINT prepare_statement")
        try:
            raw_cursor.execute(statement)
        except (psycopg2.ProgrammingError, psycopg2.DataError) as exc:
            refused = exc
            if savepoint:
                raw_cursor.execute("ROLLBACK TO SAVEPOINT prepare_statement")
        if savepoint:
            raw_cursor.execute("RELEASE SAVEPOINT prepare_statement")
    if refused is not None:
        _REFUSED.add(key)
        logger.warning("not prepared, runs as plain SQL (%s): %.300s", str(refused).strip(), sql)
        return None
    state[1].add(name)
    return name


def _types(params) -> tuple | None:
    types = tuple(_type(p) for p in params)
    return None if None in types else types


def execute(connection, cursor, sql: str, params: list | tuple | None) -> None:
    """`cursor.execute(sql, params)`, as a prepared statement of the connection where it may be.
    `params` None: the SQL is taken as written (`%` is no escape there, as for the driver)."""
    types = _types(params or ())
    name = None
    if connection.vendor == "postgresql" and settings.PREPARED_STATEMENTS and types is not None:
        name = _ready(connection, cursor.cursor, sql, types, as_written=params is None)
    if name is None:
        cursor.execute(sql, params)
    elif params:
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")


# Every other SELECT (the ORM's), prepared from its AUTO_AFTER-th run in this process on: the
# lists' page and count queries are the same text on every request, with other values.
AUTO_AFTER = 2
MAX_SEEN = 8192  # statements counted; past that, only those already prepared are
_SEEN: dict[tuple, int] = {}


def auto(execute_sql, sql, params, many, context):
    """A database execute wrapper (installed on each PostgreSQL connection: `install`) that runs
    a SELECT seen before as a prepared statement: its planning saved (half of running the
    headcounts list's page query, a fifth of the mergers list's)."""
    connection, cursor = context["connection"], context["cursor"]
    if (
        many
        or params is None
        or not sql.startswith("SELECT ")
        or not settings.PREPARED_STATEMENTS
        or getattr(cursor.cursor, "name", None)  # a server-side cursor: DECLARE takes no EXECUTE
    ):
        return execute_sql(sql, params, many, context)
    types = _types(params)
    if types is None:
        return execute_sql(sql, params, many, context)
    key = (sql, types)
    if key not in _NAMES:
        seen = _SEEN.get(key, 0) + 1
        if seen < AUTO_AFTER:
            if len(_SEEN) < MAX_SEEN:
                _SEEN[key] = seen
            return execute_sql(sql, params, many, context)
    name = _ready(connection, cursor.cursor, sql, types)
    if name is None:
        return execute_sql(sql, params, many, context)
    if params:
        return execute_sql(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params, many, context)
    return execute_sql(f"EXECUTE {name}", None, many, context)


def install(sender=None, connection=None, **kwargs) -> None:
    """On `connection_created`: `auto` among the connection's execute wrappers (PostgreSQL)."""
    if connection.vendor == "postgresql" and auto not in connection.execute_wrappers:
        connection.execute_wrappers.append(auto)


def original(sql: str) -> str:
    """The SQL a statement such as `EXECUTE prepared_3 (...)` runs, as it was written (the
    queries a test or a log captured); any other SQL as it is."""
    if not sql.startswith("EXECUTE prepared_"):
        return sql
    name = sql.split()[1]
    for (text, _types), known in list(_NAMES.items()):
        if known == name:
            return text
    return sql
