"""Issue 16: every text a service stores is NFC; an agency that repeats another (same normalised
name, district and type, active at the same time) is refused, naming the existing one."""

import datetime
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from core.actors import SYSTEM
from mergers import services
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory

D = datetime.date
NAME = "Phòng Nội vụ huyện Cô Tô"
NFD = unicodedata.normalize("NFD", NAME)


@pytest.fixture
def place(db):
    district = DistrictFactory(code="907", name="Cô Tô")
    kind = AgencyTypeFactory(code="phong-noi-vu", name="Phòng Nội vụ")
    return district, kind


def test_a_name_typed_with_combining_marks_is_stored_in_nfc(place):
    district, kind = place
    assert len(NFD) > len(NAME)
    agency = services.agency_create(
        user=SYSTEM, district=district, agency_type=kind, name=NFD, established_on=D(2015, 1, 1)
    )
    agency.refresh_from_db()
    assert agency.name == NAME and len(agency.name) == len(NAME)


def test_same_name_district_and_type_at_the_same_time_is_refused(place):
    district, kind = place
    first = services.agency_create(
        user=SYSTEM, district=district, agency_type=kind, name=NAME, established_on=D(2015, 1, 1)
    )
    with pytest.raises(ValidationError) as refused:
        services.agency_create(
            user=SYSTEM, district=district, agency_type=kind, name=f"  {NFD.upper()} ", established_on=D(2020, 1, 1)
        )
    assert refused.value.message_dict["name"] == [
        f"Đã có cơ quan “{NAME}” (mã số {first.pk}) cùng tên, cùng loại, cùng đơn vị, hoạt động trong cùng thời gian."
    ]
    assert refused.value.error_dict["name"][0].params["id"] == first.pk


def test_same_name_after_the_first_ended_or_of_another_type_is_allowed(place):
    district, kind = place
    services.agency_create(
        user=SYSTEM,
        district=district,
        agency_type=kind,
        name=NAME,
        established_on=D(2015, 1, 1),
        dissolved_on=D(2018, 1, 1),
    )
    later = services.agency_create(
        user=SYSTEM, district=district, agency_type=kind, name=NAME, established_on=D(2018, 1, 1)
    )
    other = services.agency_create(
        user=SYSTEM,
        district=district,
        agency_type=AgencyTypeFactory(code="khac"),
        name=NAME,
        established_on=D(2018, 1, 1),
    )
    assert later.pk != other.pk


def test_renaming_into_a_duplicate_is_refused(place):
    district, kind = place
    services.agency_create(user=SYSTEM, district=district, agency_type=kind, name=NAME, established_on=D(2015, 1, 1))
    second = AgencyFactory(district=district, agency_type=kind, name="Tên khác", established_on=D(2015, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.agency_update(user=SYSTEM, agency=second, data={"name": NFD})
    assert refused.value.error_dict["name"][0].code == "duplicate"


def test_other_services_store_nfc_too(place):
    district, kind = place
    agency = services.agency_create(
        user=SYSTEM, district=district, agency_type=kind, name=NAME, established_on=D(2015, 1, 1)
    )
    record = services.headcount_record(
        user=SYSTEM, agency=agency, as_of=D(2016, 1, 1), authorised=5, source=unicodedata.normalize("NFD", "Sở Nội vụ")
    )
    assert record.source == "Sở Nội vụ"
    programme = services.programme_create(
        user=SYSTEM, code="thu", name=unicodedata.normalize("NFD", "Đề án thử"), result_type=kind, source_types=[kind]
    )
    assert programme.name == "Đề án thử"
    assert list(programme.history.values_list("history_type", flat=True)) == ["+"]  # one record, with its types
