"""Backup and restore: a backup restored into an empty database reproduces every report figure."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.hardening.figures import all_report_figures, as_json

FIXTURE = str(Path(settings.BASE_DIR) / "fixtures" / "quang_ninh.json")


def postgres_url(db: dict, name: str) -> str:
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def empty_database_url(tmp_path):
    """A new, empty database of the kind under test (PostgreSQL: a scratch database)."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(db, name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def figures_in(database_url: str) -> dict:
    """The report figures computed by another process, on another database."""
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from tests.hardening.figures import dump; dump()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def table_count(database_url: str) -> int:
    code = "from django.db import connection; print(len(connection.introspection.table_names()))"
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_reproduces_every_report_figure(tmp_path, empty_database_url):
    call_command("loaddata", FIXTURE, verbosity=0)
    before = as_json(all_report_figures())
    # The figures are the real ones, not an empty report that would trivially match.
    mttq = next(p for p in before["progress"]["2017-09-27 authorised"] if p["programme"] == "khoi-mttq")
    assert (mttq["headcount_before"], mttq["headcount_after"], mttq["completed"], mttq["total"]) == (279, 244, 12, 14)
    assert before["rows"]["mergers.Merger"] == 42

    backup_file = tmp_path / "backups" / "quang_ninh.backup"
    call_command("backup_db", output=str(backup_file), verbosity=0)
    assert backup_file.is_file()
    assert not backup_file.with_name("quang_ninh.backup.partial").exists()

    assert table_count(empty_database_url) == 0
    call_command("restore_db", input=str(backup_file), database_url=empty_database_url, interactive=False)

    assert figures_in(empty_database_url) == before


@pytest.mark.django_db(transaction=True)
def test_restore_replaces_what_was_there(tmp_path, empty_database_url):
    """Restoring the backup over a database with other data leaves exactly the backup's data."""
    from districts.models import Province

    call_command("loaddata", FIXTURE, verbosity=0)
    first = tmp_path / "with-data.backup"
    call_command("backup_db", output=str(first), verbosity=0)
    Province.objects.create(code="99", name="Tỉnh thử")
    second = tmp_path / "with-extra.backup"
    call_command("backup_db", output=str(second), verbosity=0)

    call_command("restore_db", input=str(second), database_url=empty_database_url, interactive=False)
    call_command("restore_db", input=str(first), database_url=empty_database_url, interactive=False)

    assert figures_in(empty_database_url)["rows"]["districts.Province"] == 1


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"^No backup file at .*/nothing-here\.sql\.$"):
        call_command(
            "restore_db",
            input=str(tmp_path / "nothing-here.sql"),
            database_url="postgres://postgres@127.0.0.1:5432/none",
            interactive=False,
        )
