"""The oracle: every figure the application shows, recomputed in plain Python from the rules
in DESIGN.md ("How figures are computed"), over rows read with the simplest queries.

It shares no code with the engine (figures/engine.py): the model-based test
(tests/figures/test_stateful.py) compares the two after every step of random sequences of
writes. Slow and obvious on purpose.
"""

import dataclasses
import datetime

from districts.models import District
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, PublishedAggregate

OFFICIAL = "official"
REAL = (OFFICIAL, "published")  # published (the articles) is real, not demo
AUTHORISED_ONLY = ("headcount_before", "headcount_after", "reduction_pct")  # a published figure of these counts posts


def active(established_on, dissolved_on, day) -> bool:
    return (established_on is None or established_on <= day) and (dissolved_on is None or day < dissolved_on)


def total_or_none(values: list):
    """Missing when nothing is summed or any part is missing; never zero for want of data."""
    if not values or any(v is None for v in values):
        return None
    return sum(values)


def percent(part, whole):
    if part is None or whole is None or whole == 0:
        return None
    return round(part * 100.0 / whole, 2)


def difference(a, b):
    return None if a is None or b is None else a - b


@dataclasses.dataclass
class Figure:
    """A district (or a sum of districts) on one day."""

    active: bool
    headcount: int | None = None
    agencies: int | None = None
    demo: bool = False
    missing: tuple[int, ...] = ()  # ids of counted agencies without a value


class World:
    """Everything, read once: districts, agency types, agencies, records, mergers."""

    def __init__(self):
        self.districts = {d["id"]: d for d in District.objects.values()}
        self.in_quota = dict(AgencyType.objects.values_list("id", "in_district_quota"))
        self.agencies = {a["id"]: a for a in Agency.objects.values()}
        self.records: dict[int, list[dict]] = {}
        for record in HeadcountRecord.objects.values():
            self.records.setdefault(record["agency_id"], []).append(record)
        self.mergers = {m["id"]: m for m in Merger.objects.values()}
        for merger in self.mergers.values():
            merger["sources"] = []
        for merger_id, agency_id in Merger.source_agencies.through.objects.values_list("merger_id", "agency_id"):
            self.mergers[merger_id]["sources"].append(agency_id)
        self.aggregates = list(PublishedAggregate.objects.values())

    # --- one agency

    def record_on(self, agency_id, day, *, strictly_before=False) -> dict | None:
        """Its latest record dated on (or strictly before) `day`."""
        dated = [
            r for r in self.records.get(agency_id, []) if (r["as_of"] < day if strictly_before else r["as_of"] <= day)
        ]
        return max(dated, key=lambda r: r["as_of"]) if dated else None

    def counted(self, agency) -> bool:
        return self.in_quota[agency["agency_type_id"]]

    # --- districts

    def district_active(self, district_id, day) -> bool:
        d = self.districts[district_id]
        return active(d["established_on"], d["dissolved_on"], day)

    def district(self, district_id, day, measure) -> Figure:
        if not self.district_active(district_id, day):
            return Figure(active=False)
        agencies = [
            a
            for a in self.agencies.values()
            if a["district_id"] == district_id and active(a["established_on"], a["dissolved_on"], day)
        ]
        counted = [a for a in agencies if self.counted(a)]
        values, demo, missing = [], False, []
        for agency in counted:
            record = self.record_on(agency["id"], day)
            value = record[measure] if record else None
            values.append(value)
            if value is None:
                missing.append(agency["id"])
            elif record["source_kind"] not in REAL:
                demo = True
        headcount = total_or_none(values)
        return Figure(
            active=True,
            headcount=headcount,
            agencies=len(agencies),
            demo=demo and headcount is not None,
            missing=tuple(sorted(missing)),
        )

    def total(self, figures: list[Figure]) -> Figure:
        live = [f for f in figures if f.active]
        if not live:
            return Figure(active=False)
        headcount = total_or_none([f.headcount for f in live])
        return Figure(
            active=True,
            headcount=headcount,
            agencies=sum(f.agencies for f in live),
            demo=headcount is not None and any(f.demo for f in live),
            missing=tuple(sorted(m for f in live for m in f.missing)),
        )

    def in_period(self, province_id, start, end) -> list[int]:
        """Districts of the province valid on some day of [start, end], by GSO code."""
        ids = [
            d["id"]
            for d in self.districts.values()
            if (province_id is None or d["province_id"] == province_id)
            and (d["established_on"] is None or d["established_on"] <= end)
            and (d["dissolved_on"] is None or d["dissolved_on"] > start)
        ]
        return sorted(ids, key=lambda i: self.districts[i]["code"])

    # --- the staffing report

    def staffing(self, province_id, baseline, as_of, measure, like_for_like) -> dict:
        """{code: (baseline Figure, current Figure, folded codes)} and the total under ""."""
        ids = self.in_period(province_id, baseline, as_of)
        rows = {i: [self.district(i, baseline, measure), self.district(i, as_of, measure), []] for i in ids}
        out_total = (self.total([r[0] for r in rows.values()]), self.total([r[1] for r in rows.values()]), [])
        if like_for_like:
            for i in list(ids):
                base, now, _folded = rows[i]
                successor = self.districts[i]["successor_id"]
                if base.active and not now.active and successor in rows and rows[successor][1].active:
                    target = rows[successor]
                    target[0] = self.total([target[0], base])
                    target[2].append(self.districts[i]["code"])
                    del rows[i]
        result = {self.districts[i]["code"]: tuple(row) for i, row in rows.items()}
        result[""] = out_total
        return result

    # --- mergers and programmes

    def merger(self, merger_id, measure) -> dict:
        m = self.mergers[merger_id]
        effective = m["effective_on"] or datetime.date(9999, 12, 31)
        values, demo = [], m["source_kind"] not in REAL
        sources_demo = sources_published = False
        for agency_id in m["sources"]:
            if not self.counted(self.agencies[agency_id]):
                continue
            record = self.record_on(agency_id, effective, strictly_before=True)
            values.append(record[measure] if record else None)
            if record is not None and record["source_kind"] not in REAL:
                sources_demo = True
            if record is not None and record["source_kind"] == "published":
                sources_published = True
        before = total_or_none(values)
        after_record = (
            self.record_on(m["result_agency_id"], m["effective_on"])
            if m["result_agency_id"] and m["effective_on"]
            else None
        )
        after = after_record[measure] if after_record else None
        demo = (
            demo
            or (before is not None and sources_demo)
            or (after is not None and after_record["source_kind"] not in REAL)
        )
        published = (
            m["source_kind"] == "published"
            or (before is not None and sources_published)
            or (after is not None and after_record["source_kind"] == "published")
        )
        reduction = difference(before, after)
        self.mergers[merger_id]["_published"] = published
        return {
            "headcount_before": before,
            "headcount_after": after,
            "reduction": reduction,
            "reduction_pct": percent(reduction, before) if before else None,
            "demo": demo,
        }

    def programme(self, programme_id, province_id, as_of, measure) -> dict:
        live = [
            d["id"]
            for d in self.districts.values()
            if (province_id is None or d["province_id"] == province_id) and self.district_active(d["id"], as_of)
        ]
        done = [
            m
            for m in self.mergers.values()
            if m["programme_id"] == programme_id
            and m["status"] == "completed"
            and m["effective_on"] <= as_of
            and (province_id is None or self.districts[m["district_id"]]["province_id"] == province_id)
        ]
        figures = [self.merger(m["id"], measure) for m in done]
        complete = [f for f in figures if f["headcount_before"] is not None and f["headcount_after"] is not None]
        before = sum(f["headcount_before"] for f in complete) if complete else None
        after = sum(f["headcount_after"] for f in complete) if complete else None
        completed_ids = {m["district_id"] for m in done}
        districts = {
            "completed": sum(1 for i in live if i in completed_ids),
            "total": len(live),
            "headcount_before": before,
            "headcount_after": after,
            "reduction_pct": percent(difference(before, after), before),
            "focal_points_removed": sum(max(len(m["sources"]) - 1, 0) for m in done),
        }
        if any(f["demo"] for f in figures):
            districts_kind = "demo"
        elif any(self.mergers[m["id"]]["_published"] for m in done):
            districts_kind = "published"
        else:
            districts_kind = OFFICIAL
        aggregate = self.published(programme_id, province_id, as_of)
        given = {}
        if aggregate is not None:
            for name in districts:
                value = aggregate[name]
                if value is None or (measure != "authorised" and name in AUTHORISED_ONLY):
                    continue
                given[name] = float(value) if name == "reduction_pct" else value
        shown = {name: given.get(name, value) for name, value in districts.items()}
        kinds = {
            name: (aggregate["source_kind"] if name in given else districts_kind if shown[name] is not None else None)
            for name in ("completed", "total", "headcount_before", "headcount_after", "focal_points_removed")
        }
        reduction = difference(shown["headcount_before"], shown["headcount_after"])
        parts = [kinds["headcount_before"], kinds["headcount_after"]]
        kinds["reduction"] = (
            None
            if reduction is None
            else "demo"
            if any(k not in REAL for k in parts)
            else "published"
            if "published" in parts
            else OFFICIAL
        )
        if "reduction_pct" not in given:
            shown["reduction_pct"] = percent(reduction, shown["headcount_before"])
        kinds["reduction_pct"] = (
            aggregate["source_kind"]
            if "reduction_pct" in given
            else (kinds["reduction"] if shown["reduction_pct"] is not None else None)
        )
        return {
            **shown,
            "mergers": len(done),
            "mergers_without_data": len(done) - len(complete),
            "reduction": reduction,
            "demo": any(k is not None and k not in REAL for k in kinds.values()),
            "kinds": kinds,
            "discrepancies": tuple(
                (name, value, districts[name]) for name, value in given.items() if districts[name] != value
            ),
            "published": aggregate["id"] if given else None,
        }

    def published(self, programme_id, province_id, as_of) -> dict | None:
        """The programme's published aggregate in force on `as_of`: the latest dated on or before it,
        unless one of the programme's mergers took effect, or a district of the province started
        or ended, after it and on or before `as_of`."""
        if province_id is None:
            return None
        dated = [
            a
            for a in self.aggregates
            if a["programme_id"] == programme_id and a["province_id"] == province_id and a["on"] <= as_of
        ]
        if not dated:
            return None
        latest = max(dated, key=lambda a: a["on"])
        changes = [
            m["effective_on"]
            for m in self.mergers.values()
            if m["programme_id"] == programme_id
            and m["status"] == "completed"
            and self.districts[m["district_id"]]["province_id"] == province_id
        ] + [
            day
            for d in self.districts.values()
            if d["province_id"] == province_id
            for day in (d["established_on"], d["dissolved_on"])
            if day is not None
        ]
        if any(day is not None and latest["on"] < day <= as_of for day in changes):
            return None
        return latest

    # --- the series

    def change_dates(self, district_ids, start, end) -> list[datetime.date]:
        days = {start, end}
        for agency in self.agencies.values():
            if agency["district_id"] in district_ids:
                days.update(d for d in (agency["established_on"], agency["dissolved_on"]) if d)
                days.update(r["as_of"] for r in self.records.get(agency["id"], []))
        for district_id in district_ids:
            d = self.districts[district_id]
            days.update(x for x in (d["established_on"], d["dissolved_on"]) if x)
        return sorted(day for day in days if start <= day <= end)

    def series(self, district_ids, start, end, measure) -> list[tuple]:
        """[(day, headcount, demo)] on every change date of [start, end]."""
        out = []
        for day in self.change_dates(district_ids, start, end):
            total = self.total([self.district(i, day, measure) for i in district_ids])
            out.append((day, total.headcount, total.demo))
        return out

    # --- focal points

    def reconciliation(self, province_id, start, end) -> dict:
        """The agencies of the province's districts on `start` and on `end`, and in between: those
        established, those that ended into another agency (a completed merger's result, or the
        receiving agency when their district joined another) and those that ended otherwise. Each
        as (id, cause, successor id, programme id); the counts balance by construction."""
        mine = [a for a in self.agencies.values() if self.districts[a["district_id"]]["province_id"] == province_id]
        completed = [m for m in self.mergers.values() if m["status"] == "completed"]
        created_by = {m["result_agency_id"]: m for m in completed if m["result_agency_id"]}
        absorbed_by = {source: m for m in completed for source in m["sources"]}

        def on(day):
            return sorted(
                (a["id"], None, None, None) for a in mine if active(a["established_on"], a["dissolved_on"], day)
            )

        established, merged_away, dissolved = [], [], []
        for a in mine:
            if start < a["established_on"] <= end:
                merger = created_by.get(a["id"])
                established.append((a["id"], "merger" if merger else "other", None, merger and merger["programme_id"]))
            if a["dissolved_on"] and start < a["dissolved_on"] <= end:
                merger = absorbed_by.get(a["id"])
                if merger and merger["result_agency_id"]:
                    merged_away.append((a["id"], "merger", merger["result_agency_id"], merger["programme_id"]))
                elif a["successor_id"]:
                    merged_away.append((a["id"], "district", a["successor_id"], None))
                else:  # its functions to the province (the tier's end), or no successor
                    dissolved.append((a["id"], "district" if a["successor_province_id"] else "other", None, None))
        return {
            "at_start": on(start),
            "established": sorted(established),
            "merged_away": sorted(merged_away),
            "dissolved": sorted(dissolved),
            "at_end": on(end),
        }
