"""A client generated from /api/schema/ installs, logs in and reads every list and report (issue 15).

`openapi-python-client` (pinned in requirements-dev.txt; it needs no network) generates a
package from the schema that a real gunicorn server (tests/live.py, production settings, the
Quảng Ninh data) serves; pip installs it offline (no dependencies, no build isolation) into a
directory put on sys.path. The client then gets a token as an analyst would and reads every
list, page after page, and both reports, which must give the seed's figures. Before issue 15
the package name was `qu-ả-ng-ninh-...` (refused by pip), enum classes were named after
Vietnamese labels, and the token module failed on import.
"""

import csv
import datetime
import importlib
import io
import json
import shutil
import subprocess
import sys

import pytest
import requests

from tests.live import PASSWORD, gunicorn, server_env

PACKAGE = "quang_ninh_merger_tracker_api_client"
LISTS = {
    # module: (expected count, the key of a row)
    "provinces": 1,
    "districts": 14,
    "agency_types": 13,
    "agencies": 182,
    "programmes": 3,
    "mergers": 42,
    "headcounts": 171,
}


def _run(*args, cwd):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args[:3]}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


@pytest.fixture
def generated(tmp_path, sqlite_database):
    """The running server and the generated client's modules, imported from where pip put them."""
    if shutil.which("openapi-python-client", path=str(_bin())) is None:
        pytest.fail("openapi-python-client is not installed: pip install -r requirements-dev.txt")
    env = server_env(sqlite_database, tmp_path)
    with gunicorn(env, tmp_path) as server:
        schema = requests.get(f"{server.base}/api/schema/", params={"format": "json"}, timeout=60)
        assert schema.status_code == 200
        (tmp_path / "schema.json").write_text(json.dumps(schema.json()))
        (tmp_path / "config.yaml").write_text("post_hooks: []\n")  # no ruff run on the output
        output = _run(
            str(_bin() / "openapi-python-client"),
            "generate",
            "--path", "schema.json",
            "--output-path", "client",
            "--meta", "setup",
            "--config", "config.yaml",
            cwd=tmp_path,
        )  # fmt: skip
        assert "Warning" not in output, output  # every operation and model generated
        site = tmp_path / "site"
        _run(
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
            "--target", str(site), str(tmp_path / "client"),
            cwd=tmp_path,
        )  # fmt: skip
        sys.path.insert(0, str(site))
        try:
            yield server, lambda name: importlib.import_module(f"{PACKAGE}.{name}")
        finally:
            sys.path.remove(str(site))
            for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
                del sys.modules[name]


def _bin():
    from pathlib import Path

    return Path(sys.executable).parent


def read_all(module, client, **filters) -> list:
    """Every row of a list, page after page, through the generated `<list>_list` function."""
    rows, page = [], 1
    while True:
        body = module.sync(client=client, page=page, page_size=50, **filters)
        assert body is not None and not hasattr(body, "detail"), body
        rows += body.results
        if not body.next_:
            return rows
        page += 1


def test_the_generated_client_logs_in_and_reads_every_list_and_report(generated):
    server, load = generated
    client_module = load("client")
    models = load("models")
    token_api = load("api.auth.auth_token_create")

    anonymous = client_module.Client(base_url=server.base)
    answer = token_api.sync(client=anonymous, body=models.AuthTokenRequest(username="live-analyst", password=PASSWORD))
    assert isinstance(answer, models.Token), answer
    assert answer.token == server.tokens["live-analyst"]
    refused = token_api.sync(client=anonymous, body=models.AuthTokenRequest(username="live-analyst", password="x"))
    assert isinstance(refused, models.Error)

    client = client_module.AuthenticatedClient(base_url=server.base, token=answer.token, prefix="Token")
    for name, count in LISTS.items():
        rows = read_all(load(f"api.{name}.{name}_list"), client)
        assert len(rows) == count, name
        assert all(row.url.startswith(f"{server.base}/api/v1/") and row.display for row in rows), name

    # Filters with their named enums, and the brief objects of foreign keys.
    mergers = read_all(
        load("api.mergers.mergers_list"), client, programme="khoi-mttq", status=models.MergerStatusEnum.COMPLETED
    )
    assert len(mergers) == 14
    ha_long = next(m for m in mergers if m.district.code == "193")
    assert (ha_long.district.display, ha_long.programme.code) == ("Thành phố Hạ Long", "khoi-mttq")
    assert [a.id for a in ha_long.source_agencies] == [1, 2, 3, 4, 5, 6]
    headcounts = read_all(load("api.headcounts.headcounts_list"), client, agency=7)
    assert [h.district.code for h in headcounts] == ["193", "193"]
    district = load("api.districts.districts_retrieve").sync(client=client, code="204")
    assert (district.name, district.successor.code) == ("Huyện Hoành Bồ", "193")

    progress = load("api.reports.reports_progress_retrieve").sync(client=client, as_of=datetime.date(2017, 9, 27))
    mttq = next(p for p in progress.programmes if p.programme == "khoi-mttq")
    assert (mttq.completed, mttq.total, sorted(mttq.districts_pending)) == (12, 14, ["193", "200"])
    assert (mttq.headcount_before, mttq.headcount_after, mttq.reduction_pct) == (279, 244, 12.54)
    staffing = load("api.reports.reports_staffing_retrieve").sync(
        client=client,
        baseline=datetime.date(2015, 11, 30),
        as_of=datetime.date(2020, 6, 1),
        province="22",
        measure=models.MeasureEnum.AUTHORISED,
    )
    assert isinstance(staffing, models.StaffingReport), staffing
    assert len(staffing.districts) == 13  # Hoành Bồ folded into Hạ Long (like for like)
    assert staffing.total.headcount_baseline is not None

    # CSV through the same authenticated connection: every row, documented as text.
    http = client.get_httpx_client()
    response = http.get("/api/v1/headcounts/", params={"format": "csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert len(list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))) == 171
