"""The Quảng Ninh data (loaded once per module), an editor limited to Hạ Long, an open merger elsewhere."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.actors import SYSTEM
from core.roles import EDITORS
from districts.models import District, EditorScope
from mergers import services
from tests.api import conftest as api_fixtures
from tests.api.conftest import token_client  # noqa: F401 (used by the tests)
from tests.factories import AgencyFactory, AgencyTypeFactory, ProgrammeFactory

D = datetime.date
# The API tests' fixtures: the data loaded once per module, throttle counters emptied.
_quang_ninh_for_module = api_fixtures._quang_ninh_for_module
quang_ninh = api_fixtures.quang_ninh
_fresh_throttles = api_fixtures._fresh_throttles
nobody = api_fixtures.nobody
anon_client = api_fixtures.anon_client
nobody_client = api_fixtures.nobody_client
editor_client = api_fixtures.editor_client
leader_client = api_fixtures.leader_client
analyst_client = api_fixtures.analyst_client

HOME = "193"  # Hạ Long: the limited editor's only district
OTHER = "195"  # Cẩm Phả


@pytest.fixture
def limited(quang_ninh):
    """An editor (staff, so the admin is open to him) who may only write for Hạ Long."""
    user = get_user_model().objects.create_user(username="halong", password="pw-for-tests-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    scope = EditorScope.objects.create(user=user)
    scope.districts.set([District.objects.get(code=HOME)])
    return user


@pytest.fixture
def open_mergers(quang_ninh):
    """A planned merger in each of Hạ Long and Cẩm Phả (the shipped ones are all completed)."""
    a, b = AgencyTypeFactory(code="test-a", name="Ban A"), AgencyTypeFactory(code="test-b", name="Phòng B")
    result = AgencyTypeFactory(code="test-ab", name="Cơ quan A - B")
    programme = ProgrammeFactory(code="test-ab", name="Hợp nhất A - B", result_type=result, source_types=[a, b])
    mergers = {}
    for code in (HOME, OTHER):
        district = District.objects.get(code=code)
        sources = [
            AgencyFactory(
                district=district, agency_type=a, name=f"Ban A {district.name}", established_on=D(2015, 1, 1)
            ),
            AgencyFactory(
                district=district, agency_type=b, name=f"Phòng B {district.name}", established_on=D(2015, 1, 1)
            ),
        ]
        mergers[code] = services.merger_create(
            user=SYSTEM,
            programme=programme,
            district=district,
            source_agencies=sources,
            decision_number=f"9-QĐ/{code}",
            decided_on=D(2021, 3, 1),
        )
    return SimpleNamespace(home=mergers[HOME], other=mergers[OTHER], programme=programme)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are made in almost every test here: a fast hasher (the real one is tested elsewhere)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
