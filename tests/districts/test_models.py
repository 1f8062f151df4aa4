import datetime

import pytest
from django.db import IntegrityError, transaction

from core.actors import SYSTEM
from districts.models import District, EditorScope
from districts.scope import user_can_edit_district
from districts.selectors import districts_active_on, districts_in_period
from tests.factories import DistrictFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def test_district_cannot_be_dissolved_before_it_was_established():
    district = DistrictFactory(established_on=D(2010, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        District.objects.filter(pk=district.pk).update(dissolved_on=D(2009, 1, 1))


def test_district_cannot_succeed_itself():
    district = DistrictFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        District.objects.filter(pk=district.pk).update(successor=district)


def test_active_on_boundaries_dissolution_day_is_exclusive():
    successor = DistrictFactory(code="901")
    gone = DistrictFactory(code="902", established_on=D(2015, 1, 1), dissolved_on=D(2020, 1, 1), successor=successor)
    assert gone.is_active_on(D(2019, 12, 31)) is True
    assert gone.is_active_on(D(2020, 1, 1)) is False
    assert gone.is_active_on(D(2014, 12, 31)) is False
    assert gone.is_active_on(D(2015, 1, 1)) is True
    assert list(districts_active_on(D(2019, 12, 31)).values_list("code", flat=True)) == ["901", "902"]
    assert list(districts_active_on(D(2020, 1, 1)).values_list("code", flat=True)) == ["901"]
    assert list(districts_in_period(D(2019, 1, 1), D(2020, 6, 1)).values_list("code", flat=True)) == ["901", "902"]
    assert list(districts_in_period(D(2020, 1, 1), D(2020, 6, 1)).values_list("code", flat=True)) == ["901"]


def test_full_name_uses_the_kind():
    assert DistrictFactory(name="Quảng Yên", kind="thi-xa").full_name == "Thị xã Quảng Yên"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_full_name_label_translated_once_equals_the_kind_display(language):
    """The memoised kind label (issue 17) is get_kind_display() in each language, whichever came first."""
    from django.utils import translation

    from districts.choices import DistrictKind

    expected = {"vi": {"thi-xa": "Thị xã", "huyen": "Huyện"}, "en": {"thi-xa": "Town", "huyen": "District"}}
    for other in ("en", "vi", language):
        with translation.override(other):
            for kind in DistrictKind.values:
                district = District(name="X", kind=kind)
                label = district.get_kind_display()
                assert district.full_name == (f"X {label}" if other == "en" else f"{label} X")
    with translation.override(language):
        for kind, label in expected[language].items():
            assert District(name="X", kind=kind).full_name == (f"X {label}" if language == "en" else f"{label} X")


def test_editor_scope(django_user_model):
    allowed, other = DistrictFactory(), DistrictFactory()
    unrestricted = django_user_model.objects.create_user("free")
    limited = django_user_model.objects.create_user("limited")
    EditorScope.objects.create(user=limited).districts.add(allowed)
    empty = django_user_model.objects.create_user("empty")
    EditorScope.objects.create(user=empty)
    assert user_can_edit_district(unrestricted, other) is True
    assert user_can_edit_district(limited, allowed) is True
    assert user_can_edit_district(limited, other) is False
    assert user_can_edit_district(empty, allowed) is False
    assert user_can_edit_district(SYSTEM, other) is True  # commands and the seed act as SYSTEM
    assert user_can_edit_district(None, other) is False  # None is no one (issue 12)
