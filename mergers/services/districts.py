"""A district's end: its agencies end with it, each to its successor's agency or to the province."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from core.validation import (
    refuse_bad_input,
)
from districts.models import District
from districts.scope import require_district
from districts.services import dissolution_errors
from mergers.models import (
    Agency,
    Decision,
)
from mergers.services.decisions import _decision_not_after


@transaction.atomic
def district_dissolve(
    *,
    district: District,
    on: datetime.date,
    successor: District | None = None,
    successor_province=None,
    decision: Decision | None = None,
    user,
) -> District:
    """Dissolve a district on `on` (exclusive) and end its agencies' activity that day.

    The rules (not dissolved yet; the successor in the same province, active that day; or the
    district's own province taking over its functions; a decision issued by then) are
    districts.services.dissolution_errors and `_decision_not_after`. Each agency ends citing
    `decision`, and goes (lineage across districts):

    - with a successor district: into its agency of the same type active that day, when it
      has exactly one ("the bodies of equivalent function of the two localities are merged");
      otherwise it is dissolved;
    - with a successor province: its functions go to the province.

    Its staff move to the successor's agencies: record their new headcounts there.
    """
    district = District.objects.select_for_update().select_related("province").get(pk=district.pk)
    require_district(user, district)
    refuse_bad_input(dates={"dissolved_on": on})
    errors = dissolution_errors(district=district, on=on, successor=successor, successor_province=successor_province)
    errors.update(_decision_not_after(decision, on, "dissolution_decision"))
    if errors:
        raise ValidationError(errors)
    district.dissolved_on = on
    district.successor = successor
    district.successor_province = successor_province
    district.dissolution_decision = decision
    district.full_clean()
    district.save()
    receivers: dict[int, list[Agency]] = {}
    if successor is not None:
        for agency in Agency.objects.filter(district=successor).filter(
            Q(established_on__lte=on), Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on)
        ):
            receivers.setdefault(agency.agency_type_id, []).append(agency)
    for agency in Agency.objects.filter(district=district, dissolved_on__isnull=True).select_for_update():
        same_function = receivers.get(agency.agency_type_id, [])
        agency.dissolved_on = on
        agency.dissolved_by = decision
        agency.successor = same_function[0] if len(same_function) == 1 else None
        agency.successor_province = successor_province
        agency.version += 1
        agency.full_clean()
        agency.save(update_fields=["dissolved_on", "dissolved_by", "successor", "successor_province", "version"])
    return district
