"""Who wrote what (issue 7, audit): django-simple-history records every save.

Requests: HistoryRequestMiddleware puts the signed-in user on each record (forms, API,
admin, import). Management commands have no user: their records keep `history_user`
null and carry the command's name as `history_change_reason` ("manage.py build_quang_ninh"),
when the command derives from AuditedCommand.
"""

import contextvars

from django.core.management import BaseCommand

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


def record_loaded(objects_by_model: dict, *, loaded_at) -> None:
    """Give objects saved by loaddata (raw saves, which simple_history skips) their creation record.

    Only objects without a creation record get one, so loading the same data again adds
    nothing. It is dated when the load began: before the records that simple_history makes
    while the load sets many-to-many fields (programmes' and mergers' m2m histories).
    """
    for model, objects in objects_by_model.items():
        pks = [obj.pk for obj in objects]
        known = set(
            model.history.filter(history_type="+", **{f"{model._meta.pk.attname}__in": pks}).values_list(
                model._meta.pk.attname, flat=True
            )
        )
        new = [obj for obj in objects if obj.pk not in known]
        if new:
            model.history.bulk_history_create(
                new, default_change_reason=command_reason("loaddata"), default_date=loaded_at
            )
