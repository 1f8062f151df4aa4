"""The benchmark harness's own logic (bench/run.py, bench/floors.py), without a server or a
database: the JSON comparison that guards the floors, the floors' sum rules and links, and the
RESULTS.md tables. `make bench` itself is not part of the suite."""

from pathlib import Path

from bench import floors, run


def test_first_difference_names_the_path_of_the_first_difference():
    api = {"districts": [{"district": "193", "note": "a"}, {"district": "194", "note": "b"}], "total": 1}
    assert run.first_difference(api, {**api}) is None
    other = {"districts": [{"district": "193", "note": "a"}, {"district": "194", "note": "c"}], "total": 1}
    assert run.first_difference(api, other) == "$.districts[1].note: 'b' != 'c'"
    assert run.first_difference({"a": 1, "b": 2}, {"b": 2, "a": 1}) == "$: keys in another order"
    assert run.first_difference({"a": 1}, {"a": 1, "b": 2}) == "$: keys ['b']"
    assert run.first_difference([1, 2], [1]) == "$: 2 items != 1"
    assert run.first_difference({"x": 1}, {"x": 1.0}) == "$.x: int 1 != float 1.0"
    assert run.first_difference({"x": None}, {"x": 0}) == "$.x: NoneType None != int 0"


def day(headcount, agencies=3, demo=False, missing=()):
    return {"active": True, "headcount": headcount, "agencies": agencies, "demo": demo, "missing": list(missing)}


def test_floor_sums_follow_the_engine_rules():
    assert floors.total_of([day(10), day(5, demo=True), floors.INACTIVE]) == day(15, agencies=6, demo=True)
    ref = {"id": 7, "name": "Phòng Nội vụ", "district": "193"}
    missing = floors.total_of([day(10), day(None, missing=[ref])])
    assert missing == {"active": True, "headcount": None, "agencies": 6, "demo": False, "missing": [ref]}
    assert floors.total_of([floors.INACTIVE]) is floors.INACTIVE
    assert floors.pct(3, 26) == 11.54 and floors.pct(3, 0) is None and floors.minus(None, 1) is None
    assert floors.fmt_date("2015-11-30") == "30/11/2015"


def test_floor_page_links_are_drf_links():
    assert floors.page_links("http://h", "/api/v1/mergers/", {"page_size": "50"}, 2181, 50) == (
        "http://h/api/v1/mergers/?page=2&page_size=50",
        None,
    )
    assert floors.page_links("http://h", "/api/v1/headcounts/", {"district": "193"}, 15, 50) == (None, None)


def stat(median, low=None, high=None):
    return {"median": median, "min": low if low is not None else median, "max": high if high is not None else median}


def server(p95, rps, p50=None):
    return {"p50": stat(p50 or p95 / 2), "p95": stat(p95), "rps": stat(rps), "cpu_pct": stat(90),
            "loadavg_max": stat(3.5), "errors": 0, "requests": 100}  # fmt: skip


def results(**overrides):
    endpoints = {
        key: {"cached": server(10, 500), "uncached": server(40, 50), "floor": server(20, 1000),
              "alone": {"p50": 30.0, "max": 35.0, "runs": 10}}
        for key, *_ in run.ENDPOINTS
    }  # fmt: skip
    endpoints["staffing_country"]["uncached"] = server(90, 5)
    endpoints["staffing_country"]["uncached"]["p95"] = None  # no request completed in the run
    mixed_entry = {"p50": 5.0, "errors": 0, "writes": 0, "write_p50": None, "cpu_pct": 80.0, "loadavg_max": 2.0}
    data = {
        "date": "2026-12-06 14:00 UTC", "machine": "2 cores", "quick": False, "reps": 3, "seconds": 8,
        "mixed_seconds": 10, "connections": 8, "analyse": "ANALYZE before measuring (1 s)",
        "data": {"districts": 727, "agencies": 14837, "mergers": 2181, "headcounts": 1316306},
        "background": {"cpu_pct": 50.0, "loadavg_max": 4.0}, "background_after": {"cpu_pct": 40.0, "loadavg_max": 3.0},
        "hello": server(2, 2000), "endpoints": endpoints,
        "mixed": {"0": {**mixed_entry, "rps": 400.0, "p95": 10.0}, "1": {**mixed_entry, "rps": 300.0, "p95": 30.0},
                  "4": {**mixed_entry, "rps": 100.0, "p95": 80.0}},
        "writes": {"merger_complete_queries": 21, "merger_complete_summary_statements": 0},
        "max_worker_rss_mb": 100.0,
    }  # fmt: skip
    data.update(overrides)
    data["ratios"] = run.ratios(data)
    data["targets"] = run.targets(data)
    return data


def test_ratios_and_targets():
    data = results()
    assert data["ratios"]["district"] == {
        "uncached_over_floor_p95": 2.0,
        "cached_over_floor_p95": 0.5,
        "cached_pct_of_hello_rps": 25.0,
        "floor_pct_of_hello_rps": 50.0,
    }
    assert data["ratios"]["staffing_country"]["uncached_over_floor_p95"] is None
    assert run.mixed_ratios(data) == {"1": {"p95": 3.0, "rps": 0.75}, "4": {"p95": 8.0, "rps": 0.25}}
    met = {measure: (measured, ok) for measure, _target, measured, ok in data["targets"]}
    assert met["uncached p95 / fair floor: national staffing"] == ("–", None)
    assert met["uncached p95 / fair floor: lists, detail, province reports"][1] is True
    assert met["dashboard miss, one request"] == ("30 ms (median of 10)", True)
    assert met["read p95 at 1 write/s / no writes"] == ("3.0×", False)
    assert met["read throughput at 1 write/s / no writes"] == ("75%", False)
    assert met["read throughput at 4 writes/s / no writes"] == ("25%", False)
    assert met["district detail cached, % of bare-WSGI req/s"] == ("25.0%", False)


def test_the_share_of_hello_is_over_the_hello_runs_beside_the_endpoint():
    """The hello app runs right before each endpoint: its share is over those runs when they exist."""
    data = results()
    data["endpoints"]["district"]["hello"] = server(2, 1000)
    assert run.ratios(data)["district"]["cached_pct_of_hello_rps"] == 50.0  # 500 / 1000, not / 2000
    assert run.ratios(data)["mergers"]["cached_pct_of_hello_rps"] == 25.0  # no runs beside it: the overall hello


def test_results_tables(tmp_path: Path):
    out = tmp_path / "RESULTS.md"
    run.write_results(results(), out)
    text = out.read_text(encoding="utf-8")
    assert (
        "| district detail | cached | 5.0 (5.0–5.0) | 10.0 (10.0–10.0) | 500 (500–500) | 100 | 0 | 90% / 3.5 |" in text
    )
    assert "| staffing report, whole country | uncached | 45.0 (45.0–45.0) | no request completed |" in text
    assert "| district detail | 2.0× | 0.5× | 25.0% | 50.0% | 30.0 (35.0) |" in text
    assert "| staffing report, whole country | – | 0.5× | 25.0% | 50.0% | 30.0 (35.0) |" in text
    assert "| 1 | 0 | – | 300 | 5.0 | 30.0 | 0 | 75% | 3.0× | 80% / 2.0 |" in text
    assert "| read throughput at 4 writes/s / no writes | ≥ 50% | 25% | **no** |" in text
    assert "| uncached p95 / fair floor: national staffing | ≤ 1.5× | – | – |" in text
    assert "before any server of this run started, 50% CPU use and loadavg 4.0" in text
