"""Reads of districts: what is valid on a date, who may edit where."""

import datetime

from django.db.models import Q, QuerySet

from districts.models import District


def active_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Valid on `day`: established (or undated) on or before it and not yet dissolved.

    Shared by districts and agencies, which use the same two field names.
    """
    return (Q(**{f"{prefix}established_on__isnull": True}) | Q(**{f"{prefix}established_on__lte": day})) & (
        Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": day})
    )


def district_list(*, province=None) -> QuerySet[District]:
    qs = District.objects.select_related("province", "successor")
    if province is not None:
        qs = qs.filter(province=province)
    return qs


def districts_active_on(day: datetime.date, *, province=None) -> QuerySet[District]:
    return district_list(province=province).filter(active_on_q(day))


def districts_in_period(start: datetime.date, end: datetime.date, *, province=None) -> QuerySet[District]:
    """Districts valid at any time between `start` and `end` (both included)."""
    return district_list(province=province).filter(
        (Q(established_on__isnull=True) | Q(established_on__lte=end))
        & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=start))
    )


def editable_district_ids(user) -> set[int] | None:
    """Ids of the districts `user` may write for; None means every district."""
    scope = getattr(user, "editor_scope", None) if user is not None else None
    if scope is None:
        return None
    return set(scope.districts.values_list("id", flat=True))


def user_can_edit_district(user, district: District) -> bool:
    if user is None:  # system writes: commands, data migrations
        return True
    if not user.is_authenticated:
        return False
    ids = editable_district_ids(user)
    return ids is None or district.id in ids
