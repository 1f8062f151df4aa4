"""Who wrote what: django-simple-history records every save.

Requests: HistoryRequestMiddleware puts the signed-in user on each record (forms, API,
admin, import). Management commands have no user: their records keep `history_user`
null and carry the command's name as `history_change_reason` ("manage.py build_quang_ninh"),
when the command derives from AuditedCommand.
"""

import contextvars

from django.core.management import BaseCommand
from django.db.models.signals import post_save

_command = contextvars.ContextVar("audited_command", default=None)


def command_reason(name: str) -> str:
    return f"manage.py {name}"


class AuditedCommand(BaseCommand):
    """A management command whose writes are recorded as made by this command."""

    def execute(self, *args, **options):
        token = _command.set(self.__module__.rsplit(".", 1)[-1])
        try:
            return super().execute(*args, **options)
        finally:
            _command.reset(token)


def name_the_command(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record receiver: a command's writes say which command made them."""
    name = _command.get()
    if name and not history_instance.history_change_reason:
        history_instance.history_change_reason = command_reason(name)


def history_reason() -> str | None:
    """The change reason the running command gives its records (None outside commands): what
    name_the_command adds to each record a save makes, for records made in bulk
    (`bulk_history_create`, which sends no pre_create_historical_record signal)."""
    name = _command.get()
    return command_reason(name) if name else None


def record_loaded(objects_by_model: dict, *, loaded_at, reason: str | None = None) -> None:
    """Give objects saved by loaddata (raw saves, which simple_history skips) their creation record.

    Only objects without a creation record since their last deletion get one, so loading the
    same data again adds nothing, and data loaded again after a reset is recorded again. It is
    dated when the load began: before the records that simple_history makes while the load
    sets many-to-many fields (programmes' and mergers' m2m histories). `reason` names the
    command (default: loaddata).
    """
    reason = reason or command_reason("loaddata")
    for model, objects in objects_by_model.items():
        pk_name = model._meta.pk.attname
        last_type = dict(
            model.history.filter(history_type__in=["+", "-"], **{f"{pk_name}__in": [obj.pk for obj in objects]})
            .order_by("history_date", "history_id")
            .values_list(pk_name, "history_type")
        )
        new = [obj for obj in objects if last_type.get(obj.pk) != "+"]
        if new:
            model.history.bulk_history_create(new, default_change_reason=reason, default_date=loaded_at)


def save_new_with_links(obj, links: dict) -> None:
    """Create `obj` and set its many-to-many `links` ({field name: objects}) with one creation
    record in its history. Left to itself, simple_history records the creation without the links
    and then a change adding them: an empty-looking "Sửa" row beside "Tạo mới"."""
    obj.skip_history_when_saving = True
    try:
        obj.save()
        for name, values in links.items():
            getattr(obj, name).set(values)
    finally:
        del obj.skip_history_when_saving
    # The signal the first save would have sent to the history, now that the links are set.
    post_save.send(sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=obj._state.db)
