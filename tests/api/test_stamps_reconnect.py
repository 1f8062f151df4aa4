"""The stamps query is each request's health check (core.readcache._read_stamps, issue 17)."""

import pytest

from core import readcache


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_between_requests_is_reopened():
    """PostgreSQL: the backend of the persistent connection is terminated (a restart, an
    administrator) between two requests; the next request's first query, the stamps, finds it
    dead, reconnects and reads them, as Django's health check would have (CONN_HEALTH_CHECKS)."""
    import psycopg2
    from django.db import close_old_connections, connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    assert not connection.in_atomic_block
    before = readcache.stamps()
    pid = connection.connection.get_backend_pid()
    params = connection.get_connection_params()
    other = psycopg2.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()
    close_old_connections()  # what the WSGI handler does when a request starts
    assert connection.health_check_done is False
    assert readcache.stamps() == before
    assert connection.connection.get_backend_pid() != pid
