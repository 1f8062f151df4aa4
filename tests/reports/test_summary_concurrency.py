"""Two editors recording headcounts in one district at the same time (found by tests/faults).

Each write rebuilds the district's summary (reports.DistrictFigure) inside its transaction.
Without a lock, the second one computed the series from a snapshot without the first one's
record, then either clashed with the first one's new rows (a valid record refused as
"already has a headcount on this date") or replaced them with a series missing that record.
"""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from mergers import services
from reports import summary
from reports.models import DistrictFigure
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory

D = datetime.date


def _rows(district):
    return list(
        DistrictFigure.objects.filter(district=district)
        .order_by("valid_from")
        .values_list("valid_from", "authorised", "actual", "agencies")
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database: no race to show")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_records_in_one_district_are_both_kept_and_summed():
    district = DistrictFactory()
    quota = AgencyTypeFactory()
    a = AgencyFactory(district=district, agency_type=quota, established_on=D(2015, 1, 1))
    b = AgencyFactory(district=district, agency_type=quota, established_on=D(2015, 1, 1))
    first_written = threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                services.headcount_record(agency=a, as_of=D(2016, 1, 1), authorised=5, actual=4, source="A")
                first_written.set()
                time.sleep(1.0)  # the second write starts meanwhile and must wait for this commit
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def second():
        try:
            first_written.wait(timeout=10)
            services.headcount_record(agency=b, as_of=D(2016, 1, 1), authorised=7, actual=6, source="B")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert _rows(district) == [
        (summary.BEGINNING, None, None, 0),
        (D(2015, 1, 1), None, None, 2),
        (D(2016, 1, 1), 12, 10, 2),
    ]
