"""With REDIS_URL set, two gunicorn workers share one throttle budget (issue 13).

In local memory (the zero-set-up default) each worker counts on its own, so N workers let a
client through N times the rate. Here: gunicorn with 2 workers, API_THROTTLE_USER=10/minute,
40 requests of one editor from 8 threads, answered by both workers: exactly 10 get a 200,
the 30 others a 429. The run's keys carry a random prefix (DJANGO_CACHE_KEY_PREFIX) in a Redis
that may be shared.
"""

import os
import re
import secrets
import subprocess
import threading
from collections import Counter

import pytest
import requests

from tests.live import gunicorn, server_env

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BUDGET = 10
REQUESTS = 40


@pytest.fixture
def redis_url():
    try:
        answer = subprocess.run(["redis-cli", "-u", REDIS_URL, "ping"], capture_output=True, text=True, timeout=10)
        up = answer.stdout.strip() == "PONG"
    except (OSError, subprocess.TimeoutExpired):
        up = False
    if not up:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI but Redis does not answer at {REDIS_URL} (.ci/run starts redis-server)")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    return REDIS_URL


def test_two_workers_share_one_throttle_budget(redis_url, sqlite_database, tmp_path):
    prefix = f"test-{secrets.token_hex(6)}:"
    env = server_env(
        sqlite_database,
        tmp_path,
        REDIS_URL=redis_url,
        DJANGO_CACHE_KEY_PREFIX=prefix,
        API_THROTTLE_USER=f"{BUDGET}/minute",
    )
    access = ("--access-logfile", "-", "--access-logformat", "access pid=%(p)s status=%(s)s")
    with gunicorn(env, tmp_path, workers=2, extra_args=access) as server:
        headers = server.headers("live-editor")
        statuses: list[int] = []
        lock = threading.Lock()

        def ask(count: int):
            for _ in range(count):
                answer = requests.get(f"{server.base}/api/v1/", headers=headers, timeout=30)
                with lock:
                    statuses.append(answer.status_code)

        threads = [threading.Thread(target=ask, args=(REQUESTS // 8,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = server.log.read_text()
    assert Counter(statuses) == {200: BUDGET, 429: REQUESTS - BUDGET}, (Counter(statuses), log[-3000:])
    # Both workers answered (in local memory, the second would have let 10 more through).
    answered = Counter(pid for pid, status in re.findall(r"access pid=<(\d+)> status=(\d+)", log) if status != "401")
    assert len(answered) == 2, f"one worker answered every request: the test shows nothing\n{log[-3000:]}"
