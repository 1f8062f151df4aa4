"""A small world for the page tests: two districts, a programme, agencies with headcounts."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.actors import SYSTEM
from core.roles import EDITORS
from districts.models import EditorScope
from mergers import services
from tests.factories import AgencyFactory, AgencyTypeFactory, DistrictFactory, HeadcountFactory, ProgrammeFactory

D = datetime.date


@pytest.fixture
def world(db):
    home = DistrictFactory(code="901", name="Thử Một")
    other = DistrictFactory(code="902", name="Thử Hai")
    ban = AgencyTypeFactory(code="ban-to-chuc", name="Ban Tổ chức")
    phong = AgencyTypeFactory(code="phong-noi-vu", name="Phòng Nội vụ")
    result_type = AgencyTypeFactory(code="to-chuc-noi-vu", name="Cơ quan Tổ chức - Nội vụ")
    programme = ProgrammeFactory(
        code="to-chuc-noi-vu", name="Hợp nhất Tổ chức - Nội vụ", result_type=result_type, source_types=[ban, phong]
    )
    a1 = AgencyFactory(district=home, agency_type=ban, name="Ban Tổ chức Huyện ủy Thử Một")
    a2 = AgencyFactory(district=home, agency_type=phong, name="Phòng Nội vụ huyện Thử Một")
    b1 = AgencyFactory(district=other, agency_type=ban, name="Ban Tổ chức Huyện ủy Thử Hai")
    b2 = AgencyFactory(district=other, agency_type=phong, name="Phòng Nội vụ huyện Thử Hai")
    HeadcountFactory(agency=a1, as_of=D(2017, 1, 1), authorised=1200, actual=1150)
    HeadcountFactory(agency=a2, as_of=D(2017, 1, 1), authorised=9, actual=8)
    HeadcountFactory(agency=b1, as_of=D(2017, 1, 1), authorised=7, actual=7)
    return SimpleNamespace(
        home=home, other=other, ban=ban, phong=phong, result_type=result_type, programme=programme,
        a1=a1, a2=a2, b1=b1, b2=b2,
    )  # fmt: skip


@pytest.fixture
def planned(world):
    """A planned merger in the home district."""
    return services.merger_create(
        user=SYSTEM,
        programme=world.programme,
        district=world.home,
        source_agencies=[world.a1, world.a2],
        decision_number="12-QĐ/HU",
        decided_on=D(2018, 1, 15),
    )


@pytest.fixture
def scoped_editor(db, world):
    """An editor who may only write for the other district."""
    user = get_user_model().objects.create_user(username="scoped", password="pw-for-tests-1")
    user.groups.add(Group.objects.get(name=EDITORS))
    scope = EditorScope.objects.create(user=user)
    scope.districts.set([world.other])
    return user
