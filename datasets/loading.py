"""The shipped Quảng Ninh data (fixtures/quang_ninh.json) into a database: only an empty one.

`make run` loads it on every start, so loading must never overwrite what editors changed:
`load_quang_ninh` refuses a database that already holds districts or agencies. Replacing the
data on purpose is `reset_quang_ninh` (`make reset-data`), which asks first.
"""

from django.core.management import call_command
from django.core.management.commands.loaddata import Command as LoadDataCommand
from django.db import transaction
from django.utils import timezone

from core.audit import record_loaded
from districts.models import District, EditorScope, Province
from mergers.models import (
    Agency,
    AgencyType,
    Decision,
    HeadcountRecord,
    Merger,
    MergerStage,
    Programme,
    PublishedAggregate,
)

FIXTURE = "quang_ninh"


class _AuditedLoadData(LoadDataCommand):
    """Django's loaddata, collecting what it saved: raw saves, which simple_history skips."""

    def handle(self, *fixture_labels, **options):
        self.audited = {}
        return super().handle(*fixture_labels, **options)

    def save_obj(self, obj):
        saved = super().save_obj(obj)
        if saved and hasattr(type(obj.object), "history"):
            self.audited.setdefault(type(obj.object), []).append(obj.object)
        return saved


def holds_data() -> dict[str, int]:
    """What of the province's data the database holds already (empty dict: nothing)."""
    counts = {"districts": District.objects.count(), "agencies": Agency.objects.count()}
    return {name: count for name, count in counts.items() if count}


@transaction.atomic
def load_quang_ninh(*, reason: str) -> int:
    """Load the fixture into an empty database; each object's creation goes into its history
    with `reason`. Returns the number of objects loaded. The caller checks `holds_data()` first."""
    command = _AuditedLoadData()
    loaded_at = timezone.now()
    call_command(command, FIXTURE, verbosity=0)
    record_loaded(command.audited, loaded_at=loaded_at, reason=reason)
    return command.loaded_object_count


@transaction.atomic
def delete_quang_ninh() -> dict[int, list[str]]:
    """Delete every province, district, decision, agency type, programme, published aggregate,
    agency, merger and headcount, each deletion recorded in its history. Users, roles and tokens stay.

    Returns the editors' district scopes by GSO code ({scope id: [codes]}), to give back after
    a reload: deleting the districts empties them.
    """
    scopes = {
        scope.pk: list(scope.districts.values_list("code", flat=True))
        for scope in EditorScope.objects.prefetch_related("districts")
    }
    for model in (HeadcountRecord, MergerStage, Merger, PublishedAggregate, Programme):
        for obj in model.objects.all():
            obj.delete()
    _delete_successors_last(Agency)  # an agency's successor (another district's) is protected
    for obj in AgencyType.objects.all():
        obj.delete()
    # A district's body's decisions name it, and a district names the decision that dissolved it:
    # the district bodies' decisions go first (a district dissolved by one forgets it: a cycle).
    District.objects.filter(dissolution_decision__district__isnull=False).update(dissolution_decision=None)
    for decision in Decision.objects.filter(district__isnull=False):
        decision.delete()
    _delete_successors_last(District)
    for decision in Decision.objects.all():
        decision.delete()
    Province.objects.all().delete()
    return scopes


def _delete_successors_last(model) -> None:
    """Delete every row of a model whose `successor` is protected: a row goes once no
    remaining one names it (a cycle of successors is broken first)."""
    remaining = list(model.objects.order_by("pk"))
    while remaining:
        successors = {obj.successor_id for obj in remaining if obj.successor_id}
        leaves = [obj for obj in remaining if obj.pk not in successors] or remaining[:1]
        for obj in leaves:
            if obj.pk in successors:  # a cycle of successors: break it
                model.objects.filter(successor=obj).update(successor=None)
            obj.delete()
        remaining = [obj for obj in remaining if obj not in leaves]


def restore_scopes(scopes: dict[int, list[str]]) -> None:
    for scope in EditorScope.objects.filter(pk__in=scopes):
        scope.districts.set(District.objects.filter(code__in=scopes[scope.pk]))
