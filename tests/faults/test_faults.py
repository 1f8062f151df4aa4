"""Faults under load: a gunicorn worker killed with SIGKILL and PostgreSQL restarted while
editors write through the API.

gunicorn runs the production settings (DEBUG off, persistent connections) on a scratch
database loaded with the Quảng Ninh data. Six editors record headcounts and a seventh plans
and completes mergers, each call once (never retried). Meanwhile: a worker is SIGKILLed,
PostgreSQL is stopped and started under load, then restarted once more while the writers are
held (so every worker keeps a dead persistent connection that no error has flagged).

Afterwards every write answered 2xx is in the database exactly once with the figures that
were sent and its history row; no row exists that nobody wrote; every merger is either
planned or completed in full, never half-way; the reports served agree with the records;
only calls that overlapped a fault failed, and only with 5xx or no answer; and the
application serves again without anyone touching it (gunicorn respawns the worker; Django's
CONN_HEALTH_CHECKS, config/env.py, reopens the dead connections: with it off the calls after
the quiet restart fail and so does this test).

Not part of `make test`: restarting PostgreSQL cuts every connection, pytest-django's own
included, so this runs alone (`make test-faults`, marker `faults`, deselected by default).
It needs the PostgreSQL cluster behind DATABASE_URL on this machine (pg_ctlcluster); without
it the test is skipped, unless RUN_FAULTS=1 (CI) makes that a failure.
"""

import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import dj_database_url
import psycopg2
import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.faults

WORKERS = 3
WRITERS = 6
KILL_AT = 5.0  # SIGKILL one worker
PG_STOP_AT = 10.0  # stop PostgreSQL under load ...
PG_DOWN_FOR = 3.0  # ... and start it again this much later
QUIET_AFTER = 6.0  # seconds of writes after it; then hold the writers and restart PostgreSQL again
LOAD_AFTER = 8.0  # seconds of writes after the second restart
MERGER_SECONDS = 35.0  # the mergers are spread over this time
RECOVERY_BOUND = 20.0  # seconds within which the application must serve again
FIRST_DAY = datetime.date(2021, 1, 1)  # headcounts after the shipped data, for agencies still active
LAST_WRITE_DAY = "2022-01-01"  # the writers' dates stay before it (a few weeks after FIRST_DAY)
HTTP_TIMEOUT = (3, 20)
FAILURE_PAUSE = 0.2  # seconds a writer waits after a failed call (a refused connection fails at once)
PROGRAMMES = 3  # extra programmes, each with a merger to plan and complete in every district
DECIDED_ON = datetime.date(2021, 6, 1)  # the merger sources exist from then (not in the headcount writers' list)
EFFECTIVE_ON = datetime.date(2021, 7, 1)


def _unavailable(reason: str):
    if os.environ.get("RUN_FAULTS") == "1":
        pytest.fail(f"RUN_FAULTS=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def _alone(request):
    """Never next to other tests: the restart would cut their database connections."""
    if any(item.get_closest_marker("faults") is None for item in request.session.items):
        pytest.skip("the fault test restarts PostgreSQL: run it alone (make test-faults)")


# --- PostgreSQL: the cluster behind DATABASE_URL, a scratch database on it ---------------------


@dataclass
class Cluster:
    version: str
    name: str
    host: str
    port: int
    user: str
    password: str

    def ctl(self, action: str, *extra: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *extra],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def is_ready(self) -> bool:
        result = subprocess.run(["pg_isready", "-q", "-h", self.host, "-p", str(self.port)], timeout=10)
        return result.returncode == 0

    def wait_ready(self, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"PostgreSQL {self.version}/{self.name} not ready after {timeout} s")
            time.sleep(0.05)
        return time.monotonic()

    def ensure_running(self) -> None:
        if not self.is_ready():
            self.ctl("start")
            self.wait_ready()

    def connect(self, dbname: str):
        return psycopg2.connect(
            dbname=dbname, user=self.user, password=self.password, host=self.host, port=self.port, connect_timeout=10
        )

    def url(self, dbname: str) -> str:
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{dbname}"


@pytest.fixture(scope="module")
def cluster():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        _unavailable("the fault test needs DATABASE_URL on PostgreSQL (make test-faults)")
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        _unavailable("the fault test restarts PostgreSQL with pg_ctlcluster, missing on this machine")
    db = dj_database_url.parse(url)
    host, port = db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)
    if host not in {"127.0.0.1", "localhost", "::1"}:
        _unavailable(f"PostgreSQL at {host} is not on this machine: it cannot be restarted")
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    found = [line.split() for line in listing.splitlines() if len(line.split()) > 2 and line.split()[2] == str(port)]
    if not found:
        _unavailable(f"no PostgreSQL cluster of this machine listens on port {port} (pg_lsclusters)")
    cluster = Cluster(found[0][0], found[0][1], host, port, db["USER"] or "postgres", db["PASSWORD"] or "")
    cluster.ensure_running()
    try:
        yield cluster
    finally:
        cluster.ensure_running()  # whatever happened, PostgreSQL is left running


@pytest.fixture
def scratch_database(cluster):
    name = f"faults_{os.getpid()}"
    admin = cluster.connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    try:
        yield name
    finally:
        cluster.ensure_running()
        admin = cluster.connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- gunicorn with the production settings ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (gunicorn's workers under its master)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


@dataclass
class Server:
    base: str
    master: subprocess.Popen | None
    log: Path
    env: dict
    token: str = ""

    def workers(self) -> set[int]:
        return _children(self.master.pid)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"manage.py {args[0]}: {result.stderr}"
        return result.stdout

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


EDITOR = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from core.roles import EDITORS
user = get_user_model().objects.create_user(username="faults-editor", password={password!r})
user.groups.add(Group.objects.get(name=EDITORS))
"""


@pytest.fixture
def server(cluster, scratch_database, tmp_path):
    password = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url(scratch_database),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_CONN_MAX_AGE": "600",  # persistent connections, as in production
        "API_THROTTLE_USER": "1000000/minute",
        "API_THROTTLE_ANON": "1000000/minute",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    srv = Server(f"http://127.0.0.1:{port}", None, log, env)
    srv.manage("migrate", "--no-input", "-v0")
    srv.manage("loaddata", "quang_ninh", "-v0")
    srv.manage("collectstatic", "--no-input", "-v0")
    srv.manage("shell", "-c", EDITOR.format(password=password))
    with log.open("w") as out:
        master = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--timeout",
                "10",
                "--graceful-timeout",
                "3",
                "--access-logfile",
                "-",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    srv.master = master
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.post(
                    f"{srv.base}/api/v1/auth/token/",
                    json={"username": "faults-editor", "password": password},
                    timeout=HTTP_TIMEOUT,
                )
                assert answer.status_code == 200, answer.text
                srv.token = answer.json()["token"]
                break
            except requests.ConnectionError:
                assert master.poll() is None, f"gunicorn exited:\n{srv.log_tail()}"
                assert time.monotonic() < deadline, f"gunicorn did not answer within 60 s:\n{srv.log_tail()}"
                time.sleep(0.2)
        while len(srv.workers()) < WORKERS:
            assert time.monotonic() < deadline, f"gunicorn has not started {WORKERS} workers:\n{srv.log_tail()}"
            time.sleep(0.1)
        yield srv
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(timeout=15)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait(timeout=15)


# --- the editors' writes ------------------------------------------------------------------------


@dataclass
class Attempt:
    marker: str
    agency: int
    as_of: datetime.date
    authorised: int
    actual: int
    started: float = 0.0
    ended: float = 0.0
    status: int | None = None  # None: no HTTP answer at all (connection reset, timeout)
    error: str = ""
    record_id: int | None = None
    etag: str | None = None  # the ETag of a 2xx answer (sent back as If-Match by the next write)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Gate:
    """Lets the writers through, or holds them and waits until none is in the middle of a call."""

    def __init__(self):
        self._open = True
        self._busy = 0
        self._condition = threading.Condition()

    def enter(self) -> None:
        with self._condition:
            while not self._open:
                self._condition.wait()
            self._busy += 1

    def leave(self) -> None:
        with self._condition:
            self._busy -= 1
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self._open = False
            while self._busy:
                self._condition.wait()

    def open(self) -> None:
        with self._condition:
            self._open = True
            self._condition.notify_all()


def call(
    session: requests.Session, gate: Gate, attempt: Attempt, url: str, payload: dict, if_match: str | None = None
) -> dict | None:
    """POST once (no retry) when the gate lets it; the answer's JSON when it is 2xx. Records the outcome in `attempt`."""
    gate.enter()
    attempt.started = time.monotonic()
    try:
        headers = {"If-Match": if_match} if if_match else {}
        answer = session.post(url, json=payload, timeout=HTTP_TIMEOUT, headers=headers)
        attempt.status = answer.status_code
        attempt.etag = answer.headers.get("ETag")
        body = answer.json() if attempt.ok else None
        if not attempt.ok:
            attempt.error = answer.text[:200]
    except (requests.RequestException, ValueError) as exc:
        attempt.error = f"{type(exc).__name__}: {exc}"[:200]
        body = None
    attempt.ended = time.monotonic()
    gate.leave()
    return body


def writer(server: Server, gate: Gate, index: int, agencies: list[int], run: str, stop: threading.Event, out: list):
    """One editor: a stream of new headcount records, each (agency, date) pair used once, never retried."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {server.token}"
    k = 0
    while not stop.is_set():
        agency = agencies[k % len(agencies)]
        as_of = FIRST_DAY + datetime.timedelta(days=k // len(agencies))
        attempt = Attempt(
            marker=f"{run}-w{index}-{k}",
            agency=agency,
            as_of=as_of,
            authorised=10 + (k * 7 + index) % 90,
            actual=5 + (k * 3 + index) % 90,
        )
        body = call(
            session,
            gate,
            attempt,
            f"{server.base}/api/v1/headcounts/",
            {
                "agency": agency,
                "as_of": as_of.isoformat(),
                "authorised": attempt.authorised,
                "actual": attempt.actual,
                "source": attempt.marker,
                "source_kind": "demo",
                # the figures are arbitrary; an editor who meets the plausibility warning confirms
                "confirm": True,
            },
        )
        if body is not None:
            attempt.record_id = body["id"]
        out.append(attempt)
        k += 1
        if body is None:
            stop.wait(FAILURE_PAUSE)  # an editor looks at the error before typing the next figure


def writable_agencies(server: Server) -> list[int]:
    answer = requests.get(
        f"{server.base}/api/v1/agencies/",
        params={"active_on": FIRST_DAY.isoformat(), "page_size": 500},
        headers={"Authorization": f"Token {server.token}"},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    # Every agency ends with the district tier (01/07/2025): those active long after the writes' dates.
    return sorted(
        a["id"] for a in answer.json()["results"] if a["dissolved_on"] is None or a["dissolved_on"] > LAST_WRITE_DAY
    )


def rows_by_marker(cluster: Cluster, database: str, run: str) -> dict[str, list[tuple]]:
    connection = cluster.connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT r.source, r.id, r.agency_id, r.as_of, r.authorised, r.actual,
                       (SELECT count(*) FROM mergers_historicalheadcountrecord h
                         WHERE h.id = r.id AND h.history_type = '+')
                  FROM mergers_headcountrecord r
                 WHERE r.source LIKE %s
                """,
                [f"{run}-%"],
            )
            rows: dict[str, list[tuple]] = {}
            for source, *rest in cursor.fetchall():
                rows.setdefault(source, []).append(tuple(rest))
            return rows
    finally:
        connection.close()


FRESH_STAFFING = """
import json
from rest_framework.test import APIClient
from django.contrib.auth import get_user_model

# The staffing report computed now, in a new process (its cache starts empty).
client = APIClient()
client.force_authenticate(get_user_model().objects.get(username="faults-editor"))
answer = client.get("/api/v1/reports/staffing/", {"as_of": "2031-01-01"}, HTTP_HOST="127.0.0.1")
print(json.dumps(answer.json()))
"""


MERGER_PLAN = """
import datetime
import json
from core.actors import SYSTEM
from districts.models import District
from mergers import services
from mergers.models import AgencyType

day = {day!r}
types = list(AgencyType.objects.filter(in_district_quota=True).order_by("code")[:3])
chains = []
for p in range({programmes}):
    programme = services.programme_create(
        user=SYSTEM,
        code=f"thu-loi-{{p}}",
        name=f"Đề án thử lỗi {{p}}",
        result_type=types[2],
        source_types=types[:2],
        decision_number=f"{{p}}-QĐ/TU",
        decided_on=day,
    )
    for district in District.objects.order_by("code"):
        if district.is_active_on(day):
            sources = [
                services.agency_create(
                    user=SYSTEM, district=district, agency_type=t, name=f"Nguồn thử lỗi {{p}}-{{i}} {{district.code}}", established_on=day
                )
                for i, t in enumerate(types[:2])
            ]
            chains.append({{"programme": programme.code, "district": district.code, "sources": [a.pk for a in sources]}})
print(json.dumps(chains))
"""


@dataclass
class MergerChain:
    """An editor plans a merger and completes it: two API calls, the second only if the first answered 2xx."""

    marker: str
    programme: str
    district: str
    sources: list[int]
    headcount_after: int
    created: Attempt | None = None
    completed: Attempt | None = None
    merger_id: int | None = None


def merger_writer(server: Server, gate: Gate, chains: list[MergerChain], stop: threading.Event, pace: float) -> None:
    """Plans and completes a merger every `pace` seconds (or as fast as it can); never retries
    (a failed call ends its chain)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {server.token}"
    start = time.monotonic()
    for k, chain in enumerate(chains):
        if stop.wait(max(0.0, start + k * pace - time.monotonic())):
            return
        chain.created = Attempt(chain.marker, 0, DECIDED_ON, 0, 0)
        body = call(
            session,
            gate,
            chain.created,
            f"{server.base}/api/v1/mergers/",
            {
                "programme": chain.programme,
                "district": chain.district,
                "source_agencies": chain.sources,
                "decision_number": chain.marker,
                "decided_on": DECIDED_ON.isoformat(),
            },
        )
        if body is None:
            continue
        chain.merger_id = chain.created.record_id = body["id"]
        chain.completed = Attempt(chain.marker, 0, EFFECTIVE_ON, chain.headcount_after, 0)
        call(
            session,
            gate,
            chain.completed,
            f"{server.base}/api/v1/mergers/{chain.merger_id}/complete/",
            {
                "effective_on": EFFECTIVE_ON.isoformat(),
                "headcount_after": chain.headcount_after,
                "result_name": f"Kết quả {chain.marker}",
            },
            # As an editor's client does: complete the merger as it was created, or get 412.
            if_match=chain.created.etag,
        )


def mergers_in_database(cluster: Cluster, database: str, run: str) -> dict[str, list[dict]]:
    """Each of this run's mergers as the database holds it, with its sources, stages, result and its headcounts."""
    connection = cluster.connect(database)
    out: dict[str, list[dict]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                # The decision number lives in the register (issue 14): the marker is the decision's number.
                "SELECT m.id, d.number, m.status, m.effective_on, m.result_agency_id FROM mergers_merger m"
                " JOIN mergers_decision d ON d.id = m.decision_id WHERE d.number LIKE %s",
                [f"{run}-%"],
            )
            for merger_id, marker, status, effective_on, result_id in cursor.fetchall():
                cursor.execute(
                    "SELECT a.id, a.dissolved_on FROM mergers_merger_source_agencies s"
                    " JOIN mergers_agency a ON a.id = s.agency_id WHERE s.merger_id = %s ORDER BY a.id",
                    [merger_id],
                )
                sources = cursor.fetchall()
                cursor.execute(
                    'SELECT status, "on" FROM mergers_mergerstage WHERE merger_id = %s ORDER BY "on", id', [merger_id]
                )
                stages = cursor.fetchall()
                result = headcounts = None
                if result_id is not None:
                    cursor.execute(
                        "SELECT name, established_on, dissolved_on FROM mergers_agency WHERE id = %s", [result_id]
                    )
                    result = cursor.fetchone()
                    cursor.execute(
                        "SELECT as_of, authorised FROM mergers_headcountrecord WHERE agency_id = %s", [result_id]
                    )
                    headcounts = cursor.fetchall()
                out.setdefault(marker, []).append(
                    {
                        "id": merger_id,
                        "status": status,
                        "effective_on": effective_on,
                        "sources": sources,
                        "stages": stages,
                        "result": result,
                        "result_headcounts": headcounts,
                    }
                )
            cursor.execute("SELECT count(*) FROM mergers_agency WHERE name LIKE %s", [f"Kết quả {run}-%"])
            out["__result_agencies__"] = cursor.fetchone()[0]
    finally:
        connection.close()
    return out


# --- the test -----------------------------------------------------------------------------------


def test_no_answered_write_is_lost_or_duplicated_and_the_application_recovers(cluster, scratch_database, server):
    run = f"faults-{secrets.token_hex(4)}"
    agencies = writable_agencies(server)
    assert len(agencies) >= WRITERS * 5, agencies
    plan = json.loads(
        server.manage("shell", "-c", MERGER_PLAN.format(day=DECIDED_ON, programmes=PROGRAMMES)).strip().splitlines()[-1]
    )
    chains = [MergerChain(f"{run}-m{k}", headcount_after=3 + k % 20, **c) for k, c in enumerate(plan)]
    attempts: list[list[Attempt]] = [[] for _ in range(WRITERS)]
    stop, gate = threading.Event(), Gate()
    threads = [
        threading.Thread(
            target=writer, args=(server, gate, i, agencies[i::WRITERS], run, stop, attempts[i]), daemon=True
        )
        for i in range(WRITERS)
    ]
    pace = MERGER_SECONDS / len(chains)
    threads.append(threading.Thread(target=merger_writer, args=(server, gate, chains, stop, pace), daemon=True))
    first_workers = server.workers()
    assert len(first_workers) == WORKERS

    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        # 1. SIGKILL one worker in the middle of the writes.
        time.sleep(KILL_AT)
        victim = min(first_workers)
        t_kill = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        while not (len(server.workers()) == WORKERS and victim not in server.workers()):
            assert time.monotonic() < t_kill + RECOVERY_BOUND, f"no worker respawned:\n{server.log_tail()}"
            time.sleep(0.02)
        respawn = time.monotonic() - t_kill

        # 2. Stop PostgreSQL under load (fast: every session is cut), leave it down a moment,
        #    start it again. Writes in flight fail (5xx); from its restart on, every write succeeds.
        time.sleep(max(0.0, t0 + PG_STOP_AT - time.monotonic()))
        t_pg_stop = time.monotonic()
        cluster.ctl("stop", "-m", "fast")
        time.sleep(PG_DOWN_FOR)
        cluster.ctl("start")
        t_pg_ready = cluster.wait_ready()

        # 3. Restart it again while no request is running (a nightly maintenance): every worker is
        #    left with a dead persistent connection that no error has flagged. Only the health
        #    check before reuse (CONN_HEALTH_CHECKS) saves each worker's next request from a 500.
        time.sleep(QUIET_AFTER)
        gate.close()
        t_quiet = time.monotonic()
        cluster.ctl("restart", "-m", "fast")
        cluster.wait_ready()
        gate.open()
        t_quiet_ready = time.monotonic()

        # 4. Keep writing.
        time.sleep(LOAD_AFTER)
    finally:
        gate.open()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        cluster.ensure_running()
    t_end = time.monotonic()

    done = [a for per_writer in attempts for a in per_writer]
    answered = [a for a in done if a.ok]
    failed = [a for a in done if not a.ok]
    merger_calls = [a for chain in chains for a in (chain.created, chain.completed) if a is not None]

    # The master is still there with all its workers (the killed one was replaced above).
    assert server.master.poll() is None and len(server.workers()) == WORKERS

    # Every write answered 2xx is in the database exactly once, as sent, with its history row;
    # nothing is there that was not written; a failed write is there at most once.
    rows = rows_by_marker(cluster, scratch_database, run)
    by_marker = {a.marker: a for a in done}
    assert set(rows) <= set(by_marker)
    assert {marker: len(found) for marker, found in rows.items() if len(found) != 1} == {}
    lost = [a.marker for a in answered if a.marker not in rows]
    assert lost == []
    for a in answered:
        assert rows[a.marker] == [(a.record_id, a.agency, a.as_of, a.authorised, a.actual, 1)]
    for marker, [(_, agency, as_of, authorised, actual, history)] in rows.items():
        a = by_marker[marker]
        assert (agency, as_of, authorised, actual, history) == (a.agency, a.as_of, a.authorised, a.actual, 1)
    committed_unanswered = [a for a in failed if a.marker in rows]

    # Every merger is either planned or completed, never half-way: a completed one has its
    # sources dissolved, its result agency created with its headcount, and its completed stage,
    # in full; a planned one has none of it. Every 2xx answer holds.
    in_db = mergers_in_database(cluster, scratch_database, run)
    result_agencies = in_db.pop("__result_agencies__")
    by_chain = {chain.marker: chain for chain in chains}
    assert set(in_db) <= set(by_chain)
    assert {marker: len(found) for marker, found in in_db.items() if len(found) != 1} == {}
    completed = 0
    for marker, [merger] in in_db.items():
        chain = by_chain[marker]
        assert [source_id for source_id, _ in merger["sources"]] == sorted(chain.sources)
        if chain.created.ok:
            assert merger["id"] == chain.merger_id
        if merger["status"] == "completed":
            completed += 1
            assert merger["effective_on"] == EFFECTIVE_ON
            assert {dissolved for _, dissolved in merger["sources"]} == {EFFECTIVE_ON}
            assert merger["stages"] == [("planned", DECIDED_ON), ("completed", EFFECTIVE_ON)]
            assert merger["result"] == (f"Kết quả {marker}", EFFECTIVE_ON, None)
            assert merger["result_headcounts"] == [(EFFECTIVE_ON, chain.headcount_after)]
        else:
            assert merger["status"] == "planned" and not (chain.completed and chain.completed.ok)
            assert (merger["effective_on"], merger["result"]) == (None, None)
            assert {dissolved for _, dissolved in merger["sources"]} == {None}
            assert merger["stages"] == [("planned", DECIDED_ON)]
    assert [c.marker for c in chains if c.created and c.created.ok and c.marker not in in_db] == []
    assert result_agencies == completed
    mergers_completed_answered = sum(1 for c in chains if c.completed and c.completed.ok)

    # What the workers serve after the faults is what the records say now: the staffing report
    # from every worker (through its read cache) equals one computed afresh in a new process.
    fresh = json.loads(server.manage("shell", "-c", FRESH_STAFFING).strip().splitlines()[-1])
    for _ in range(2 * WORKERS):
        served = requests.get(
            f"{server.base}/api/v1/reports/staffing/",
            params={"as_of": "2031-01-01"},
            headers={"Authorization": f"Token {server.token}"},
            timeout=HTTP_TIMEOUT,
        )
        assert served.status_code == 200, served.text
        assert served.json() == fresh

    # The faults did hit the writes, and only the faults: a failure that neither overlaps the
    # killed worker nor the database's outage would be a stale connection or a lost request.
    def in_fault_window(a: Attempt) -> bool:
        killed = a.started <= t_kill + 1.0 and a.ended >= t_kill
        outage = a.started <= t_pg_ready and a.ended >= t_pg_stop
        return killed or outage

    calls = done + merger_calls
    assert [a for a in calls if not a.ok and not in_fault_window(a)] == []
    assert any(t_pg_stop <= a.ended and a.started <= t_pg_ready for a in failed), "no write met the outage"
    assert {a.status for a in calls if not a.ok} <= {None, 500, 502, 503}, {a.status for a in calls if not a.ok}
    after = [a for a in calls if a.started > t_pg_ready]
    assert len(after) >= 50
    assert [a for a in after if not a.ok] == []
    recovery = min(a.ended for a in after if a.ok) - t_pg_ready
    after_quiet = [a for a in calls if a.started > t_quiet]
    assert len(after_quiet) >= 3 * WORKERS
    assert [a for a in after_quiet if not a.ok] == []  # the first call of each worker included
    assert all(a.ended < t_quiet for a in calls if a.started < t_quiet)  # the gate held them
    quiet_recovery = min(a.ended for a in after_quiet) - t_quiet_ready

    # The application serves again, without anyone touching it: reads and writes, every worker.
    session = requests.Session()
    session.headers["Authorization"] = f"Token {server.token}"
    for k in range(3 * WORKERS):
        read = session.get(f"{server.base}/api/v1/headcounts/", params={"page_size": 1}, timeout=HTTP_TIMEOUT)
        assert read.status_code == 200, read.text
        report = session.get(f"{server.base}/api/v1/reports/progress/", timeout=HTTP_TIMEOUT)
        assert report.status_code == 200, report.text
        write = session.post(
            f"{server.base}/api/v1/headcounts/",
            json={
                "agency": agencies[0],
                # After every writer's date, before the district tier ended (01/07/2025).
                "as_of": (datetime.date(2024, 1, 1) + datetime.timedelta(days=k)).isoformat(),
                "authorised": 1,
                "confirm": True,
                "source": f"{run}-after-{k}",
                "source_kind": "demo",
            },
            timeout=HTTP_TIMEOUT,
        )
        assert write.status_code == 201, write.text

    summary = (
        f"worker respawned {respawn:.2f} s after SIGKILL; "
        f"writes attempted {len(done)}, answered 2xx {len(answered)}, failed {len(failed)} "
        f"(no answer {sum(a.status is None for a in failed)}, 5xx {sum(a.status is not None for a in failed)}; "
        f"committed though unanswered {len(committed_unanswered)}), lost 0, duplicated 0; "
        f"mergers planned {sum(1 for c in chains if c.created)} (2xx {sum(1 for c in chains if c.created and c.created.ok)}), "
        f"completed 2xx {mergers_completed_answered}, completed in the database {completed}, none half-way; "
        f"first 2xx write {recovery:.2f} s after PostgreSQL was back, {len(after)} calls after it all 2xx; "
        f"quiet restart: first write {quiet_recovery:.2f} s after, {len(after_quiet)} calls after it all 2xx; "
        f"load {t_end - t0:.1f} s"
    )
    print(f"\nFAULTS: {summary}")
