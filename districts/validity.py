"""Valid on a day: the one rule for districts and agencies, in SQL and in Python.

A district or an agency is active on D when it was established on or before D (an empty
date: before the period recorded) and not yet dissolved on D (`dissolved_on` is the first
day it no longer exists). `valid_on_q` filters in the database, `is_valid_on` answers for
one object in memory; tests/districts/test_validity.py checks that they agree.
"""

import datetime

from django.db.models import Q


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Valid on `day`, for a model with `established_on` and `dissolved_on` (through `prefix`)."""
    return (Q(**{f"{prefix}established_on__isnull": True}) | Q(**{f"{prefix}established_on__lte": day})) & (
        Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": day})
    )


def is_valid_on(established_on: datetime.date | None, dissolved_on: datetime.date | None, day: datetime.date) -> bool:
    return (established_on is None or established_on <= day) and (dissolved_on is None or dissolved_on > day)


def valid_in_period_q(start: datetime.date, end: datetime.date, prefix: str = "") -> Q:
    """Valid on at least one day of [start, end]."""
    return (Q(**{f"{prefix}established_on__isnull": True}) | Q(**{f"{prefix}established_on__lte": end})) & (
        Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": start})
    )
