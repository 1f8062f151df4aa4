"""SQL that runs again and again, prepared once per database connection (issue 17).

The figures engine keeps the SQL of its reports' queries compiled (figures.engine:
`compiled_rows`, `_for_days`): the same text on every request, with other values. PostgreSQL
still planned each of them on every run: 5.5 ms of the dashboard's 16 ms of SQL. Here such a
statement is PREPAREd on the connection the first time it runs there, with its parameters'
types, and from then on run by EXECUTE. PostgreSQL plans it for its first five runs, then
keeps a generic plan where that plan is estimated no costlier than the custom ones
(`plan_cache_mode = auto`, the default).

Only on PostgreSQL and with settings.PREPARED_STATEMENTS (DJANGO_PREPARED_STATEMENTS=0 turns it
off: behind a connection pooler in transaction mode, one connection's prepared statements are
not the next transaction's). A value of a type not named here (None, a timestamp, a float)
runs the statement as plain SQL. A prepared statement outlives a rolled-back transaction and
ends with its connection: each connection keeps its own set, renewed when Django reconnects.
"""

import datetime
import threading

from django.conf import settings

MAX_STATEMENTS = 1024  # distinct statements per process (and per connection); more run as plain SQL
_NAMES: dict[tuple, str] = {}
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
    out, n, i = [], 0, 0
    while i < len(sql):
        if sql.startswith("%%", i):
            out.append("%")
            i += 2
        elif sql.startswith("%s", i):
            n += 1
            out.append(f"${n}")
            i += 2
        else:
            out.append(sql[i])
            i += 1
    return "".join(out)


def execute(connection, cursor, sql: str, params: list | tuple | None) -> None:
    """`cursor.execute(sql, params)`, as a prepared statement of the connection where it may be.
    Without parameters (None or empty) the SQL is taken as written: `%` is not an escape there."""
    params = params or ()
    types = tuple(_type(p) for p in params)
    if connection.vendor != "postgresql" or not settings.PREPARED_STATEMENTS or None in types:
        cursor.execute(sql, params or None)
        return
    name = _NAMES.get((sql, types))
    if name is None:
        with _LOCK:
            if len(_NAMES) >= MAX_STATEMENTS:
                cursor.execute(sql, params)
                return
            name = _NAMES.setdefault((sql, types), f"prepared_{len(_NAMES) + 1}")
    raw = connection.connection
    state = getattr(connection, "_prepared_statements", None)
    if state is None or state[0] is not raw:  # a new connection has none
        state = connection._prepared_statements = (raw, set())
    if name not in state[1]:
        # Once per connection, as Django's own connection set-up: on the driver's cursor, so that
        # a request's query count (the budgets the tests hold) counts what every request runs.
        with connection.wrap_database_errors:
            if params:
                cursor.cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {numbered(sql)}")
            else:
                cursor.cursor.execute(f"PREPARE {name} AS {sql}")
        state[1].add(name)
    if params:
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")


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
