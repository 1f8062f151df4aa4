"""Database constraints: they hold even when the services are bypassed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mergers.choices import MergerStatus
from mergers.models import HeadcountRecord, Merger
from tests.factories import AgencyFactory, DecisionFactory, DistrictFactory, HeadcountFactory, ProgrammeFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def _violates(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_headcount_cannot_be_negative_in_the_database():
    record = HeadcountFactory(authorised=5)
    _violates(lambda: HeadcountRecord.objects.filter(pk=record.pk).update(authorised=-1))
    _violates(lambda: HeadcountRecord.objects.filter(pk=record.pk).update(actual=-3))


def test_one_headcount_record_per_agency_per_date():
    record = HeadcountFactory(as_of=D(2016, 1, 1))
    _violates(
        lambda: HeadcountRecord.objects.create(agency=record.agency, as_of=D(2016, 1, 1), authorised=1, source="x")
    )


def test_headcount_needs_a_figure_and_a_source():
    agency = AgencyFactory()
    _violates(lambda: HeadcountRecord.objects.create(agency=agency, as_of=D(2016, 1, 1), source="x"))
    _violates(lambda: HeadcountRecord.objects.create(agency=agency, as_of=D(2016, 1, 2), authorised=1, source=""))


def test_agency_dissolved_before_established_is_refused():
    agency = AgencyFactory(established_on=D(2016, 1, 1))
    _violates(lambda: type(agency).objects.filter(pk=agency.pk).update(dissolved_on=D(2015, 12, 31)))


def test_full_clean_names_the_constraint_message():
    agency = AgencyFactory.build(established_on=D(2016, 1, 1), dissolved_on=D(2015, 1, 1))
    with pytest.raises(ValidationError) as exc:
        agency.full_clean(exclude=["district", "agency_type"])
    assert exc.value.messages == ["Ngày chấm dứt hoạt động không được trước ngày thành lập."]


def _decision(number="1"):
    return DecisionFactory(number=number, date=D(2018, 1, 1))


def test_merger_cites_a_decision_of_the_register():
    """Issue 14: the number and date are the register's; a merger without a decision is refused."""
    merger = Merger.objects.create(programme=ProgrammeFactory(), district=DistrictFactory(), decision=_decision())
    assert (merger.decision_number, merger.decided_on) == ("1", D(2018, 1, 1))
    _violates(lambda: Merger.objects.filter(pk=merger.pk).update(decision=None))


def test_completed_merger_needs_result_and_date():
    merger = Merger.objects.create(programme=ProgrammeFactory(), district=DistrictFactory(), decision=_decision())
    _violates(lambda: Merger.objects.filter(pk=merger.pk).update(status=MergerStatus.COMPLETED))


def test_one_open_merger_per_programme_and_district_but_cancelled_ones_do_not_count():
    programme, district = ProgrammeFactory(), DistrictFactory()
    Merger.objects.create(
        programme=programme, district=district, decision=_decision("1"), status=MergerStatus.CANCELLED
    )
    Merger.objects.create(programme=programme, district=district, decision=_decision("2"))
    _violates(lambda: Merger.objects.create(programme=programme, district=district, decision=_decision("3")))


def test_search_name_folds_vietnamese_diacritics():
    district = DistrictFactory(name="Đầm Hà")
    assert district.search_name == "huyen dam ha"
    assert AgencyFactory(name="Phòng Nội vụ thành phố Hạ Long").search_name == "phong noi vu thanh pho ha long"
