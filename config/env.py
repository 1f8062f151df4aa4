"""The one place that reads the process environment.

Every setting that may differ between a developer's laptop, CI and production is read
here, so `.env.example` and this module list the same variables.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

# Refused in production (see config.settings): only good enough for DEBUG runs.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-dev-only-change-me"

TRUTHY = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUTHY


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_str(name: str, default: str) -> str:
    return os.environ.get(name) or default


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


SQLITE_TIMEOUT_SECONDS = 20


def database_config() -> dict:
    """DATABASE_URL, or a SQLite file in the project when it is unset."""
    default = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    url = env_str("DATABASE_URL", default)
    config = dj_database_url.parse(url, conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600), conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite locks the whole file. A transaction that reads first and writes later (every
        # service: lock, check, write) would ask for the write lock mid-way, and SQLite refuses
        # that at once while another writer holds it ("database is locked", a 500): four
        # simultaneous completions of one merger gave 200, 500, 500, 500. IMMEDIATE takes the
        # write lock at BEGIN, so writers queue (up to `timeout` seconds) and the later ones
        # see the first one's commit: 200, 409, 409, 409 (tests/security/test_sqlite_concurrency.py).
        config.setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=SQLITE_TIMEOUT_SECONDS)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL compiles a query whose estimated cost passes jit_above_cost to machine code:
        # for the progress report's one statement over 2,000 mergers, 112 ms of compiling for
        # 215 ms of work, on every request. The application's queries are short index lookups;
        # JIT pays only for long analytical scans, which it does not run.
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


# --- production: the secret key, HTTPS, the proxy ----------------------------------------

# Django's own test of a weak key (security.W009): shorter than 50 characters, fewer than 5
# distinct ones, or Django's generated insecure prefix.
SECRET_KEY_MIN_LENGTH = 50


def secret_key_is_weak(key: str) -> bool:
    return (
        key == INSECURE_DEFAULT_SECRET_KEY
        or len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < 5
        or key.startswith("django-insecure")
    )


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """A header set by the TLS-terminating proxy, as `X-Forwarded-Proto=https`.

    Returns Django's SECURE_PROXY_SSL_HEADER pair ("HTTP_X_FORWARDED_PROTO", "https"),
    or None when the variable is unset. Set it only behind a proxy that overwrites that
    header: otherwise any client could claim to be on HTTPS.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    header, sep, expected = value.partition("=")
    if not sep or not header.strip() or not expected.strip():
        raise ValueError(f"{name} must look like 'X-Forwarded-Proto=https', not {value!r}")
    meta = header.strip().upper().replace("-", "_")
    if not meta.startswith("HTTP_"):
        meta = f"HTTP_{meta}"
    return meta, expected.strip()


# --- one cache for every worker -------------------------------------------------------------

LOCAL_CACHE_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def cache_config() -> dict:
    """CACHES: Redis when REDIS_URL is set, each process's own memory otherwise.

    `default` holds the throttle counters, `reads` the read cache and the cached token users
    and permissions (core/readcache.py, core/auth.py). In local memory every gunicorn
    worker keeps its own counters, so three workers allow three times the throttle rate: fine
    for `make run`, not for production (the deploy check config.W001 says so). The read cache
    is right in either (its keys carry the database's data stamp); shared, a page built by one
    worker serves them all. DJANGO_CACHE_KEY_PREFIX separates sites (or test runs) sharing a Redis.
    """
    url = env_str("REDIS_URL", "")
    prefix = env_str("DJANGO_CACHE_KEY_PREFIX", "")
    if url:
        redis = "core.cache.RedisCache"  # Django's, one client per pool
        return {
            "default": {"BACKEND": redis, "LOCATION": url, "KEY_PREFIX": f"{prefix}default"},
            "reads": {"BACKEND": redis, "LOCATION": url, "KEY_PREFIX": f"{prefix}reads"},
        }
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        # A national staffing report is about 300 kB: 400 entries bound a worker's memory.
        "reads": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "reads",
            "OPTIONS": {"MAX_ENTRIES": 400},
        },
    }
