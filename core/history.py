"""The change log: what each historical record changed, read by the history pages and the history API.

django-simple-history records every save (forms, API, admin, imports, commands). A record's
changes are its differences from the record before it, by simple-history's `diff_against`,
with the foreign keys as objects. The many-to-many fields the history tracks
(`HistoricalRecords(m2m_fields=...)`: a programme's source types, a merger's source agencies)
are compared here from rows prefetched for the whole page, because `diff_against` reads them
with two queries per record.

One rule for every reader:
- bookkeeping columns (`UNAUDITED_FIELDS`) are never shown;
- a creation ("+") lists every field it set, from nothing; a deletion ("-") lists none;
- a foreign key reads as its object and a many-to-many field as its objects (their names on
  a page, id and name in the API), never as bare ids.

A page of records costs a fixed number of queries, whatever its length: the records with
their users and foreign keys (joined), then two per many-to-many field (its rows and their
objects).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import ForeignKey, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext
from simple_history.models import DeletedObject

# Bookkeeping columns: they change on every save and say nothing to a reader.
UNAUDITED_FIELDS = frozenset({"version", "updated_at", "created_at", "search_name"})

CREATED, CHANGED, DELETED = "+", "~", "-"


@dataclass(frozen=True)
class Change:
    """One field's change. `old` and `new` are the values themselves: a model instance for a
    foreign key (or a DeletedObject when it no longer exists), a list of instances for a
    many-to-many field, None for nothing."""

    field: object  # the model's Field
    old: object
    new: object

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def label(self) -> str:
        return str(self.field.verbose_name)


@dataclass
class Row:
    record: object  # the historical record
    changes: list[Change] = field(default_factory=list)


def audited_fields(history_model) -> list:
    """The tracked fields a reader is shown (the model's own Field objects), in the model's order."""
    return [
        f for f in history_model.tracked_fields if f.editable and not f.primary_key and f.name not in UNAUDITED_FIELDS
    ]


def history_queryset(obj) -> QuerySet:
    """`obj`'s historical records, newest first, with their users and foreign keys joined."""
    fks = [f.name for f in audited_fields(obj.history.model) if isinstance(f, ForeignKey)]
    return obj.history.select_related("history_user", *fks).order_by("-history_date", "-history_id")


def record_before(queryset: QuerySet, record):
    """The record just older than `record` in `queryset` (newest first), or None."""
    date, pk = record.history_date, record.history_id
    return queryset.filter(Q(history_date__lt=date) | Q(history_date=date, history_id__lt=pk)).first()


def history_rows(records: list, *, older=None) -> list[Row]:
    """`records` newest first, each with its changes; `older` is the record just before the last
    one (None when the last one is the first ever)."""
    if not records:
        return []
    history_model = type(records[0])
    fields = audited_fields(history_model)
    links = _links(history_model)
    everything = [*records, *([older] if older is not None else [])]
    if links:  # two queries per many-to-many field for all the records
        prefetch_related_objects(everything, *(f"{accessor}__{target}" for _, accessor, target in links))
    order = {f.name: index for index, f in enumerate([*fields, *(link[0] for link in links)])}
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else older
        if record.history_type == DELETED:
            changes = []
        elif record.history_type == CREATED or previous is None:
            changes = _created(record, fields, links)
        else:
            changes = _changed(record, previous, fields, links)
        changes.sort(key=lambda change: order[change.name])
        rows.append(Row(record, changes))
    return rows


def object_history(obj) -> list[Row]:
    """Every record of `obj`'s history, newest first, with its changes (the history pages)."""
    return history_rows(list(history_queryset(obj)))


def _links(history_model) -> list[tuple]:
    """For each many-to-many field the history tracks: (the model's field, the accessor of its
    rows on a record, the name of the linked object on a row)."""
    links = []
    for model_field in getattr(history_model, "_history_m2m_fields", []):
        for relation in history_model._meta.related_objects:
            if relation.related_model.__name__ == f"{history_model.__name__}_{model_field.name}":
                links.append((model_field, relation.get_accessor_name(), model_field.m2m_reverse_field_name()))
    return links


def _fk_value(record, model_field):
    value = getattr(record, model_field.name)  # joined: no query
    pk = getattr(record, model_field.attname)
    if value is None and pk is not None:
        return DeletedObject(model_field.related_model, pk)
    return value


def _present(value):
    """diff_against reads a null foreign key as a DeletedObject without a key: it is nothing."""
    return None if isinstance(value, DeletedObject) and value.pk is None else value


def _linked(record, link) -> list:
    _, accessor, target = link
    rows = getattr(record, accessor).all()  # prefetched
    return sorted((getattr(row, target) for row in rows), key=lambda obj: obj.pk)


def _created(record, fields, links) -> list[Change]:
    changes = []
    for model_field in fields:
        value = _fk_value(record, model_field) if model_field.is_relation else getattr(record, model_field.attname)
        if value not in (None, ""):
            changes.append(Change(model_field, None, value))
    for link in links:
        value = _linked(record, link)
        if value:
            changes.append(Change(link[0], None, value))
    return changes


def _changed(record, previous, fields, links) -> list[Change]:
    by_name = {f.name: f for f in fields}
    delta = record.diff_against(previous, included_fields=list(by_name), foreign_keys_are_objs=True)
    changes = [Change(by_name[c.field], _present(c.old), _present(c.new)) for c in delta.changes]
    for link in links:
        old, new = _linked(previous, link), _linked(record, link)
        if [obj.pk for obj in old] != [obj.pk for obj in new]:
            changes.append(Change(link[0], old, new))
    return changes


def display(change_field, value):
    """A value as a page shows it: a choice's label, an object's name, names joined, a date as is
    (the template formats it); None for nothing."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return ", ".join(str(obj) for obj in value)
    if isinstance(value, bool):
        return gettext("có") if value else gettext("không")
    if change_field.choices:
        return dict(change_field.flatchoices).get(value, value)
    if isinstance(value, datetime.date):
        return value
    return str(value)
