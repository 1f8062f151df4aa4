"""Reads of districts: what is valid on a date, which districts a user may edit (districts.scope
refuses with it)."""

import datetime

from django.db.models import QuerySet

from core.actors import is_system
from districts.models import District
from districts.validity import valid_in_period_q, valid_on_q

# The one rule of validity on a day (districts/validity.py), under the name the selectors use.
active_on_q = valid_on_q


def district_list(*, province=None) -> QuerySet[District]:
    qs = District.objects.select_related("province", "successor", "successor_province")
    if province is not None:
        qs = qs.filter(province=province)
    return qs


def districts_active_on(day: datetime.date, *, province=None) -> QuerySet[District]:
    return district_list(province=province).filter(active_on_q(day))


def districts_in_period(start: datetime.date, end: datetime.date, *, province=None) -> QuerySet[District]:
    """Districts valid at any time between `start` and `end` (both included)."""
    return district_list(province=province).filter(valid_in_period_q(start, end))


def editable_district_ids(user) -> set[int] | None:
    """Ids of the districts `user` may write for; None means every district (the system, or an
    editor without a scope); no one (None, anonymous) may write for none. districts.scope decides
    with it."""
    if is_system(user):  # system writes: commands, the seed
        return None
    if user is None or not user.is_authenticated:
        return set()
    scope = getattr(user, "editor_scope", None)
    if scope is None:
        return None
    return set(scope.districts.values_list("id", flat=True))
