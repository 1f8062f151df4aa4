"""The cost of one write, for the closing notes and RESULTS.md: queries and time of one
headcount record and of one merger completion (with three sources), each in a transaction
that is rolled back, repeated; on whatever DATABASE_URL says (14 districts: the shipped
data; 713: `generate_synthetic --provinces 63`).

    DATABASE_URL=postgres://... .venv/bin/python bench/writes.py [repeats]
"""

import datetime
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core.actors import SYSTEM  # noqa: E402
from districts.models import District  # noqa: E402
from districts.validity import valid_on_q  # noqa: E402
from mergers import services  # noqa: E402
from mergers.choices import OPEN_STATUSES  # noqa: E402
from mergers.models import Agency, AgencyType  # noqa: E402

# A day inside the district tier's life (it ended on 01/07/2025).
DAY = datetime.date(2024, 1, 1)


class Rollback(Exception):
    pass


def measure(action) -> tuple[int, float]:
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                action()
                elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return len(queries), elapsed * 1000


def pick_district() -> tuple[District, list[Agency]]:
    """The first district (in code order) with three agencies of distinct types active on DAY, in no open merger."""
    for district in District.objects.filter(valid_on_q(DAY)).order_by("code"):
        agencies = list(
            Agency.objects.filter(valid_on_q(DAY), district=district)
            .exclude(absorbing_mergers__status__in=OPEN_STATUSES)
            .order_by("pk")
        )
        by_type = {}
        for agency in agencies:
            by_type.setdefault(agency.agency_type_id, agency)
        if len(by_type) >= 3:
            return district, list(by_type.values())[:3]
    raise SystemExit("no district with three agencies of distinct types active on 2024-01-01")


def main(repeats: int) -> None:
    district, sources = pick_district()
    used = [a.agency_type_id for a in sources]
    result_type = AgencyType.objects.exclude(pk__in=used).first() or AgencyType.objects.first()

    def record():
        services.headcount_record(
            user=SYSTEM,
            agency=sources[0],
            as_of=DAY,
            authorised=10,
            source="bench",
            source_kind="synthetic",
            confirm=True,
        )

    def complete():
        programme = services.programme_create(
            user=SYSTEM,
            code="bench-writes",
            name="Bench",
            result_type=result_type,
            source_types=[a.agency_type for a in sources],
        )
        merger = services.merger_create(user=SYSTEM,
            programme=programme, district=district, source_agencies=sources,
            decision_number="1-BENCH", decided_on=DAY, source_kind="synthetic",
        )  # fmt: skip
        with CaptureQueriesContext(connection) as q:
            start = time.perf_counter()
            services.merger_complete(user=SYSTEM,
                merger=merger, effective_on=DAY, headcount_after=20, headcount_source="bench",
                headcount_source_kind="synthetic",
            )  # fmt: skip
            complete.last = (len(q), (time.perf_counter() - start) * 1000)
            # Statements that write a summary table (a refresh: DELETE, INSERT or UPDATE on it).
            complete.summary = sum(
                1
                for s in q.captured_queries
                if "summary" in s["sql"].lower()
                and s["sql"].lstrip().upper().startswith(("DELETE", "INSERT", "UPDATE"))
            )

    rows = []
    for name, action in (("headcount_record", record), ("merger_complete (3 sources)", complete)):
        samples = []
        for _ in range(repeats):
            queries, ms = measure(action)
            if action is complete:
                queries, ms = complete.last  # the completion alone, not its set-up
            samples.append((queries, ms))
        rows.append((name, samples[0][0], statistics.median(ms for _, ms in samples)))
    districts = District.objects.count()
    print(f"{connection.vendor}, {districts} districts, {Agency.objects.count()} agencies, district {district.code}")
    for name, queries, ms in rows:
        print(f"  {name}: {queries} queries, median {ms:.1f} ms over {repeats}")
    # For bench/run.py.
    print("RESULT " + json.dumps({
        "headcount_record_queries": rows[0][1], "headcount_record_ms": round(rows[0][2], 1),
        "merger_complete_queries": rows[1][1], "merger_complete_ms": round(rows[1][2], 1),
        "merger_complete_summary_statements": complete.summary,
    }))  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
