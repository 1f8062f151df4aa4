"""The change log of a record on its page: who changed what and when (core.history, the same
change log as the history API), each value as the page shows it."""

from core.history import display, object_history


def history_rows(obj) -> list[dict]:
    """Who changed what and when, newest first: one row per historical record with its changes."""
    return [
        {
            "record": row.record,
            "changes": [
                {"field": c.label, "old": display(c.field, c.old), "new": display(c.field, c.new)} for c in row.changes
            ],
        }
        for row in object_history(obj)
    ]
