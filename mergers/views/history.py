"""The change log of a record on its page: who changed what and when."""

import datetime

from core.audit import m2m_history_fields, m2m_history_ids


def history_rows(obj, *, exclude=("updated_at", "created_at", "search_name", "version")) -> list[dict]:
    """Who changed what and when, newest first: one row per historical record with its changes."""
    links = m2m_history_fields(obj.history.model)
    records = list(
        obj.history.select_related("history_user")
        .prefetch_related(*(accessor for _, accessor, _ in links))
        .order_by("-history_date", "-history_id")
    )
    model = type(obj)
    fields = [f for f in model._meta.concrete_fields if f.name not in exclude and not f.primary_key]
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            for field in fields:
                old, new = getattr(previous, field.attname), getattr(record, field.attname)
                if old == new:
                    continue
                if field.is_relation:  # only the changed relations are read, one query each
                    old, new = getattr(previous, field.name), getattr(record, field.name)
                changes.append({"field": field.verbose_name, "old": _display(field, old), "new": _display(field, new)})
            for link in links:  # many-to-many: the objects linked before and after, named below
                old, new = m2m_history_ids(previous, link), m2m_history_ids(record, link)
                if old != new:
                    field = model._meta.get_field(link[0])
                    changes.append({"field": field.verbose_name, "old": old, "new": new, "m2m": field})
        rows.append({"record": record, "changes": changes})
    _name_m2m_changes(rows)
    return rows


def _name_m2m_changes(rows: list[dict]) -> None:
    """Ids of many-to-many changes -> the objects' names: one query per field for the whole history."""
    wanted: dict = {}
    for row in rows:
        for change in row["changes"]:
            if "m2m" in change:
                wanted.setdefault(change["m2m"], set()).update(change["old"], change["new"])
    names = {
        field: dict(field.related_model.objects.filter(pk__in=ids).values_list("pk", "name"))
        for field, ids in wanted.items()
    }
    for row in rows:
        for change in row["changes"]:
            if "m2m" in change:
                field = change.pop("m2m")
                for side in ("old", "new"):
                    change[side] = ", ".join(str(names[field].get(pk, pk)) for pk in change[side]) or None


def _display(field, value):
    if value is None or value == "":
        return None
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime.date):
        return value
    return str(value)
