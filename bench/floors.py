"""The fair floors (issue 17): a bare WSGI app, with no Django request stack, that answers each
benchmarked endpoint with the same JSON as the API from the best single SQL query and
`json.dumps`. Served by the same gunicorn settings and measured by the same wrk load as the
application, it is what one request for that answer costs at least on this machine.

Each handler sends one statement (built for that answer: it paginates before joining, reads
the latest record of each agency on the `(agency_id, as_of)` index with a lateral lookup, and
assembles nested parts with `json_agg`), then shapes the rows in plain Python. The rules
copied here (sums with missing parts, demo, like-for-like folding, the notes) are those of
figures/engine.py and reports/selectors.py; bench/run.py compares every floor's JSON with
the API's before measuring and stops when they differ, so a floor cannot drift.

Routes (the query strings the benchmark uses; anything else answers 404):

    /api/v1/reports/staffing/?baseline=&as_of=[&province=]
    /api/v1/reports/progress/?as_of=[&province=]
    /api/v1/mergers/?page_size=
    /api/v1/headcounts/?district=
    /api/v1/districts/<code>/
    /dashboard/?province=&baseline=&as_of=   (the dashboard's API equivalent: progress + staffing)
"""

import json
import os
import re
from urllib.parse import parse_qs, urlencode

import psycopg2

REAL_KINDS = ("official", "published")
KIND_LABELS = {"thanh-pho": "Thành phố", "thi-xa": "Thị xã", "huyen": "Huyện"}
PAGE_SIZE, MAX_PAGE_SIZE = 50, 500

_conn = None


def connection():
    """One connection per worker, kept open (the application's CONN_MAX_AGE)."""
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ.get("BENCH_FLOOR_DATABASE_URL") or os.environ["DATABASE_URL"])
        _conn.autocommit = True
    return _conn


def query(sql: str, params: dict) -> list[tuple]:
    with connection().cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# --- the rules (copies of figures/engine.py, checked through the JSON comparison) ------------


def fmt_date(iso: str | None) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}" if iso else ""


def active_on(established: str | None, dissolved: str | None, day: str) -> bool:
    return (established is None or established <= day) and (dissolved is None or dissolved > day)


def minus(a, b):
    return None if a is None or b is None else a - b


def pct(part, whole):
    if part is None or whole is None or whole == 0:
        return None
    return round(part * 100.0 / whole, 2)


def full_name(kind: str, name: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)} {name}"


INACTIVE = {"active": False, "headcount": None, "agencies": None, "demo": False, "missing": []}
EMPTY = {"active": True, "headcount": None, "agencies": 0, "demo": False, "missing": []}  # nothing to count


def total_of(figures: list[dict]) -> dict:
    """The sum of days: over the active ones, missing if any is (figures.total_of)."""
    active = [f for f in figures if f["active"]]
    if not active:
        return INACTIVE
    values = [f["headcount"] for f in active]
    present = [v for v in values if v is not None]
    headcount = (sum(present) or 0) if len(present) == len(values) else None
    return {
        "active": True,
        "headcount": headcount,
        "agencies": sum(f["agencies"] or 0 for f in active),
        "demo": headcount is not None and any(f["demo"] for f in active),
        "missing": [a for f in active for a in f["missing"]],
    }


def figures_dict(baseline: dict, current: dict) -> dict:
    change = minus(current["headcount"], baseline["headcount"])
    return {
        "headcount_baseline": baseline["headcount"],
        "headcount_current": current["headcount"],
        "change": change,
        "change_pct": pct(change, baseline["headcount"]),
        "agencies_baseline": baseline["agencies"],
        "agencies_current": current["agencies"],
        "agencies_change": minus(current["agencies"], baseline["agencies"]),
        "demo": baseline["demo"] or current["demo"],
        "missing_baseline": baseline["missing"],
        "missing_current": current["missing"],
    }


# --- the district tier (figures.district_tier) -------------------------------------------------

TIER_SQL = """
(SELECT json_build_object(
    'active', t.active, 'last_end', t.last_end,
    'ended', CASE WHEN t.active = 0 AND t.last_end IS NOT NULL THEN (
        SELECT json_build_object(
            'decision', CASE WHEN dec.id IS NULL THEN NULL ELSE json_build_object(
                'id', dec.id, 'number', dec.number, 'date', dec.date, 'issuer', dec.issuer, 'title', dec.title) END,
            'successor_province', sp.code)
        FROM districts_district d
        LEFT JOIN mergers_decision dec ON dec.id = d.dissolution_decision_id
        LEFT JOIN districts_province sp ON sp.id = d.successor_province_id
        WHERE d.dissolved_on = t.last_end {province_d}
        ORDER BY d.dissolution_decision_id ASC NULLS LAST, d.code LIMIT 1) END)
 FROM (SELECT count(*) FILTER (WHERE (established_on IS NULL OR established_on <= %(tier_on)s)
                                  AND (dissolved_on IS NULL OR dissolved_on > %(tier_on)s)) AS active,
              max(dissolved_on) FILTER (WHERE dissolved_on <= %(tier_on)s) AS last_end
       FROM districts_district d WHERE true {province_d}) t)
"""


def tier_dict(tier: dict, on: str) -> dict:
    ended = tier["ended"] if tier["active"] == 0 and tier["last_end"] is not None else None
    last_day = None
    if ended is not None:
        import datetime

        last_day = (datetime.date.fromisoformat(tier["last_end"]) - datetime.timedelta(days=1)).isoformat()
    return {
        "on": on,
        "active_districts": tier["active"],
        "ended": ended is not None,
        "ended_on": tier["last_end"] if ended is not None else None,
        "last_day": last_day,
        "decision": ended["decision"] if ended else None,
        "successor_province": ended["successor_province"] if ended else None,
    }


def province_clause(province: str | None, alias: str) -> str:
    if province is None:
        return ""
    return f"AND {alias}.province_id = (SELECT id FROM districts_province WHERE code = %(province)s)"


# --- the staffing report (reports.selectors.staffing_report) -----------------------------------

STAFFING_SQL = """
WITH dist AS (
    SELECT d.id, d.code, d.name, d.kind, d.established_on, d.dissolved_on, s.code AS successor,
           sp.name AS functions_to
    FROM districts_district d
    LEFT JOIN districts_district s ON s.id = d.successor_id
    LEFT JOIN districts_province sp ON sp.id = d.successor_province_id
    WHERE (d.established_on IS NULL OR d.established_on <= %(as_of)s)
      AND (d.dissolved_on IS NULL OR d.dissolved_on > %(baseline)s) {province_d}
), rows AS (
    SELECT x.day, a.district_id, a.id, a.name, t.in_district_quota AS q, r.v, r.kind
    FROM (VALUES (%(baseline)s::date), (%(as_of)s::date)) x(day)
    JOIN mergers_agency a ON a.district_id IN (SELECT id FROM dist)
         AND a.established_on <= x.day AND (a.dissolved_on IS NULL OR a.dissolved_on > x.day)
    JOIN mergers_agencytype t ON t.id = a.agency_type_id
    LEFT JOIN LATERAL (
        SELECT h.{measure} AS v, h.source_kind AS kind FROM mergers_headcountrecord h
        WHERE h.agency_id = a.id AND h.as_of <= x.day ORDER BY h.as_of DESC LIMIT 1
    ) r ON t.in_district_quota
), parts AS (
    SELECT district_id, day, count(*) AS agencies, count(*) FILTER (WHERE q) AS counted,
           count(v) FILTER (WHERE q) AS known, sum(v) FILTER (WHERE q) AS total,
           coalesce(bool_or(q AND coalesce(kind, 'official') NOT IN ('official', 'published')), false) AS demo,
           json_agg(json_build_array(id, name)) FILTER (WHERE q AND v IS NULL) AS missing
    FROM rows GROUP BY district_id, day
)
SELECT (SELECT json_agg(json_build_array(id, code, name, kind, established_on, dissolved_on, successor, functions_to)
                        ORDER BY code) FROM dist),
       (SELECT json_agg(json_build_array(district_id, day, agencies, counted, known, total, demo, missing))
        FROM parts),
       {tier}
"""


def staffing(params: dict, base: str) -> dict:
    province = params.get("province")
    baseline, as_of = params["baseline"], params["as_of"]
    measure = params.get("measure", "authorised")
    assert measure in ("authorised", "actual")
    clause = province_clause(province, "d")
    sql = STAFFING_SQL.format(province_d=clause, measure=measure, tier=TIER_SQL.format(province_d=clause))
    params_sql = {"baseline": baseline, "as_of": as_of, "province": province, "tier_on": as_of}
    districts, parts, tier = query(sql, params_sql)[0]
    if tier_dict(tier, as_of)["ended"]:  # figures.within_tier: the API answers for the tier's last day, with a note
        raise NotImplementedError("this floor serves dates within the district tier only")
    codes = {d[0]: d[1] for d in districts or []}
    by_key = {}
    for district_id, day, agencies, counted, known, total, demo, missing in parts or []:
        headcount = (total or 0) if counted and known == counted else None
        refs = sorted(missing or [], key=lambda m: (m[1], m[0]))
        by_key[(district_id, day)] = {
            "active": True,
            "headcount": headcount,
            "agencies": agencies,
            "demo": bool(demo) and headcount is not None,
            "missing": [{"id": m[0], "name": m[1], "district": codes[district_id]} for m in refs],
        }

    def day_figure(d, day):
        if not active_on(d[4], d[5], day):
            return INACTIVE
        return by_key.get((d[0], day)) or EMPTY

    rows = [
        {"code": d[1], "name": full_name(d[3], d[2]), "kind": d[3], "dissolved_on": d[5], "successor": d[6],
         "functions_to": d[7] or "", "baseline": day_figure(d, baseline), "current": day_figure(d, as_of), "folded": []}
        for d in districts or []
    ]  # fmt: skip
    names = {r["code"]: r["name"] for r in rows}
    total_baseline = total_of([r["baseline"] for r in rows])
    total_current = total_of([r["current"] for r in rows])
    like_for_like = params.get("like_for_like", "true") not in ("false", "False", "0")
    if like_for_like:
        by_code = {r["code"]: r for r in rows}
        kept = []
        for row in rows:
            target = by_code.get(row["successor"]) if row["successor"] else None
            if (
                row["baseline"]["active"]
                and not row["current"]["active"]
                and target is not None
                and target["current"]["active"]
            ):
                target["folded"].append(row["code"])
                target["baseline"] = total_of([target["baseline"], row["baseline"]])
                continue
            kept.append(row)
        rows = kept
    absorbed: dict[str, list[dict]] = {}
    for row in rows:
        if row["dissolved_on"] and row["successor"] and not row["current"]["active"]:
            absorbed.setdefault(row["successor"], []).append(row)
    out_rows = []
    for row in rows:
        notes = [
            f"Tiếp nhận {names.get(o['code'], o['code'])} từ {fmt_date(o['dissolved_on'])}"
            for o in absorbed.get(row["code"], [])
        ]
        if row["dissolved_on"] and row["dissolved_on"] <= as_of:
            gone = fmt_date(row["dissolved_on"])
            if row["functions_to"]:
                notes.append(f"Giải thể từ {gone}, chức năng chuyển về tỉnh {row['functions_to']}")
            elif row["successor"]:
                notes.append(f"Giải thể từ {gone}, sáp nhập vào {names.get(row['successor'], row['successor'])}")
            else:
                notes.append(f"Giải thể từ {gone}")
        if row["folded"]:
            notes.append("Ngày gốc gồm cả số liệu của " + ", ".join(names.get(c, c) for c in row["folded"]))
        out_rows.append(
            {"district": row["code"], "name": row["name"], "kind": row["kind"], "dissolved_on": row["dissolved_on"],
             "successor": row["successor"], "folded": row["folded"], "note": "; ".join(notes),
             **figures_dict(row["baseline"], row["current"])}
        )  # fmt: skip
    return {
        "baseline": baseline,
        "as_of": as_of,
        "province": province,
        "measure": measure,
        "like_for_like": like_for_like,
        "districts": out_rows,
        "total": figures_dict(total_baseline, total_current),
        "district_tier": tier_dict(tier, as_of),
        "requested_as_of": as_of,
        "note": "",
    }


# --- the progress report (figures.programme_figures, reports.selectors.progress_totals) --------

PROGRESS_SQL = """
WITH dist AS (SELECT d.id, d.code, d.established_on, d.dissolved_on FROM districts_district d WHERE true {province_d}),
m AS (
    SELECT m.programme_id, d.code, m.source_kind, m.effective_on, m.result_agency_id, m.id
    FROM mergers_merger m JOIN dist d ON d.id = m.district_id
    WHERE m.status = 'completed' AND m.effective_on <= %(as_of)s
), figs AS (
    SELECT m.programme_id, m.code, b.before, ra.after, b.sources,
           (m.source_kind NOT IN ('official', 'published')
            OR (b.before IS NOT NULL AND b.demo)
            OR (ra.after IS NOT NULL AND coalesce(ra.kind, 'official') NOT IN ('official', 'published'))) AS demo,
           (m.source_kind = 'published' OR (b.before IS NOT NULL AND b.published)
            OR (ra.after IS NOT NULL AND ra.kind = 'published')) AS published,
           m.effective_on
    FROM m
    CROSS JOIN LATERAL (
        SELECT count(*) AS sources,
               CASE WHEN count(*) FILTER (WHERE t.in_district_quota) > 0
                     AND count(*) FILTER (WHERE t.in_district_quota) = count(r.v) FILTER (WHERE t.in_district_quota)
                    THEN coalesce(sum(r.v) FILTER (WHERE t.in_district_quota), 0) END AS before,
               coalesce(bool_or(t.in_district_quota AND coalesce(r.kind, 'official') NOT IN ('official', 'published')),
                        false) AS demo,
               coalesce(bool_or(t.in_district_quota AND r.kind = 'published'), false) AS published
        FROM mergers_merger_source_agencies ms
        JOIN mergers_agency a ON a.id = ms.agency_id
        JOIN mergers_agencytype t ON t.id = a.agency_type_id
        LEFT JOIN LATERAL (
            SELECT h.{measure} AS v, h.source_kind AS kind FROM mergers_headcountrecord h
            WHERE h.agency_id = a.id AND h.as_of < m.effective_on ORDER BY h.as_of DESC LIMIT 1
        ) r ON t.in_district_quota
        WHERE ms.merger_id = m.id
    ) b
    LEFT JOIN LATERAL (
        SELECT h.{measure} AS after, h.source_kind AS kind FROM mergers_headcountrecord h
        WHERE h.agency_id = m.result_agency_id AND h.as_of <= m.effective_on ORDER BY h.as_of DESC LIMIT 1
    ) ra ON true
)
SELECT (SELECT json_agg(code ORDER BY code) FROM dist
        WHERE (established_on IS NULL OR established_on <= %(as_of)s)
          AND (dissolved_on IS NULL OR dissolved_on > %(as_of)s)),
       (SELECT json_agg(json_build_array(p.id, p.code, p.name, dec.id, dec.number, dec.date)
                        ORDER BY dec.date ASC NULLS LAST, p.code)
        FROM mergers_programme p LEFT JOIN mergers_decision dec ON dec.id = p.decision_id),
       (SELECT json_agg(json_build_array(programme_id, code, before, after, sources, demo, published, effective_on)
                        ORDER BY code) FROM figs),
       {tier},
       (SELECT json_agg(json_build_array(pa.programme_id, pa.on)) FROM mergers_publishedaggregate pa
        JOIN districts_province pv ON pv.id = pa.province_id WHERE pv.code = %(province)s AND pa.on <= %(as_of)s),
       (SELECT json_agg(day) FROM dist, LATERAL (VALUES (established_on), (dissolved_on)) v(day) WHERE day IS NOT NULL)
"""


def progress(params: dict, base: str) -> dict:
    province, as_of = params.get("province"), params["as_of"]
    measure = params.get("measure", "authorised")
    assert measure in ("authorised", "actual")
    clause = province_clause(province, "d")
    sql = PROGRESS_SQL.format(province_d=clause, measure=measure, tier=TIER_SQL.format(province_d=clause))
    row = query(sql, {"as_of": as_of, "province": province, "tier_on": as_of})[0]
    active_codes, programmes, mergers, tier, aggregates, district_changes = row
    active_codes = active_codes or []
    aggregates = aggregates or [] if province else []
    by_programme: dict[int, list] = {}
    for m in mergers or []:
        by_programme.setdefault(m[0], []).append(m[1:])
    out = []
    for pk, code, name, decision_id, number, decided_on in programmes or []:
        ms = by_programme.get(pk, [])
        with_data = [m for m in ms if m[1] is not None and m[2] is not None]
        done = {m[0] for m in ms}
        before = sum(m[1] for m in with_data) if with_data else None
        after = sum(m[2] for m in with_data) if with_data else None
        completed = [c for c in active_codes if c in done]
        reduction = minus(before, after)
        # A published aggregate in force (figures.published_in_force) would replace figures: this
        # floor does not serve one, and says so rather than answer differently from the API.
        dated = [on for programme_id, on in aggregates if programme_id == pk]
        if dated:
            latest = max(dated)
            changes = [*(district_changes or []), *(m[6] for m in ms)]
            if not any(latest < day <= as_of for day in changes):
                raise NotImplementedError(f"a published aggregate of {code} is in force on {as_of}")
        kind = "demo" if any(m[4] for m in ms) else "published" if any(m[5] for m in ms) else "official"
        kinds = {
            "completed": kind,
            "total": kind,
            "headcount_before": kind if before is not None else None,
            "headcount_after": kind if after is not None else None,
            "focal_points_removed": kind,
        }
        kinds["reduction"] = kind if reduction is not None else None
        kinds["reduction_pct"] = kinds["reduction"] if pct(reduction, before) is not None else None
        out.append(
            {"programme": code, "name": name, "decision_number": number or "", "decided_on": decided_on,
             "completed": len(completed), "total": len(active_codes), "districts_completed": completed,
             "districts_pending": [c for c in active_codes if c not in done], "mergers": len(ms),
             "mergers_without_data": len(ms) - len(with_data), "headcount_before": before, "headcount_after": after,
             "reduction": reduction, "reduction_pct": pct(reduction, before),
             "focal_points_removed": sum(max(m[3] - 1, 0) for m in ms), "demo": any(m[4] for m in ms),
             "source_kinds": kinds, "published": None, "discrepancies": [], "decision": decision_id}
        )  # fmt: skip
    with_data = [p for p in out if p["headcount_before"] is not None and p["headcount_after"] is not None]
    before = sum(p["headcount_before"] for p in with_data) if with_data else None
    after = sum(p["headcount_after"] for p in with_data) if with_data else None
    reduction = minus(before, after)
    totals = {
        "completed": sum(p["completed"] for p in out),
        "total": sum(p["total"] for p in out),
        "mergers": sum(p["mergers"] for p in out),
        "mergers_without_data": sum(p["mergers_without_data"] for p in out),
        "headcount_before": before,
        "headcount_after": after,
        "reduction": reduction,
        "reduction_pct": pct(reduction, before),
        "focal_points_removed": sum(p["focal_points_removed"] for p in out),
        "demo": any(p["demo"] for p in out),
    }
    return {
        "as_of": as_of,
        "province": province,
        "measure": measure,
        "programmes": out,
        "totals": totals,
        "district_tier": tier_dict(tier, as_of),
    }


# --- lists and details -------------------------------------------------------------------------


def page_links(base: str, path: str, params: dict, count: int, size: int, page: int = 1) -> tuple:
    """DRF's PageNumberPagination links (its query parameters sorted)."""

    def link(number):
        query = {**params, "page": str(number)}
        if number == 1:
            query.pop("page")
        return f"{base}{path}?{urlencode(sorted(query.items()))}"

    last = max(1, -(-count // size))
    return (link(page + 1) if page < last else None), (link(page - 1) if page > 1 else None)


MERGERS_SQL = """
WITH page AS (
    SELECT m.id, m.status, m.effective_on, m.source_kind, m.result_agency_id, m.decision_id,
           p.id AS p_id, p.code AS p_code, p.name AS p_name,
           d.id AS d_id, d.code AS d_code, d.name AS d_name, d.kind AS d_kind,
           dec.number AS dec_number, dec.date AS dec_date, pd.date AS p_date
    FROM mergers_merger m
    JOIN mergers_programme p ON p.id = m.programme_id
    LEFT JOIN mergers_decision pd ON pd.id = p.decision_id
    JOIN districts_district d ON d.id = m.district_id
    JOIN mergers_decision dec ON dec.id = m.decision_id
    ORDER BY pd.date ASC NULLS LAST, p.code, d.code
    LIMIT %(limit)s
)
SELECT (SELECT count(*) FROM mergers_merger),
       pg.id, pg.status, pg.effective_on, pg.source_kind, pg.decision_id, pg.dec_number, pg.dec_date,
       pg.p_id, pg.p_code, pg.p_name, pg.d_id, pg.d_code, pg.d_name, pg.d_kind,
       ra.id, ra.name, b.sources, b.before, af.after,
       (pg.source_kind NOT IN ('official', 'published')
        OR (b.before IS NOT NULL AND b.demo)
        OR (af.after IS NOT NULL AND coalesce(af.kind, 'official') NOT IN ('official', 'published'))),
       (SELECT json_agg(json_build_array(s.status, s.on, s.note, s.decision_id, s.skipped, s.skip_reason)
                        ORDER BY s.on, s.id)
        FROM mergers_mergerstage s WHERE s.merger_id = pg.id)
FROM page pg
LEFT JOIN mergers_agency ra ON ra.id = pg.result_agency_id
CROSS JOIN LATERAL (
    SELECT json_agg(json_build_array(a.id, a.name) ORDER BY a.id) AS sources,
           CASE WHEN count(*) FILTER (WHERE t.in_district_quota) > 0
                 AND count(*) FILTER (WHERE t.in_district_quota) = count(r.v) FILTER (WHERE t.in_district_quota)
                THEN coalesce(sum(r.v) FILTER (WHERE t.in_district_quota), 0) END AS before,
           coalesce(bool_or(t.in_district_quota AND coalesce(r.kind, 'official') NOT IN ('official', 'published')),
                    false) AS demo
    FROM mergers_merger_source_agencies ms
    JOIN mergers_agency a ON a.id = ms.agency_id
    JOIN mergers_agencytype t ON t.id = a.agency_type_id
    LEFT JOIN LATERAL (
        SELECT h.authorised AS v, h.source_kind AS kind FROM mergers_headcountrecord h
        WHERE h.agency_id = a.id AND h.as_of < coalesce(pg.effective_on, '9999-12-31'::date)
        ORDER BY h.as_of DESC LIMIT 1
    ) r ON t.in_district_quota
    WHERE ms.merger_id = pg.id
) b
LEFT JOIN LATERAL (
    SELECT h.authorised AS after, h.source_kind AS kind FROM mergers_headcountrecord h
    WHERE h.agency_id = pg.result_agency_id AND h.as_of <= pg.effective_on ORDER BY h.as_of DESC LIMIT 1
) af ON true
ORDER BY pg.p_date ASC NULLS LAST, pg.p_code, pg.d_code
"""


def mergers(params: dict, base: str) -> dict:
    size = min(int(params.get("page_size", PAGE_SIZE)), MAX_PAGE_SIZE)
    rows = query(MERGERS_SQL, {"limit": size})
    results = []
    count = rows[0][0] if rows else query("SELECT count(*) FROM mergers_merger", {})[0][0]
    for (_, pk, status, effective_on, source_kind, decision_id, number, decided_on, p_id, p_code, p_name, d_id,
         d_code, d_name, d_kind, ra_id, ra_name, sources, before, after, demo, stages) in rows:  # fmt: skip
        district = full_name(d_kind, d_name)
        reduction = minus(before, after)
        reduction_pct = round(reduction * 100.0 / before, 2) if reduction is not None and before > 0 else None
        results.append(
            {"id": pk, "url": f"{base}/api/v1/mergers/{pk}/", "display": f"{p_name} – {district}",
             "programme": {"id": p_id, "url": f"{base}/api/v1/programmes/{p_code}/", "display": p_name, "code": p_code},
             "district": {"id": d_id, "url": f"{base}/api/v1/districts/{d_code}/", "display": district, "code": d_code},
             "status": status, "decision": decision_id, "decision_number": number,
             "decided_on": decided_on.isoformat() if decided_on else None,
             "effective_on": effective_on.isoformat() if effective_on else None,
             "source_agencies": [{"id": a, "url": f"{base}/api/v1/agencies/{a}/", "display": n}
                                 for a, n in sources or []],
             "result_agency": {"id": ra_id, "url": f"{base}/api/v1/agencies/{ra_id}/", "display": ra_name}
             if ra_id else None,
             "headcount_before": before, "headcount_after": after, "reduction": reduction,
             "reduction_pct": reduction_pct, "demo": demo, "source_kind": source_kind,
             "stages": [{"status": s[0], "on": s[1], "note": s[2], "decision": s[3], "skipped": s[4],
                         "skip_reason": s[5]} for s in stages or []]}
        )  # fmt: skip
    next_link, previous = page_links(base, "/api/v1/mergers/", params, count, size)
    return {"count": count, "next": next_link, "previous": previous, "results": results}


HEADCOUNTS_SQL = """
SELECT count(*) OVER (), h.id, h.as_of, h.authorised, h.actual, h.source, h.source_kind,
       a.id, a.name, d.id, d.code, d.name, d.kind
FROM mergers_headcountrecord h
JOIN mergers_agency a ON a.id = h.agency_id
JOIN mergers_agencytype t ON t.id = a.agency_type_id
JOIN districts_district d ON d.id = a.district_id
WHERE d.code = %(district)s
ORDER BY d.code, t.sector, a.name, h.as_of DESC
LIMIT %(limit)s
"""


def headcounts(params: dict, base: str) -> dict:
    size = min(int(params.get("page_size", PAGE_SIZE)), MAX_PAGE_SIZE)
    rows = query(HEADCOUNTS_SQL, {"district": params["district"], "limit": size})
    results = []
    for _, pk, as_of, authorised, actual, source, kind, a_id, a_name, d_id, d_code, d_name, d_kind in rows:
        district = full_name(d_kind, d_name)
        day = as_of.isoformat()
        results.append(
            {"id": pk, "url": f"{base}/api/v1/headcounts/{pk}/", "display": f"{a_name} @ {fmt_date(day)}",
             "agency": {"id": a_id, "url": f"{base}/api/v1/agencies/{a_id}/", "display": a_name},
             "agency_name": a_name,
             "district": {"id": d_id, "url": f"{base}/api/v1/districts/{d_code}/", "display": district, "code": d_code},
             "district_name": district, "as_of": day, "authorised": authorised, "actual": actual, "source": source,
             "source_kind": kind}
        )  # fmt: skip
    count = rows[0][0] if rows else 0  # past the last row, the count of a page would need a second query
    next_link, previous = page_links(base, "/api/v1/headcounts/", params, count, size)
    return {"count": count, "next": next_link, "previous": previous, "results": results}


DISTRICT_SQL = """
SELECT d.id, d.code, d.name, d.kind, d.established_on, d.dissolved_on,
       p.id, p.code, p.name, s.id, s.code, s.name, s.kind
FROM districts_district d
JOIN districts_province p ON p.id = d.province_id
LEFT JOIN districts_district s ON s.id = d.successor_id
WHERE d.code = %(code)s
"""


def district(code: str, base: str) -> dict | None:
    rows = query(DISTRICT_SQL, {"code": code})
    if not rows:
        return None
    pk, code, name, kind, established, dissolved, p_id, p_code, p_name, s_id, s_code, s_name, s_kind = rows[0]
    display = full_name(kind, name)
    return {
        "id": pk,
        "url": f"{base}/api/v1/districts/{code}/",
        "display": display,
        "code": code,
        "name": display,
        "short_name": name,
        "kind": kind,
        "province": {"id": p_id, "url": f"{base}/api/v1/provinces/{p_code}/", "display": p_name, "code": p_code},
        "established_on": established.isoformat() if established else None,
        "dissolved_on": dissolved.isoformat() if dissolved else None,
        "successor": (
            {"id": s_id, "url": f"{base}/api/v1/districts/{s_code}/", "display": full_name(s_kind, s_name),
             "code": s_code}
            if s_id else None
        ),
    }  # fmt: skip


def dashboard(params: dict, base: str) -> dict:
    """The dashboard's figures as its API equivalents give them: the province's progress (the
    cards) and staffing report (the table). One statement each."""
    return {
        "progress": progress({"as_of": params["as_of"], "province": params["province"]}, base),
        "staffing": staffing(params, base),
    }


DISTRICT_PATH = re.compile(r"^/api/v1/districts/([0-9A-Z]+)/$")
ROUTES = {
    "/api/v1/reports/staffing/": staffing,
    "/api/v1/reports/progress/": progress,
    "/api/v1/mergers/": mergers,
    "/api/v1/headcounts/": headcounts,
    "/dashboard/": dashboard,
}


def answer(path: str, query_string: str, base: str) -> dict | None:
    params = {k: v[-1] for k, v in parse_qs(query_string).items()}
    match = DISTRICT_PATH.match(path)
    if match:
        return district(match.group(1), base)
    handler = ROUTES.get(path)
    return handler(params, base) if handler else None


def app(environ, start_response):
    base = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'localhost')}"
    data = answer(environ.get("PATH_INFO", "/"), environ.get("QUERY_STRING", ""), base)
    if data is None:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
