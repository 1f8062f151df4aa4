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


def database_config() -> dict:
    """DATABASE_URL, or a SQLite file in the project when it is unset."""
    default = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    url = env_str("DATABASE_URL", default)
    config = dj_database_url.parse(url, conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600), conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite locks the whole file: wait for a writer instead of failing at once.
        config.setdefault("OPTIONS", {})["timeout"] = 20
    return config


# --- issue 7 (hardening) ---------------------------------------------------------------

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
