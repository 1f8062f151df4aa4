"""`make bench`: the application under gunicorn on PostgreSQL with the synthetic national data,
driven by wrk on loopback, each endpoint measured three ways in the same run (issue 17):

- cached: the application as deployed (the read cache serves repeated requests);
- uncached: the application with DJANGO_READ_CACHE_SECONDS=0, every answer computed (the token's
  user and permissions still come from the cache, and the districts' layout from each process's
  copy, as on the miss after any write to the data that is not to the layout);
- the fair floor: bench/floors.py, a bare WSGI app serving the same JSON from the best single
  SQL query and json.dumps, under the same gunicorn settings. Before anything is measured the
  floor's JSON is compared with the API's (parsed); the run stops at the first difference.

Repetitions are interleaved (cached, uncached, floor, endpoint after endpoint, then again);
medians and ranges go to bench/RESULTS.md with the ratios. Then a mixed workload: four read
endpoints under wrk while a writer posts headcounts through the API at 0, 1 and 4 writes/s.
The machine's load (loadavg, CPU use from /proc) is sampled during every measurement: the
machine is shared, and a figure measured under load says so. Not part of `make test`.

    .venv/bin/python bench/run.py [--quick] [--reps 3] [--seconds 8]
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
AS_OF, BASELINE = "2024-12-31", "2015-11-30"
STAFFING = f"/api/v1/reports/staffing/?baseline={BASELINE}&as_of={AS_OF}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# (key, label, the application's path, kind, the floor's path, the API paths the floor must equal)
# kind: "api" (token) or "page" (session cookie). The dashboard is an HTML page: its floor serves
# its figures as their API equivalents give them (the province's progress and staffing reports),
# checked against those two API answers.
ENDPOINTS = [
    ("dashboard", "dashboard, one province (Quảng Ninh)", f"/?as_of={AS_OF}&baseline={BASELINE}", "page",
     f"/dashboard/?province=22&baseline={BASELINE}&as_of={AS_OF}",
     {"progress": f"/api/v1/reports/progress/?as_of={AS_OF}&province=22", "staffing": f"{STAFFING}&province=22"}),
    ("staffing_country", "staffing report, whole country", STAFFING, "api", STAFFING, None),
    ("staffing_province", "staffing report, one province", f"{STAFFING}&province=22", "api",
     f"{STAFFING}&province=22", None),
    ("progress", "progress report, whole country", f"/api/v1/reports/progress/?as_of={AS_OF}", "api",
     f"/api/v1/reports/progress/?as_of={AS_OF}", None),
    ("mergers", "mergers list, 50 rows", "/api/v1/mergers/?page_size=50", "api", "/api/v1/mergers/?page_size=50", None),
    ("headcounts", "headcounts list, one district", "/api/v1/headcounts/?district=193", "api",
     "/api/v1/headcounts/?district=193", None),
    ("district", "district detail", "/api/v1/districts/193/", "api", "/api/v1/districts/193/", None),
]  # fmt: skip
LIST_DETAIL_PROVINCE = ("staffing_province", "progress", "mergers", "headcounts", "district")
# The mixed workload: these readers (2 connections each) while a writer posts headcount records
# for agencies of district 193 (Hạ Long, Quảng Ninh), dated 2023: each write renews the province's
# staffing report and the district's records; the district's detail shows the districts' layout
# only, and the national list of mergers stays cached unless a merger's figures read the record
# (core.readcache.MERGER_FIGURES: on the synthetic data none does, the agencies are the results of
# mergers effective in 2018).
MIXED_READERS = ("staffing_province", "mergers", "headcounts", "district")
MIXED_CONNECTIONS = 2
WRITE_RATES = (0, 1, 4)
ALONE_REQUESTS = 10  # one request at a time on the uncached server: a miss as one user feels it


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# One key for the whole run: the sessions made for the load generator must be valid for the server.
SECRET_KEY = secrets.token_urlsafe(64)
STATIC_ROOT = "/tmp/bench-staticfiles"


def manage(db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": SECRET_KEY}
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=check, text=True, capture_output=True)


def pg_run(db_url: str, sql: str, params=None) -> list[tuple]:
    conn = psycopg2.connect(db_url)
    conn.autocommit = True  # VACUUM and CREATE DATABASE run outside a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def pg_admin(db_url: str, sql: str) -> None:
    pg_run(db_url.rsplit("/", 1)[0] + "/postgres", sql)


def database_ready(db_url: str) -> bool:
    try:
        rows = pg_run(
            db_url,
            "SELECT count(*) FILTER (WHERE code = '22'), count(*) FILTER (WHERE code LIKE 'S%%') "
            "FROM districts_province",
        )
    except psycopg2.Error:
        return False
    return rows[0][0] == 1 and rows[0][1] > 0


def never_analysed(db_url: str) -> bool:
    rows = pg_run(
        db_url,
        "SELECT count(*) FROM pg_stat_user_tables WHERE relname LIKE 'mergers_%%' "
        "AND last_analyze IS NULL AND last_autoanalyze IS NULL",
    )
    return rows[0][0] > 0


def prepare(db_url: str, *, provinces: int, results: dict) -> None:
    """The national database: created with the synthetic data when missing, migrated when reused,
    analysed in both cases (the planner's statistics; VACUUM too when it was never analysed)."""
    if database_ready(db_url):
        log(f"reusing {db_url}")
        manage(db_url, "migrate", "--no-input", "-v0")  # the code may have new migrations since
        vacuum = never_analysed(db_url)
    else:
        name = db_url.rsplit("/", 1)[1]
        log(f"creating {name}")
        pg_admin(db_url, f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(db_url, f'CREATE DATABASE "{name}"')
        manage(db_url, "migrate", "--no-input", "-v0")
        manage(db_url, "loaddata", "quang_ninh", "-v0")
        log(f"generate_synthetic --provinces {provinces} --seed 1")
        started = time.monotonic()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "MAXRSS_KB %M", PY, "manage.py", "generate_synthetic",
             "--provinces", str(provinces), "--seed", "1", "--no-progress"],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url}, check=True, text=True, capture_output=True,
        )  # fmt: skip
        rss_kb = int(proc.stderr.strip().rsplit("MAXRSS_KB ", 1)[1].split()[0])
        results["synthetic"] = {
            "seconds": round(time.monotonic() - started, 1),
            "max_rss_mb": round(rss_kb / 1024, 1),
            "summary": proc.stdout.strip(),
        }
        log(f"synthetic: {results['synthetic']}")
        vacuum = True
    started = time.monotonic()
    pg_run(db_url, "VACUUM ANALYZE" if vacuum else "ANALYZE")
    what = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    results["analyse"] = f"{what} before measuring ({time.monotonic() - started:.0f} s)"
    log(results["analyse"])
    counts = pg_run(
        db_url,
        "SELECT (SELECT count(*) FROM districts_district), (SELECT count(*) FROM mergers_agency), "
        "(SELECT count(*) FROM mergers_merger), (SELECT count(*) FROM mergers_headcountrecord)",
    )[0]
    results["data"] = dict(zip(("districts", "agencies", "mergers", "headcounts"), counts, strict=True))


def collect_static() -> None:
    """As in production: hashed static files collected for whitenoise (skipped when the collected
    manifest is newer than every file under static/: on a loaded machine collecting takes minutes)."""
    manifest = Path(STATIC_ROOT) / "staticfiles.json"
    sources = [p for p in (ROOT / "static").rglob("*") if p.is_file()]
    if manifest.exists() and all(p.stat().st_mtime < manifest.stat().st_mtime for p in sources):
        log("static files already collected")
        return
    subprocess.run([PY, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=server_env(DB), check=True)
    log("collected the static files")


CREDENTIALS_SCRIPT = """
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
user, _ = get_user_model().objects.get_or_create(username="bench")
user.groups.add(*Group.objects.filter(name__in=["leaders", "analysts", "editors"]))
token, _ = Token.objects.get_or_create(user=user)
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
print(token.key, s.session_key)
"""


def credentials(db_url: str) -> tuple[str, str]:
    out = manage(db_url, "shell", "-v0", "-c", CREDENTIALS_SCRIPT).stdout.strip().split()
    return out[-2], out[-1]


def server_env(db_url: str, **extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_STATIC_ROOT": STATIC_ROOT,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CONN_MAX_AGE": "600",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        # One user sends every request: throttles off (a huge rate would make DRF's per-user
        # request history grow without bound and slow every request down).
        "API_THROTTLE_ANON": "off",
        "API_THROTTLE_USER": "off",
        "DJANGO_LOG_LEVEL": "ERROR",
        **extra,
    }


class Redis:
    """A private redis-server for the run (no persistence), when one is installed and BENCH_REDIS
    is not 0: the application's cache as deployed (REDIS_URL: config/env.py; the deploy check
    refuses per-process memory), shared by the workers, so that one write costs one rebuild of
    each answer it renews rather than one per worker. Without it, each worker keeps its own."""

    def __init__(self):
        self.proc = None
        self.url = None
        binary = shutil.which("redis-server")
        if binary is None or os.environ.get("BENCH_REDIS") in ("0", "no", "false"):
            return
        port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        self.url = f"redis://127.0.0.1:{port}/0"
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("redis-server did not answer")

    def describe(self) -> str:
        if self.url is None:
            return "local memory, each worker its own (no redis-server, or BENCH_REDIS=0)"
        version = subprocess.run([shutil.which("redis-server"), "--version"], capture_output=True, text=True).stdout
        return f"Redis {version.split('v=')[1].split()[0]}, shared by the workers (a private redis-server)"

    def env(self) -> dict:
        return {} if self.url is None else {"REDIS_URL": self.url, "DJANGO_CACHE_KEY_PREFIX": "bench"}

    def stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except ProcessLookupError:
                pass
            self.proc = None


class Gunicorn:
    """2 sync workers: the same settings for the application, the floors and the hello app."""

    def __init__(self, app: str, env: dict):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [GUNICORN, app, "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
             "--keep-alive", "5", "--log-level", "warning",
             # No worker timeout: under wrk's connection churn gunicorn 27 killed busy workers
             # as timed out every 30 s; a really stuck request still counts as a wrk error.
             "--timeout", "0"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        self.max_rss_mb = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, path: str, headers: dict) -> None:
        for _ in range(200):
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
                with urllib.request.urlopen(req, timeout=60) as resp:
                    if resp.status == 200:
                        self._sampler.start()
                        return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server on {self.port} did not answer 200 on {path}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in self.worker_pids():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.max_rss_mb = max(self.max_rss_mb, int(line.split()[1]) / 1024)
                except FileNotFoundError:
                    pass
            time.sleep(0.5)

    def stop(self) -> None:
        self._stop.set()
        # The whole process group: killed workers must not outlive their master and keep the port.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        except ProcessLookupError:
            pass


# --- the machine's load ---------------------------------------------------------------------


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class LoadSampler:
    """CPU use (all cores, every process: ours and other users') and the 1-minute loadavg over a
    measurement, read from /proc."""

    def __enter__(self):
        self.loads = [loadavg()]
        self.start = cpu_times()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(1.0):
            self.loads.append(loadavg())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        busy, total = cpu_times()
        self.loads.append(loadavg())
        self.result = {
            "cpu_pct": round(100 * (busy - self.start[0]) / max(1, total - self.start[1]), 1),
            "loadavg_max": max(self.loads),
        }
        return False


def background_load(seconds: float = 5) -> dict:
    """The machine while this run serves nothing: what other users make it do."""
    with LoadSampler() as load:
        time.sleep(seconds)
    return load.result


# --- measuring ------------------------------------------------------------------------------


def wrk_cmd(port: int, path: str, headers: dict, seconds: float, connections: int, threads: int = 2) -> list[str]:
    cmd = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "20s",
           "-s", str(ROOT / "bench" / "report.lua")]  # fmt: skip
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    return [*cmd, f"http://127.0.0.1:{port}{path}"]


def parse_wrk(out: str) -> dict:
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    return json.loads(line[len("BENCH ") :])


def wrk(port: int, path: str, headers: dict, seconds: float, connections: int) -> dict:
    with LoadSampler() as load:
        out = subprocess.run(wrk_cmd(port, path, headers, seconds, connections), check=True, text=True,
                             capture_output=True).stdout  # fmt: skip
    return {**parse_wrk(out), **load.result}


def summarise(runs: list[dict]) -> dict:
    """Median, min and max over the runs. A run in which no request completed (slower than the run
    is long) has no latency: its p50 and p95 are left out, and None when no run has one."""
    out = {}
    for key in ("p50", "p95", "rps", "cpu_pct", "loadavg_max"):
        values = [r[key] for r in runs if r["requests"] or key not in ("p50", "p95")]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)} if values else None
    out["errors"] = sum(r["errors"] for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    return out


def fetch(port: int, path: str, headers: dict, timeout: float = 120) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def alone(port: int, path: str, headers: dict, n: int = ALONE_REQUESTS) -> dict:
    """One request at a time (after one to warm up): its latency without queueing."""
    timings = []
    with LoadSampler() as load:
        for i in range(n + 1):
            started = time.perf_counter()
            status, _ = fetch(port, path, headers)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            if i:
                timings.append((time.perf_counter() - started) * 1000)
    return {"p50": statistics.median(timings), "max": max(timings), "runs": n, **load.result}


# --- the floors' answers against the API's ----------------------------------------------------


def first_difference(a, b, path: str = "$") -> str | None:
    """Where two parsed JSON documents first differ ("$.districts[3].note: 'x' != 'y'"), or None."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r:.80} != {type(b).__name__} {b!r:.80}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {sorted(set(a) ^ set(b)) or 'in another order'}"
        for key in a:
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


def get_json(port: int, path: str, headers: dict) -> object:
    status, body = fetch(port, path, headers)
    if status != 200:
        raise SystemExit(f"FAIL: {path} on port {port} answered {status}: {body[:300]!r}")
    return json.loads(body)


def check_floors(app_port: int, uncached_port: int, floor_port: int, api_headers: dict) -> None:
    """Each floor's JSON equals the API's for the same request (the cached and the uncached
    server both), URLs built for the same host. Stops the run at the first difference."""
    host = {"Host": f"127.0.0.1:{app_port}"}
    for key, _label, path, _kind, floor_path, api_paths in ENDPOINTS:
        floor = get_json(floor_port, floor_path, host)
        for port in (app_port, uncached_port):
            headers = {**api_headers, **host}
            if api_paths is None:
                api = get_json(port, path, headers)
            else:
                api = {name: get_json(port, p, headers) for name, p in api_paths.items()}
            diff = first_difference(api, floor)
            if diff:
                raise SystemExit(f"FAIL: the floor of {key} ({floor_path}) differs from the API: {diff}")
        log(f"floor {key}: JSON equal to the API's")


# --- the mixed workload ---------------------------------------------------------------------


class Writer(threading.Thread):
    """Posts headcount records through the API at `rate` writes/s, each for an agency of district
    193 on a day without a record (the records are deleted after the run)."""

    SOURCE = "bench: mixed workload"

    def __init__(self, port: int, headers: dict, rate: float, slots: list[tuple[int, str, int]]):
        super().__init__(daemon=True)
        self.port, self.headers, self.rate, self.slots = port, headers, rate, slots
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self):
        """Open loop: each write leaves on time in a thread of its own, however slow the last one."""
        started, posts = time.monotonic(), []
        for i, slot in enumerate(self.slots):
            delay = started + i / self.rate - time.monotonic()
            if self.stop.wait(max(0.0, delay)):
                break
            posts.append(threading.Thread(target=self.post, args=slot, daemon=True))
            posts[-1].start()
        for post in posts:
            post.join()

    def post(self, agency: int, day: str, authorised: int) -> None:
        body = json.dumps({"agency": agency, "as_of": day, "authorised": authorised, "source": self.SOURCE,
                           "source_kind": "synthetic", "confirm": True}).encode()  # fmt: skip
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/v1/headcounts/", data=body, method="POST",
                                     headers={**self.headers, "Content-Type": "application/json"})  # fmt: skip
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            self.errors.append(f"{exc.code} {exc.read()[:200]!r}")
        except OSError as exc:  # refused, reset, timed out
            self.errors.append(repr(exc))
        self.latencies.append((time.perf_counter() - t0) * 1000)


def write_slots(db_url: str, n: int) -> list[tuple[int, str, int]]:
    """(agency, day, authorised) for `n` writes: in-quota agencies of district 193 active over
    2023, on days of 2023 they have no record for, with the authorised figure they had then."""
    agencies = pg_run(
        db_url,
        "SELECT a.id, (SELECT h.authorised FROM mergers_headcountrecord h WHERE h.agency_id = a.id "
        "AND h.as_of <= '2023-01-01' AND h.authorised IS NOT NULL ORDER BY h.as_of DESC LIMIT 1), "
        "ARRAY(SELECT h.as_of::text FROM mergers_headcountrecord h WHERE h.agency_id = a.id) "
        "FROM mergers_agency a JOIN mergers_agencytype t ON t.id = a.agency_type_id "
        "JOIN districts_district d ON d.id = a.district_id "
        "WHERE d.code = '193' AND t.in_district_quota AND a.established_on <= '2023-01-01' "
        "AND (a.dissolved_on IS NULL OR a.dissolved_on > '2024-01-01') ORDER BY a.id",
    )
    agencies = [(pk, value or 10, set(days)) for pk, value, days in agencies]
    slots, day = [], datetime.date(2023, 1, 2)
    while len(slots) < n:
        for pk, value, days in agencies:
            if day.isoformat() not in days and len(slots) < n:
                slots.append((pk, day.isoformat(), value))
        day += datetime.timedelta(days=1)
    return slots


def delete_written(db_url: str) -> int:
    """The mixed workload's records away, and every cached answer with them (new stamps)."""
    rows = pg_run(db_url, "DELETE FROM mergers_headcountrecord WHERE source = %s RETURNING id", (Writer.SOURCE,))
    renew_stamps(db_url)
    return len(rows)


def renew_stamps(db_url: str) -> None:
    pg_run(
        db_url,
        "UPDATE reports_dataversion SET stamp = floor(random() * 9e18)::bigint; "
        "INSERT INTO reports_provinceversion (province_id, stamp) "
        "SELECT id, floor(random() * 9e18)::bigint FROM districts_province "
        "UNION ALL SELECT 0, floor(random() * 9e18)::bigint UNION ALL SELECT -2, floor(random() * 9e18)::bigint "
        "ON CONFLICT (province_id) DO UPDATE SET stamp = EXCLUDED.stamp",
    )


def mixed(port: int, paths: list[tuple[str, str, dict]], api_headers: dict, rate: int, seconds: float,
          db_url: str) -> dict:  # fmt: skip
    """The readers under wrk (2 connections each, all at once) while the writer posts at `rate`/s."""
    writer = Writer(port, api_headers, rate, write_slots(db_url, int(rate * seconds))) if rate else None
    with LoadSampler() as load:
        procs = [
            (key, subprocess.Popen(wrk_cmd(port, path, headers, seconds, MIXED_CONNECTIONS, threads=1),
                                   stdout=subprocess.PIPE, text=True))
            for key, path, headers in paths
        ]  # fmt: skip
        if writer:
            writer.start()
        readers = {key: parse_wrk(proc.communicate()[0]) for key, proc in procs}
        if writer:
            writer.stop.set()
            writer.join()
    if writer and writer.errors:
        raise SystemExit(f"FAIL: the writer's posts were refused: {writer.errors[:3]}")
    return {
        "rate": rate,
        "rps": sum(r["rps"] for r in readers.values()),
        "p95": max(r["p95"] for r in readers.values()),
        "p50": max(r["p50"] for r in readers.values()),
        "errors": sum(r["errors"] for r in readers.values()),
        "writes": len(writer.latencies) if writer else 0,
        "write_p50": statistics.median(writer.latencies) if writer and writer.latencies else None,
        "readers": readers,
        **load.result,
    }


def merger_write_cost(db_url: str) -> dict | None:
    """bench/writes.py on the national data: queries of one headcount write and one merger_complete."""
    proc = subprocess.run([PY, "bench/writes.py", "5"], cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url},
                          text=True, capture_output=True)  # fmt: skip
    if proc.returncode:
        log(f"bench/writes.py failed: {proc.stderr.strip()[-300:]}")
        return None
    log(proc.stdout.strip())
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    return json.loads(line[len("RESULT ") :]) if line else None


# --- the report -----------------------------------------------------------------------------


def fmt_range(stat: dict | None, digits: int = 1) -> str:
    if stat is None:
        return "no request completed"
    return f"{stat['median']:.{digits}f} ({stat['min']:.{digits}f}–{stat['max']:.{digits}f})"


def fmt_ratio(value: float | None, unit: str = "×", digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def divide(a: dict | None, b: dict | None, scale: float = 1) -> float | None:
    """The ratio of two medians; None when either is missing or the divisor is 0."""
    if a is None or b is None or not b["median"]:
        return None
    return scale * a["median"] / b["median"]


def fmt_load(stat: dict) -> str:
    return f"{stat['cpu_pct']['median']:.0f}% / {stat['loadavg_max']['max']:.1f}"


def _proc_value(path: str, prefix: str) -> str:
    for line in Path(path).read_text().splitlines():
        if line.startswith(prefix):
            return line.split(":", 1)[1].strip()
    return "?"


def machine() -> str:
    cpu = _proc_value("/proc/cpuinfo", "model name")
    mem_gib = int(_proc_value("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024
    pg = subprocess.run(["psql", "--version"], text=True, capture_output=True).stdout.strip()
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, {platform.platform()}, Python {python}, {pg}"


def ratios(results: dict) -> dict:
    """Per endpoint: uncached p95 / floor p95, and cached requests/s as a share of the hello app's
    (measured right before that endpoint in each run, when it was: the machine's load drifts)."""
    out = {}
    for key, stats in results["endpoints"].items():
        cached, uncached, floor = stats["cached"], stats["uncached"], stats["floor"]
        hello_rps = stats.get("hello", results["hello"])["rps"]
        out[key] = {
            "uncached_over_floor_p95": divide(uncached["p95"], floor["p95"]),
            "cached_over_floor_p95": divide(cached["p95"], floor["p95"]),
            "cached_pct_of_hello_rps": divide(cached["rps"], hello_rps, 100),
            "floor_pct_of_hello_rps": divide(floor["rps"], hello_rps, 100),
        }
    return out


def mixed_ratios(results: dict) -> dict:
    base = results["mixed"]["0"]
    return {
        rate: {"p95": m["p95"] / base["p95"], "rps": m["rps"] / base["rps"]}
        for rate, m in results["mixed"].items()
        if rate != "0"
    }


def targets(results: dict) -> list[tuple[str, str, str, bool | None]]:
    """Issue 17's targets: (measure, target, measured, met)."""
    r, m = results["ratios"], mixed_ratios(results)
    known = [k for k in LIST_DETAIL_PROVINCE if r[k]["uncached_over_floor_p95"] is not None]
    worst_key = max(known, key=lambda k: r[k]["uncached_over_floor_p95"]) if known else None
    worst = r[worst_key]["uncached_over_floor_p95"] if worst_key else None
    dash = results["endpoints"]["dashboard"]["alone"]["p50"]
    detail = r["district"]["cached_pct_of_hello_rps"]
    national = r["staffing_country"]["uncached_over_floor_p95"]
    each = ", ".join(f"{k} {fmt_ratio(r[k]['uncached_over_floor_p95'])}" for k in LIST_DETAIL_PROVINCE)
    rows = [
        ("uncached p95 / fair floor: national staffing", "≤ 1.5×", fmt_ratio(national),
         None if national is None else national <= 1.5),
        ("uncached p95 / fair floor: lists, detail, province reports", "≤ 3×",
         f"{fmt_ratio(worst)} (worst: {worst_key}; {each})",
         None if worst is None or len(known) < len(LIST_DETAIL_PROVINCE) else worst <= 3),
        ("dashboard miss, one request", "≤ 40 ms", f"{dash:.0f} ms (median of {ALONE_REQUESTS})", dash <= 40),
    ]  # fmt: skip
    if "1" in m:
        rows += [
            ("read p95 at 1 write/s / no writes", "≤ 2×", f"{m['1']['p95']:.1f}×", m["1"]["p95"] <= 2),
            ("read throughput at 1 write/s / no writes", "≥ 90%", f"{100 * m['1']['rps']:.0f}%", m["1"]["rps"] >= 0.9),
        ]
    if "4" in m:
        rows.append(
            ("read throughput at 4 writes/s / no writes", "≥ 50%", f"{100 * m['4']['rps']:.0f}%", m["4"]["rps"] >= 0.5)
        )
    rows.append(("district detail cached, % of bare-WSGI req/s", "≥ 35%", fmt_ratio(detail, "%"),
                 None if detail is None else detail >= 35))  # fmt: skip
    writes = results.get("writes")
    if writes:
        rows.append((
            "`merger_complete` queries, summary refreshes", "≤ 30, 1",
            f"{writes['merger_complete_queries']}, {writes['merger_complete_summary_statements']} "
            "(statements writing a summary table)",
            writes["merger_complete_queries"] <= 30 and writes["merger_complete_summary_statements"] <= 1,
        ))  # fmt: skip
    else:
        rows.append(("`merger_complete` queries, summary refreshes", "≤ 30, 1", "not measured", None))
    return rows


def write_results(results: dict, path: Path) -> None:
    hello = results["hello"]
    r = results["ratios"]
    bg, bg_after = results["background"], results["background_after"]
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {results['date']}; "
        + ("QUICK MODE (a check of the harness, not a result)" if results["quick"] else "full run"),
        f"- Machine: {results['machine']}",
        f"- Data: {results['data']['districts']} districts, {results['data']['agencies']:,} agencies, "
        f"{results['data']['mergers']:,} mergers, {results['data']['headcounts']:,} headcount records; "
        f"{results['analyse']}",
        "- Servers: gunicorn, 2 sync workers each, persistent database connections, DEBUG off: the application "
        "(cached), the application with `DJANGO_READ_CACHE_SECONDS=0` (uncached: every answer computed, the token's "
        "user and permissions read from the cache, and the districts' layout from each process's copy "
        "(core.readcache.layout_memo), as on the miss after a write that is not to the layout), the fair floors "
        "(bench/floors.py) and a bare WSGI hello app; the application's cache (throttles, read cache, cached "
        f"auth): {results.get('cache', 'local memory, each worker its own')}",
        f"- Load: wrk on loopback, 2 threads, {results['connections']} keep-alive connections, "
        f"{results['seconds']} s per run, {results['reps']} interleaved runs per server and endpoint "
        "(after a 1 s warm-up); the hello app runs right before each endpoint's, and each endpoint's "
        "“% of hello” is over those runs",
        "- Figures: median (min–max) over the runs; latencies in ms. Load: CPU use of the whole machine "
        "(both cores, every process, other users' included) during the run, median over the runs / highest "
        "1-minute loadavg seen",
        f"- The machine is shared: before any server of this run started, {bg['cpu_pct']:.0f}% CPU use and "
        f"loadavg {bg['loadavg_max']:.1f} over 5 s; after they stopped, {bg_after['cpu_pct']:.0f}% and "
        f"{bg_after['loadavg_max']:.1f}. Every figure below was measured beside that load.",
        "",
    ]
    if "synthetic" in results:
        s = results["synthetic"]
        lines += [
            f"- Synthetic data generated by this run: {s['summary']} ({s['seconds']} s, {s['max_rss_mb']} MB)",
            "",
        ]
    lines += [
        "## Endpoints",
        "",
        "Requests: completed over all the runs (a p95 of few requests is close to their maximum). "
        "The floor of each endpoint answers the same JSON (compared, parsed, with the API's before measuring) "
        "from one SQL statement and json.dumps, without Django (and so without authentication, sessions or "
        "middleware: the framework's share is part of what the ratios measure). The dashboard is an HTML "
        "page: its floor serves the figures it shows as their API equivalents give them (the province's progress and "
        "staffing reports, compared with those two API answers); the page also draws the district × "
        "programme matrix and the series chart, which the floor does not compute.",
        "",
        "| endpoint | server | p50 | p95 | requests/s | requests | errors | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| – | bare WSGI hello | {fmt_range(hello['p50'], 2)} | {fmt_range(hello['p95'], 2)} "
        f"| {fmt_range(hello['rps'], 0)} | {hello['requests']} | {hello['errors']} | {fmt_load(hello)} |",
    ]
    for key, label, *_ in ENDPOINTS:
        stats = results["endpoints"][key]
        for server in ("cached", "uncached", "floor"):
            s = stats[server]
            lines.append(
                f"| {label} | {server} | {fmt_range(s['p50'])} | {fmt_range(s['p95'])} | {fmt_range(s['rps'], 0)} "
                f"| {s['requests']} | {s['errors']} | {fmt_load(s)} |"
            )
    lines += [
        "",
        "## Ratios",
        "",
        f"One request at a time on the uncached server (median of {ALONE_REQUESTS}, after one): what a miss costs "
        "a user when nothing queues.",
        "",
        "| endpoint | uncached p95 / floor p95 | cached p95 / floor p95 | cached rps, % of hello (run beside it) | "
        "floor rps, % of hello | uncached, one request alone: p50 (max) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, label, *_ in ENDPOINTS:
        q, a = r[key], results["endpoints"][key]["alone"]
        lines.append(
            f"| {label} | {fmt_ratio(q['uncached_over_floor_p95'])} | {fmt_ratio(q['cached_over_floor_p95'])} "
            f"| {fmt_ratio(q['cached_pct_of_hello_rps'], '%')} | {fmt_ratio(q['floor_pct_of_hello_rps'], '%')} "
            f"| {a['p50']:.1f} ({a['max']:.1f}) |"
        )
    labels = {k: label for k, label, *_ in ENDPOINTS}
    lines += [
        "",
        "## Mixed workload",
        "",
        f"The cached application; {len(MIXED_READERS)} readers under wrk at once ({MIXED_CONNECTIONS} connections "
        f"each: {', '.join(labels[k] for k in MIXED_READERS)}) while a writer posts headcount records through "
        "the API for agencies of district 193 (Hạ Long, Quảng Ninh), dated 2023: each write renews the province's "
        "staffing report and the district's records; the district's detail (the districts' layout) stays cached, and "
        "so does the national list of mergers unless a merger's figures read the record (on the synthetic data none "
        "does: the agencies written for are the results of mergers effective in 2018; core.readcache.MERGER_FIGURES), "
        f"{results['mixed_seconds']} s per rate, median of {results['reps']} runs. Throughput: the readers' "
        "requests/s summed; p95/p50: the worst reader's.",
        "",
        "| writes/s | writes done | write p50 | read requests/s | read p50 | read p95 | read errors | rps / no writes "
        "| p95 / no writes | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    mr = mixed_ratios(results)
    for rate, m in results["mixed"].items():
        ratio = mr.get(rate)
        write_p50 = f"{m['write_p50']:.0f}" if m["write_p50"] is not None else "–"
        rps_ratio = f"{100 * ratio['rps']:.0f}%" if ratio else "–"
        p95_ratio = f"{ratio['p95']:.1f}×" if ratio else "–"
        lines.append(
            f"| {rate} | {m['writes']} | {write_p50} | {m['rps']:.0f} | {m['p50']:.1f} | {m['p95']:.1f} "
            f"| {m['errors']} | {rps_ratio} | {p95_ratio} | {m['cpu_pct']:.0f}% / {m['loadavg_max']:.1f} |"
        )
    lines += ["", "## Targets (issue 17)", "", "| measure | target | measured | met |", "| --- | --- | --- | --- |"]
    for measure, target, measured, met in results["targets"]:
        mark = "–" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {measure} | {target} | {measured} | {mark} |")
    lines += [
        "",
        "The former target “national staffing p95 ≤ raw SQL floor p95” is retired: that floor recomputed every "
        "agency's latest record with `DISTINCT ON` over all 1.3 M rows, far slower than the best query, so "
        "beating it said nothing. The fair floors above replace it.",
        "",
        f"Worker memory: peak RSS of an application worker {results['max_worker_rss_mb']:.0f} MB.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", type=int, default=63)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--mixed-seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="1 run of 3 s each: checks the harness, not a result")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--render", action="store_true", help="rewrite RESULTS.md from RESULTS.json, measuring nothing")
    args = parser.parse_args()
    if args.render:
        results = json.loads(Path(args.output).with_suffix(".json").read_text(encoding="utf-8"))
        results["ratios"] = ratios(results)
        results["targets"] = targets(results)
        write_results(results, Path(args.output))
        log(f"wrote {args.output} from {Path(args.output).with_suffix('.json')}")
        return
    if args.quick or os.environ.get("BENCH_QUICK") in ("1", "yes", "true"):
        args.quick, args.reps, args.seconds, args.mixed_seconds = True, 1, 3, 4
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    results: dict = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "quick": args.quick,
        "reps": args.reps,
        "seconds": args.seconds,
        "mixed_seconds": args.mixed_seconds,
        "connections": args.connections,
    }
    prepare(DB, provinces=args.provinces, results=results)
    results["background"] = background_load()
    log(f"background load, before any server: {results['background']}")
    delete_written(DB)  # a run stopped during the mixed workload leaves its records behind
    collect_static()
    token, session = credentials(DB)
    headers = {"api": {"Authorization": f"Token {token}"}, "page": {"Cookie": f"sessionid={session}"}}

    redis = Redis()
    results["cache"] = redis.describe()
    log(f"cache: {results['cache']}")
    servers = {
        "cached": Gunicorn("config.wsgi:application", server_env(DB, **redis.env())),
        "uncached": Gunicorn("config.wsgi:application", server_env(DB, DJANGO_READ_CACHE_SECONDS="0", **redis.env())),
        "floor": Gunicorn("bench.floors:app", server_env(DB)),
        "hello": Gunicorn("bench.hello:app", server_env(DB)),
    }
    try:
        servers["cached"].wait_ready("/api/v1/districts/193/", headers["api"])
        servers["uncached"].wait_ready("/api/v1/districts/193/", headers["api"])
        servers["floor"].wait_ready("/api/v1/districts/193/", {})
        servers["hello"].wait_ready("/", {})
        log("servers up")
        check_floors(servers["cached"].port, servers["uncached"].port, servers["floor"].port, headers["api"])
        for _key, label, path, kind, _floor_path, _api in ENDPOINTS:
            status, _ = fetch(servers["cached"].port, path, headers[kind])
            if status != 200:
                raise SystemExit(f"FAIL: {label} ({path}) answered {status}")

        runs: dict = {key: {"cached": [], "uncached": [], "floor": [], "hello": []} for key, *_ in ENDPOINTS}
        hello_runs = []
        for rep in range(args.reps):
            log(f"run {rep + 1}/{args.reps}")
            if rep == 0:
                wrk(servers["hello"].port, "/", {}, 1, args.connections)
            for key, label, path, kind, floor_path, _api in ENDPOINTS:
                # The hello app beside each endpoint: the "% of hello" ratios compare runs minutes
                # apart no more, on a machine whose load drifts (others' test suites).
                hello_runs.append(stat := wrk(servers["hello"].port, "/", {}, args.seconds, args.connections))
                runs[key]["hello"].append(stat)
                for server in ("cached", "uncached", "floor"):
                    port = servers[server].port
                    p, h = (floor_path, {}) if server == "floor" else (path, headers[kind])
                    if rep == 0:
                        wrk(port, p, h, 1, args.connections)  # warm-up
                    runs[key][server].append(stat := wrk(port, p, h, args.seconds, args.connections))
                    # Requests still running when wrk stops keep the workers busy: let them finish
                    # before the next measurement starts.
                    time.sleep(min(3.0, 2 * stat["p95"] / 1000 if stat["requests"] else 3.0) + 0.2)
                    if not stat["requests"]:
                        log(f"  {label} [{server}]: no request completed in {args.seconds} s")
                        continue
                    log(f"  {label} [{server}]: p50 {stat['p50']:.1f} p95 {stat['p95']:.1f} "
                        f"rps {stat['rps']:.0f} cpu {stat['cpu_pct']:.0f}% load {stat['loadavg_max']:.1f}")  # fmt: skip
        results["hello"] = summarise(hello_runs)
        results["endpoints"] = {key: {s: summarise(v) for s, v in runs[key].items()} for key in runs}
        for key, label, path, kind, *_ in ENDPOINTS:
            results["endpoints"][key]["alone"] = alone(servers["uncached"].port, path, headers[kind])
            log(f"  {label} alone, uncached: p50 {results['endpoints'][key]['alone']['p50']:.1f} ms")

        log("mixed workload")
        by_key = {key: (path, headers[kind]) for key, _label, path, kind, *_ in ENDPOINTS}
        readers = [(key, *by_key[key]) for key in MIXED_READERS]
        mixed_runs: dict = {str(rate): [] for rate in WRITE_RATES}
        try:
            for _rep in range(args.reps):
                for rate in WRITE_RATES:
                    m = mixed(servers["cached"].port, readers, headers["api"], rate, args.mixed_seconds, DB)
                    mixed_runs[str(rate)].append(m)
                    log(f"  {rate} writes/s: {m['writes']} writes, read rps {m['rps']:.0f} p95 {m['p95']:.1f} "
                        f"cpu {m['cpu_pct']:.0f}%")  # fmt: skip
        finally:
            log(f"deleted the {delete_written(DB)} records the writer posted")
        results["mixed"] = {}
        for rate, ms in mixed_runs.items():
            middle = sorted(ms, key=lambda m: m["rps"])[len(ms) // 2]  # the median run by throughput
            results["mixed"][rate] = {**middle, "p95": statistics.median(m["p95"] for m in ms),
                                      "rps": statistics.median(m["rps"] for m in ms)}  # fmt: skip
        results["max_worker_rss_mb"] = max(servers["cached"].max_rss_mb, servers["uncached"].max_rss_mb)
    finally:
        for server in servers.values():
            server.stop()
        redis.stop()

    results["background_after"] = background_load()
    log(f"background load, after the servers: {results['background_after']}")
    log("bench/writes.py")
    results["writes"] = merger_write_cost(DB)
    results["ratios"] = ratios(results)
    results["targets"] = targets(results)
    write_results(results, Path(args.output))
    Path(args.output).with_suffix(".json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    log(f"wrote {args.output}")
    for measure, target, measured, met in results["targets"]:
        log(f"{'    ' if met is None else 'OK  ' if met else 'MISS'} {measure}: {measured} (target {target})")


if __name__ == "__main__":
    main()
