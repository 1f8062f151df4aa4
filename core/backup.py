"""Back up and restore the database: pg_dump/psql on PostgreSQL, a file copy on SQLite.

Used by the `backup_db` and `restore_db` management commands (`make backup`, `make restore`).
A database is described by a Django settings dict (DATABASES["default"], or one parsed
from a DATABASE_URL), so a backup can be restored into another, empty database.

- PostgreSQL: a plain SQL dump without owners or privileges, with `DROP ... IF EXISTS`
  before each object, replayed by psql in a single transaction that stops at the first
  error: a restore either replaces everything or changes nothing.
- SQLite: SQLite's online backup API, a page-by-page copy of the file that is consistent
  even while the application writes.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import dj_database_url
from django.db import connections

BASE_DIR = Path(__file__).resolve().parent.parent  # the project directory

BACKUP_DIR = BASE_DIR / "backups"
POSTGRES = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"
SUFFIX = {POSTGRES: ".sql", SQLITE: ".sqlite3"}


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def database_from_url(url: str) -> dict:
    return dj_database_url.parse(url)


def database_or_default(url: str | None) -> dict:
    """The database `url` names (a command's --database-url), else the application's own."""
    return database_from_url(url) if url else connections["default"].settings_dict


def engine_of(database: dict) -> str:
    engine = database["ENGINE"]
    if engine not in SUFFIX:
        raise BackupError(f"Unsupported database engine {engine!r}: only PostgreSQL and SQLite.")
    return engine


def default_backup_path(database: dict, now: datetime.datetime | None = None) -> Path:
    """backups/<database name>-<YYYYmmdd-HHMMSS>.<sql|sqlite3>."""
    now = now or datetime.datetime.now()
    name = Path(str(database["NAME"])).stem if engine_of(database) == SQLITE else str(database["NAME"])
    return BACKUP_DIR / f"{name}-{now:%Y%m%d-%H%M%S}{SUFFIX[engine_of(database)]}"


def latest_backup(database: dict) -> Path | None:
    """The newest backup of this engine's kind in backups/, or None."""
    candidates = sorted(BACKUP_DIR.glob(f"*{SUFFIX[engine_of(database)]}"), key=lambda p: p.stat().st_mtime)
    return candidates[-1] if candidates else None


def backup(*, database: dict, path: Path) -> Path:
    """Write a backup of `database` to `path` (parent folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if engine_of(database) == POSTGRES:
        _run(
            ["pg_dump", "--no-owner", "--no-privileges", "--clean", "--if-exists", "--file", str(partial)],
            database,
        )
    else:
        _sqlite_copy(source=_sqlite_name(database), target=str(partial))
    # A backup file exists only once complete: an interrupted run leaves a .partial behind.
    partial.replace(path)
    return path


def restore(*, database: dict, path: Path) -> None:
    """Replace the contents of `database` by the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if engine_of(database) == POSTGRES:
        _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--file", str(path)], database)
    else:
        _sqlite_copy(source=str(path), target=_sqlite_name(database))


def _sqlite_name(database: dict) -> str:
    return str(database["NAME"])


def _sqlite_copy(*, source: str, target: str) -> None:
    # `file:` names are URIs: the in-memory database of a test run is reachable that way.
    src = sqlite3.connect(source, uri=source.startswith("file:"))
    dst = sqlite3.connect(target, uri=target.startswith("file:"))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _run(command: list[str], database: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    args = [*command, "--dbname", str(database["NAME"])]
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    sslmode = (database.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")
