"""`make bench`: the application under gunicorn on PostgreSQL with the synthetic national data,
driven by wrk on loopback, against two floors measured in the same run:

- the HTTP floor: a bare WSGI "hello" app under the same gunicorn settings;
- the SQL floor: raw SQL recomputing the national staffing figures from the headcount rows,
  timed through psycopg2.

Three repetitions per endpoint; the median and range of p50, p95 and requests/s go to
bench/RESULTS.md with the machine, the date and every ratio. Not part of `make test`.
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
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


APP_PORT, HELLO_PORT = free_port(), free_port()
BIG_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
SMALL_DB = os.environ.get("BENCH_SMALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_small")
AS_OF, BASELINE = "2024-12-31", "2015-11-30"

# (label, path, kind) — kind: "api" (token) or "page" (session cookie)
ENDPOINTS = [
    ("dashboard, one province (Quảng Ninh)", f"/?as_of={AS_OF}&baseline={BASELINE}", "page"),
    ("staffing report, whole country", f"/api/v1/reports/staffing/?baseline={BASELINE}&as_of={AS_OF}", "api"),
    (
        "staffing report, one province",
        f"/api/v1/reports/staffing/?baseline={BASELINE}&as_of={AS_OF}&province=22",
        "api",
    ),
    ("progress report", f"/api/v1/reports/progress/?as_of={AS_OF}", "api"),
    ("mergers list, 50 rows", "/api/v1/mergers/?page_size=50", "api"),
    ("headcounts list, one district", "/api/v1/headcounts/?district=193", "api"),
    ("district detail", "/api/v1/districts/193/", "api"),
]
# Not a target: an API request with no data behind it (the stamp only; the root lists one link
# per endpoint). What Django, DRF and token authentication cost by themselves is at most this.
FRAMEWORK = ("API root: no data, token authentication and one link per endpoint", "/api/v1/", "api")
# Cache misses: each endpoint requested once after a new data stamp, this many times.
COLD_REQUESTS = 10

NATIONAL_STAFFING_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (h.agency_id) h.agency_id, h.authorised
    FROM mergers_headcountrecord h
    WHERE h.as_of <= %(day)s
    ORDER BY h.agency_id, h.as_of DESC
)
SELECT a.district_id, COUNT(*) AS agencies, SUM(l.authorised) AS headcount
FROM mergers_agency a
JOIN mergers_agencytype t ON t.id = a.agency_type_id
LEFT JOIN latest l ON l.agency_id = a.id
WHERE (a.established_on IS NULL OR a.established_on <= %(day)s)
  AND (a.dissolved_on IS NULL OR a.dissolved_on > %(day)s)
GROUP BY a.district_id
"""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# One key for the whole run: the sessions made for the load generator must be valid for the server.
SECRET_KEY = secrets.token_urlsafe(64)
STATIC_ROOT = "/tmp/bench-staticfiles"


def manage(db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": SECRET_KEY}
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=check, text=True, capture_output=True)


def pg_admin(db_url: str, sql: str) -> None:
    base = db_url.rsplit("/", 1)[0] + "/postgres"
    conn = psycopg2.connect(base)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def database_ready(db_url: str, synthetic: bool) -> bool:
    try:
        conn = psycopg2.connect(db_url)
    except psycopg2.OperationalError:
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM districts_province WHERE code = '22'")
            has_qn = cur.fetchone()[0] == 1
            cur.execute("SELECT count(*) FROM districts_province WHERE code LIKE 'S%%'")
            has_syn = cur.fetchone()[0] > 0
        return has_qn and has_syn == synthetic
    except psycopg2.Error:
        return False
    finally:
        conn.close()


def prepare(db_url: str, *, synthetic: bool, provinces: int, results: dict) -> None:
    if database_ready(db_url, synthetic):
        log(f"reusing {db_url}")
        manage(db_url, "migrate", "--no-input", "-v0")  # the code may have new migrations since
        return
    name = db_url.rsplit("/", 1)[1]
    log(f"creating {name}")
    pg_admin(db_url, f'DROP DATABASE IF EXISTS "{name}"')
    pg_admin(db_url, f'CREATE DATABASE "{name}"')
    manage(db_url, "migrate", "--no-input", "-v0")
    manage(db_url, "loaddata", "quang_ninh", "-v0")
    if synthetic:
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
    manage(db_url, "shell", "-c", "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')")


CREDENTIALS_SCRIPT = """
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
user, _ = get_user_model().objects.get_or_create(username="bench")
user.groups.add(*Group.objects.filter(name__in=["leaders", "analysts"]))
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


def server_env(db_url: str) -> dict:
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
    }


class Gunicorn:
    def __init__(self, app: str, port: int, env: dict):
        self.port = port
        self.proc = subprocess.Popen(
            [GUNICORN, app, "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
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
        for _ in range(100):
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
                with urllib.request.urlopen(req, timeout=30) as resp:
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
            time.sleep(0.25)

    def stop(self) -> None:
        self._stop.set()
        # The whole process group: killed workers must not outlive their master and keep the port.
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def wrk(port: int, path: str, headers: dict, seconds: int, connections: int) -> dict:
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "report.lua"),
    ]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], check=True, text=True, capture_output=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    return json.loads(line[len("BENCH ") :])


def summarise(runs: list[dict]) -> dict:
    out = {}
    for key in ("p50", "p95", "rps"):
        values = [r[key] for r in runs]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    out["errors"] = sum(r["errors"] for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    return out


def measure(port, path, headers, reps, seconds, connections) -> dict:
    wrk(port, path, headers, 2, connections)  # warm-up
    return summarise([wrk(port, path, headers, seconds, connections) for _ in range(reps)])


def cold(port: int, path: str, headers: dict, db_url: str, n: int = COLD_REQUESTS) -> dict:
    """Latency of one request right after a write (a new data stamp: the read cache misses), alone."""
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    timings = []
    try:
        for _ in range(n):
            with conn.cursor() as cur:
                cur.execute("UPDATE reports_dataversion SET stamp = floor(random() * 9e18)::bigint WHERE id = 1")
                # Answers about one province are keyed on its own stamp and the shared one (province 0).
                cur.execute(
                    "INSERT INTO reports_provinceversion (province_id, stamp) "
                    "SELECT id, floor(random() * 9e18)::bigint FROM districts_province "
                    "UNION ALL SELECT 0, floor(random() * 9e18)::bigint "
                    "ON CONFLICT (province_id) DO UPDATE SET stamp = EXCLUDED.stamp"
                )
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            started = time.perf_counter()
            with urllib.request.urlopen(req, timeout=120) as resp:
                resp.read()
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    timings.sort()
    return {"p50": statistics.median(timings), "max": timings[-1], "runs": n}


def sql_floor(db_url: str, reps: int) -> dict:
    """The national staffing figures recomputed from scratch (baseline and as-of), through psycopg2."""
    conn = psycopg2.connect(db_url)
    timings = []
    with conn.cursor() as cur:
        for i in range(reps + 2):
            started = time.perf_counter()
            for day in (BASELINE, AS_OF):
                cur.execute(NATIONAL_STAFFING_SQL, {"day": day})
                cur.fetchall()
            if i >= 2:  # two warm-up runs
                timings.append((time.perf_counter() - started) * 1000)
    conn.close()
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return {"p50": statistics.median(timings), "p95": p95, "min": timings[0], "max": timings[-1], "runs": len(timings)}


def fmt_range(stat: dict, digits: int = 1) -> str:
    return f"{stat['median']:.{digits}f} ({stat['min']:.{digits}f}–{stat['max']:.{digits}f})"


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


def write_results(results: dict, path: Path) -> None:
    hello = results["hello"]
    floor = results["sql_floor"]
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {results['date']}",
        f"- Machine: {results['machine']}",
        "- Server: gunicorn, 2 sync workers, persistent database connections (CONN_MAX_AGE=600), DEBUG off",
        f"- Load: wrk on loopback, 2 threads, {results['connections']} keep-alive connections, "
        f"{results['seconds']} s per run, {results['reps']} runs per endpoint (after a 2 s warm-up)",
        "- Figures: median (min–max) over the runs; latencies in ms",
        "",
    ]
    if "synthetic" in results:
        s = results["synthetic"]
        lines += [f"- Synthetic data: {s['summary']} — {s['seconds']} s wall, {s['max_rss_mb']} MB peak RSS", ""]
    lines += [
        "## Floors",
        "",
        "| floor | p50 | p95 | requests/s |",
        "| --- | --- | --- | --- |",
        f"| bare WSGI hello (HTTP floor) | {fmt_range(hello['p50'], 2)} | {fmt_range(hello['p95'], 2)} | {fmt_range(hello['rps'], 0)} |",  # noqa: E501
        f"| raw SQL national staffing, psycopg2 ({floor['runs']} runs) | {floor['p50']:.1f} | {floor['p95']:.1f} | – |",
        "",
        "## Endpoints",
        "",
        "Under load, the read cache serves every request after the first (the data does not change during",
        "a run). The last two columns are the cost when it misses: one request alone right after a write,",
        f"{COLD_REQUESTS} times.",
        "",
        "| endpoint | p50 | p95 | requests/s | % of HTTP floor rps | errors | after a write: p50 | max |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, stats in results["endpoints"].items():
        share = 100 * stats["rps"]["median"] / hello["rps"]["median"]
        miss = stats.get("cold")
        miss_cells = f"{miss['p50']:.1f} | {miss['max']:.1f}" if miss else "– | –"
        lines.append(
            f"| {label} | {fmt_range(stats['p50'])} | {fmt_range(stats['p95'])} | {fmt_range(stats['rps'], 0)} "
            f"| {share:.1f}% | {stats['errors']} | {miss_cells} |"
        )
    lines += ["", "## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target, measured, met in results["targets"]:
        lines.append(f"| {target} | {measured} | {'yes' if met else '**no**'} |")
    lines += ["", f"Worker memory: peak RSS of a gunicorn worker {results['max_worker_rss_mb']:.0f} MB.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--provinces", type=int, default=63)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    results: dict = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "reps": args.reps,
        "seconds": args.seconds,
        "connections": args.connections,
        "endpoints": {},
    }
    prepare(BIG_DB, synthetic=True, provinces=args.provinces, results=results)
    prepare(SMALL_DB, synthetic=False, provinces=0, results=results)

    # As in production: hashed static files collected for whitenoise.
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=server_env(BIG_DB), check=True
    )
    log("HTTP floor")
    hello = Gunicorn("bench.hello:app", HELLO_PORT, server_env(BIG_DB))
    hello.wait_ready("/", {})
    results["hello"] = measure(HELLO_PORT, "/", {}, args.reps, args.seconds, args.connections)
    hello.stop()

    log("SQL floor")
    results["sql_floor"] = sql_floor(BIG_DB, reps=20)

    max_rss = 0.0
    for db_url, label_suffix in ((BIG_DB, ""), (SMALL_DB, " [14 districts only]")):
        token, session = credentials(db_url)
        headers = {"api": {"Authorization": f"Token {token}"}, "page": {"Cookie": f"sessionid={session}"}}
        app = Gunicorn("config.wsgi:application", APP_PORT, server_env(db_url))
        app.wait_ready("/api/v1/districts/193/", headers["api"])
        for label, path, kind in [*ENDPOINTS, FRAMEWORK]:
            if label_suffix and kind != "page":
                continue  # the small database only serves the dashboard comparison
            log(f"{label}{label_suffix}")
            stats = measure(APP_PORT, path, headers[kind], args.reps, args.seconds, args.connections)
            if (label, path, kind) != FRAMEWORK:
                stats["cold"] = cold(APP_PORT, path, headers[kind], db_url)
            results["endpoints"][label + label_suffix] = stats
        app.stop()
        max_rss = max(max_rss, app.max_rss_mb)
    results["max_worker_rss_mb"] = max_rss

    ep, hello_rps = results["endpoints"], results["hello"]["rps"]["median"]
    dash_big = ep[ENDPOINTS[0][0]]["p95"]["median"]
    dash_small = ep[ENDPOINTS[0][0] + " [14 districts only]"]["p95"]["median"]
    national = ep[ENDPOINTS[1][0]]["p95"]["median"]
    list_share = 100 * ep[ENDPOINTS[4][0]]["rps"]["median"] / hello_rps
    detail_share = 100 * ep[ENDPOINTS[6][0]]["rps"]["median"] / hello_rps
    results["targets"] = [
        ("national staffing p95 ≤ raw SQL floor p95", f"{national:.1f} ms vs {results['sql_floor']['p95']:.1f} ms",
         national <= results["sql_floor"]["p95"]),
        ("province dashboard p95 ≤ 50 ms", f"{dash_big:.1f} ms", dash_big <= 50),
        ("dashboard p95 with 700 districts ≈ with 14 (within 25%)", f"{dash_big:.1f} ms vs {dash_small:.1f} ms",
         dash_big <= dash_small * 1.25),
        ("50-row list ≥ 10% of HTTP floor rps", f"{list_share:.1f}%", list_share >= 10),
        ("detail ≥ 35% of HTTP floor rps", f"{detail_share:.1f}%", detail_share >= 35),
        ("worker memory < 200 MB", f"{max_rss:.0f} MB", max_rss < 200),
    ]  # fmt: skip
    write_results(results, Path(args.output))
    (Path(args.output).with_suffix(".json")).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    log(f"wrote {args.output}")
    for target, measured, met in results["targets"]:
        log(f"{'OK ' if met else 'MISS'} {target}: {measured}")


if __name__ == "__main__":
    main()
