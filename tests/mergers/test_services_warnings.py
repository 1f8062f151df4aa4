"""Plausibility warnings (issue 11): written once in the services, for every headcount write."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.actors import SYSTEM
from mergers import services
from mergers.models import HeadcountRecord
from tests.factories import AgencyFactory, DistrictFactory, HeadcountFactory

D = datetime.date
CONFIRM = [str(services.MSG_CONFIRM_WARNINGS)]


@pytest.fixture
def agency(db):
    agency = AgencyFactory(district=DistrictFactory(code="811"), name="Một", established_on=D(2010, 1, 1))
    HeadcountFactory(agency=agency, as_of=D(2017, 1, 1), authorised=20, actual=18)
    return agency


def messages(agency, as_of, authorised, actual):
    found = services.headcount_warnings(agency=agency, as_of=as_of, authorised=authorised, actual=actual)
    return {field: [m.message % m.params for m in errors] for field, errors in found.items()}


def test_plausible_figures_have_no_warning(agency):
    assert messages(agency, D(2018, 1, 1), 25, 25) == {}
    assert messages(agency, D(2018, 1, 1), 10, 9) == {}  # half exactly
    assert messages(agency, D(2018, 1, 1), None, None) == {}


def test_actual_above_authorised(agency):
    assert messages(agency, D(2018, 1, 1), 20, 21) == {
        "actual": ["Số người làm việc thực tế (21) lớn hơn biên chế được giao (20)."]
    }


def test_a_change_of_more_than_half_from_either_neighbour(agency):
    HeadcountFactory(agency=agency, as_of=D(2019, 1, 1), authorised=20, actual=None)
    assert messages(agency, D(2018, 1, 1), 9, None) == {
        "authorised": [
            "Biên chế được giao thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 20 → 9.",
            "Biên chế được giao thay đổi hơn một nửa so với số liệu ngày 01/01/2019: 9 → 20.",
        ]
    }
    # A record that the figures replace (same date) is not a neighbour.
    HeadcountFactory(agency=agency, as_of=D(2018, 1, 1), authorised=100, actual=None)
    assert messages(agency, D(2018, 1, 1), 20, None) == {}


def test_record_refuses_until_confirmed(agency):
    with pytest.raises(services.HeadcountWarnings) as warned:
        services.headcount_record(user=SYSTEM, agency=agency, as_of=D(2018, 1, 1), authorised=20, actual=30, source="x")
    assert warned.value.message_dict == {
        "actual": [
            "Số người làm việc thực tế (30) lớn hơn biên chế được giao (20).",
            "Số người làm việc thực tế thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 18 → 30.",
        ],
        "confirm": CONFIRM,
    }
    assert not HeadcountRecord.objects.filter(as_of=D(2018, 1, 1)).exists()
    services.headcount_record(
        user=SYSTEM, agency=agency, as_of=D(2018, 1, 1), authorised=20, actual=30, source="x", confirm=True
    )
    assert HeadcountRecord.objects.get(as_of=D(2018, 1, 1)).actual == 30


def test_errors_come_before_warnings(agency):
    with pytest.raises(ValidationError) as refused:
        services.headcount_record(user=SYSTEM, agency=agency, as_of=D(2018, 1, 1), authorised=-1, actual=30, source="x")
    assert not isinstance(refused.value, services.HeadcountWarnings)
    assert refused.value.message_dict == {"authorised": [str(services.MSG_NEGATIVE)]}


def test_record_many_keys_warnings_by_row(agency):
    other = AgencyFactory(district=agency.district, name="Hai", established_on=D(2010, 1, 1))
    rows = [{"agency": other, "authorised": 5, "actual": 5}, {"agency": agency, "authorised": 50, "actual": 18}]
    with pytest.raises(services.HeadcountWarnings) as warned:
        services.headcount_record_many(
            user=SYSTEM, district=agency.district, as_of=D(2018, 1, 1), rows=rows, source="x"
        )
    assert warned.value.warnings() == {
        "rows.1.authorised": ["Biên chế được giao thay đổi hơn một nửa so với số liệu ngày 01/01/2017: 20 → 50."]
    }
    assert HeadcountRecord.objects.count() == 1
    saved = services.headcount_record_many(
        user=SYSTEM, district=agency.district, as_of=D(2018, 1, 1), rows=rows, source="x", confirm=True
    )
    assert len(saved) == 2
