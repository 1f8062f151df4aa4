"""Real servers for the tests that need several processes: gunicorn on a SQLite file (or any
DATABASE_URL), with the production settings, on a free loopback port.

pytest-django's `live_server` runs in a thread of the test process on the test database; an
in-memory SQLite database is one connection shared by every thread, so nothing there can race.
These tests copy a migrated database file with the Quảng Ninh data (built once per session),
start gunicorn on it in a subprocess and talk HTTP to it.
"""

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[1]
PASSWORD = "pw-for-live-tests-1"

# Run by `manage.py shell -c`: an editor, an analyst (each with a token) and the role groups' users.
USERS = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from core.roles import ANALYSTS, EDITORS
for name, group in (("live-editor", EDITORS), ("live-analyst", ANALYSTS)):
    user = get_user_model().objects.create_user(username=name, password={password!r})
    user.groups.add(Group.objects.get(name=group))
    Token.objects.create(user=user)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, tmp_path: Path, **extra: str) -> dict:
    """The production settings (DEBUG off, a random key) on `database_url`."""
    (tmp_path / "static").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "API_THROTTLE_USER": "1000000/minute",
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_TOKEN": "1000000/minute",
        "API_THROTTLE_SCHEMA": "1000000/minute",
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if "REDIS_URL" not in extra:  # the zero-set-up default (local memory) unless the test asks
        env.pop("REDIS_URL", None)
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"manage.py {args[0]}: {result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file, migrated, with the Quảng Ninh data and the live users; copied by each test."""
    directory = tmp_path_factory.mktemp("live-template")
    path = directory / "template.sqlite3"
    env = server_env(f"sqlite:///{path}", directory)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "loaddata", "quang_ninh", "-v0")
    manage(env, "shell", "-v0", "-c", USERS.format(password=PASSWORD))
    return path


@pytest.fixture
def sqlite_database(sqlite_template, tmp_path) -> str:
    """A fresh copy of the template: its DATABASE_URL."""
    path = tmp_path / "live.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@dataclass
class Server:
    base: str
    env: dict
    process: subprocess.Popen
    log: Path
    tokens: dict = field(default_factory=dict)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def shell(self, code: str) -> str:
        return manage(self.env, "shell", "-v0", "-c", code)

    def headers(self, username: str) -> dict:
        return {"Authorization": f"Token {self.tokens[username]}"}


TOKENS = """
from rest_framework.authtoken.models import Token
for token in Token.objects.select_related("user"):
    print(token.user.username, token.key)
"""


@contextlib.contextmanager
def gunicorn(env: dict, tmp_path: Path, *, workers: int = 2, extra_args: tuple = ()) -> Iterator[Server]:
    """gunicorn (sync workers) on a free port; stopped with SIGTERM at the end."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", "60", "--graceful-timeout", "3", *extra_args],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", env, process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{server.base}/api/v1/", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, f"gunicorn exited:\n{server.log_tail()}"
                assert time.monotonic() < deadline, f"gunicorn did not answer within 60 s:\n{server.log_tail()}"
                time.sleep(0.1)
        server.tokens = dict(line.split() for line in server.shell(TOKENS).splitlines() if line.strip())
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
