"""Django's loaddata, with the report summary rebuilt once per district touched by the load."""

from django.core.management.commands.loaddata import Command as LoadDataCommand

from reports import summary


class Command(LoadDataCommand):
    def handle(self, *fixture_labels, **options):
        with summary.deferred():
            super().handle(*fixture_labels, **options)
