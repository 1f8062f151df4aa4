"""Four editors complete the same merger at the same moment on SQLite, the default database (issue 13).

gunicorn with four workers on a SQLite file: exactly one completion succeeds, the other three
are told it is already completed (409), none gets a 500. Without `transaction_mode: IMMEDIATE`
(config/env.py) SQLite refused the later writers' lock upgrade at once: 200, 500, 500, 500.
"""

import threading

import requests

from mergers import services
from tests.live import gunicorn, server_env

RACERS = 4

OPEN_MERGER = """
import datetime
from core.actors import SYSTEM
from districts.models import District
from mergers import services
from mergers.models import AgencyType
from mergers.choices import Sector
a = AgencyType.objects.create(code="race-a", name="Ban A", sector=Sector.PARTY)
b = AgencyType.objects.create(code="race-b", name="Phòng B", sector=Sector.GOVERNMENT)
result = AgencyType.objects.create(code="race-ab", name="Cơ quan A - B", sector=Sector.PARTY)
programme = services.programme_create(user=SYSTEM, code="race-ab", name="Hợp nhất A - B", result_type=result, source_types=[a, b])
district = District.objects.get(code="193")
sources = [
    services.agency_create(user=SYSTEM, district=district, agency_type=t, name=f"{t.name} Hạ Long", established_on=datetime.date(2015, 1, 1))
    for t in (a, b)
]
merger = services.merger_create(user=SYSTEM, programme=programme, district=district, source_agencies=sources,
                                decision_number="9-QĐ/TU", decided_on=datetime.date(2021, 3, 1))
print(merger.pk)
"""

COUNTS = """
from mergers.models import Agency, HeadcountRecord, Merger, MergerStage
merger = Merger.objects.get(pk={pk})
print(merger.status, MergerStage.objects.filter(merger=merger, status="completed").count(),
      Agency.objects.filter(agency_type__code="race-ab").count(),
      HeadcountRecord.objects.filter(agency__agency_type__code="race-ab").count())
"""


def test_four_simultaneous_completions_give_one_success_and_three_409s(sqlite_database, tmp_path):
    env = server_env(sqlite_database, tmp_path)
    with gunicorn(env, tmp_path, workers=RACERS) as server:
        pk = int(server.shell(OPEN_MERGER).split()[-1])
        url = f"{server.base}/api/v1/mergers/{pk}/complete/"
        body = {"effective_on": "2021-05-01", "headcount_after": 15}
        start = threading.Barrier(RACERS)
        answers: list[requests.Response] = []

        def complete():
            session = requests.Session()
            session.get(f"{server.base}/api/v1/", timeout=10)  # connected before the race starts
            start.wait()
            answers.append(session.post(url, json=body, headers=server.headers("live-editor"), timeout=60))

        threads = [threading.Thread(target=complete) for _ in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = server.log_tail()
        counts = server.shell(COUNTS.format(pk=pk)).split()

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409, 409, 409], (statuses, [a.text[:300] for a in answers], log)
    refused = [answer.json() for answer in answers if answer.status_code == 409]
    assert refused == [{"status": [str(services.MSG_ALREADY_COMPLETED)]}] * 3
    # Completed once: one completed stage, one result agency, one headcount record.
    assert counts == ["completed", "1", "1", "1"]
