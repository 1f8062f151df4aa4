"""Keeps reports.DistrictFigure in step with agencies, headcounts and districts.

Signals are used here, and only here, because the summary is derived data that must follow
every write, whatever path it takes (services, admin, loaddata, test factories); no rule
lives in them. Inside `deferred()` the districts touched are collected and rebuilt once
when the outermost block ends (still inside the caller's transaction).

The series of a district is rebuilt from two queries (its agencies, their records): at each
date where something changes, the figures are exactly those of the direct definition in
mergers.selectors (latest record on or before the date; NULL when an active in-quota agency
has none). tests/reports/test_summary.py checks the two agree.
"""

import contextlib
import datetime
import threading
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from districts.models import District
from mergers.choices import SourceKind
from mergers.models import Agency, HeadcountRecord
from reports.models import DistrictFigure

BEGINNING = datetime.date(1, 1, 1)
_state = threading.local()


def _pending() -> set | None:
    return getattr(_state, "pending", None)


@contextlib.contextmanager
def deferred():
    """Collect the districts touched inside the block; rebuild each once at its end."""
    outer = _pending() is None
    if outer:
        _state.pending = set()
    try:
        yield
        if outer and _state.pending:
            refresh(_state.pending)
    finally:
        if outer:
            _state.pending = None


def touch(district_id: int | None) -> None:
    if district_id is None:
        return
    pending = _pending()
    if pending is not None:
        pending.add(district_id)
    else:
        refresh([district_id])


def series(agencies: list[dict], records: dict[int, list[tuple]]) -> list[tuple]:
    """[(valid_from, authorised, actual, agencies, quota_agencies, demo)] for one district,
    merged where unchanged.

    `agencies`: dicts with id, established_on, dissolved_on, quota; `records`: per agency id,
    (as_of, authorised, actual, source_kind) sorted by as_of.
    """
    points = {BEGINNING}
    for a in agencies:
        for day in (a["established_on"], a["dissolved_on"]):
            if day is not None:
                points.add(day)
        points.update(r[0] for r in records.get(a["id"], ()))
    out: list[tuple] = []
    cursor = dict.fromkeys((a["id"] for a in agencies), -1)
    for day in sorted(points):
        active = [
            a
            for a in agencies
            if (a["established_on"] is None or a["established_on"] <= day)
            and (a["dissolved_on"] is None or a["dissolved_on"] > day)
        ]
        sums = {"authorised": 0, "actual": 0}
        missing = {"authorised": False, "actual": False}
        quota_active = 0
        demo = False
        for a in agencies:
            rows = records.get(a["id"], ())
            i = cursor[a["id"]]
            while i + 1 < len(rows) and rows[i + 1][0] <= day:
                i += 1
            cursor[a["id"]] = i
        for a in active:
            if not a["quota"]:
                continue
            quota_active += 1
            i = cursor[a["id"]]
            record = records[a["id"]][i] if i >= 0 else None
            if record is not None and record[3] != SourceKind.OFFICIAL:
                demo = True
            for key, index in (("authorised", 1), ("actual", 2)):
                value = record[index] if record is not None else None
                if value is None:
                    missing[key] = True
                else:
                    sums[key] += value
        row = (
            day,
            None if missing["authorised"] or quota_active == 0 else sums["authorised"],
            None if missing["actual"] or quota_active == 0 else sums["actual"],
            len(active),
            quota_active,
            demo,
        )
        if not out or out[-1][1:] != row[1:]:
            out.append(row)
    return out


# Districts rebuilt per round: bounds the records held in memory (a national load touches 700).
REFRESH_BATCH = 100


def refresh(district_ids: Iterable[int]) -> None:
    """Rebuild the series of these districts, by batches of REFRESH_BATCH (four queries each)."""
    ids = sorted(set(district_ids))
    for start in range(0, len(ids), REFRESH_BATCH):
        _refresh_batch(ids[start : start + REFRESH_BATCH])


def _refresh_batch(ids: list[int]) -> None:
    if not ids:
        return
    with transaction.atomic():
        # Two transactions writing in one district would otherwise rebuild its series from
        # snapshots that miss each other's record: the second DELETE then either clashes with
        # the first one's new rows (a valid write refused as a duplicate) or replaces them by a
        # stale series. Locking the district rows first (in pk order, NO KEY UPDATE so inserts
        # referencing them are not blocked) makes the second wait and then read the committed data.
        list(District.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
        _rebuild(ids)


def _rebuild(ids: list[int]) -> None:
    agencies_by_district: dict[int, list[dict]] = defaultdict(list)
    for row in Agency.objects.filter(district_id__in=ids).values(
        "id", "district_id", "established_on", "dissolved_on", "agency_type__in_district_quota"
    ):
        row["quota"] = row.pop("agency_type__in_district_quota")
        agencies_by_district[row["district_id"]].append(row)
    records: dict[int, list[tuple]] = defaultdict(list)
    for agency_id, as_of, authorised, actual, kind in (
        HeadcountRecord.objects.filter(agency__district_id__in=ids)
        .order_by("agency_id", "as_of")
        .values_list("agency_id", "as_of", "authorised", "actual", "source_kind")
    ):
        records[agency_id].append((as_of, authorised, actual, kind))
    rows = [
        DistrictFigure(
            district_id=d, valid_from=day, authorised=au, actual=ac, agencies=n, quota_agencies=nq, demo=demo
        )
        for d in ids
        for day, au, ac, n, nq, demo in series(agencies_by_district.get(d, []), records)
    ]
    DistrictFigure.objects.filter(district_id__in=ids).delete()
    DistrictFigure.objects.bulk_create(rows, batch_size=5000)


def refresh_all() -> int:
    """Rebuild every district's series; returns the number of districts."""
    ids = list(District.objects.order_by("pk").values_list("pk", flat=True))
    refresh(ids)
    return len(ids)


@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
def _agency_changed(sender, instance, **kwargs):
    touch(instance.district_id)


@receiver(post_save, sender=HeadcountRecord)
@receiver(post_delete, sender=HeadcountRecord)
def _headcount_changed(sender, instance, **kwargs):
    cached = instance._state.fields_cache.get("agency")
    if cached is not None:
        touch(cached.district_id)
    else:
        touch(Agency.objects.filter(pk=instance.agency_id).values_list("district_id", flat=True).first())
