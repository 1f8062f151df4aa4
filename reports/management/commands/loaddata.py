"""Django's loaddata, with the report summary rebuilt once per district touched by the load,
and (issue 7, audit) a creation record in the history of every object it loads for the first time."""

from django.core.management.commands.loaddata import Command as LoadDataCommand
from django.utils import timezone

from mergers.audit import record_loaded
from reports import summary


class Command(LoadDataCommand):
    def handle(self, *fixture_labels, **options):
        self.audited, loaded_at = {}, timezone.now()
        with summary.deferred():
            super().handle(*fixture_labels, **options)
            record_loaded(self.audited, loaded_at=loaded_at)

    def save_obj(self, obj):
        saved = super().save_obj(obj)
        if saved and hasattr(type(obj.object), "history"):
            self.audited.setdefault(type(obj.object), []).append(obj.object)
        return saved
