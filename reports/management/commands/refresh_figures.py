"""Rebuild the report summary (reports.DistrictFigure) of every district.

Needed only after writes that bypass the models' save() (raw SQL, QuerySet.update()).
"""

from django.core.management import BaseCommand

from reports import readcache
from reports.summary import refresh_all


class Command(BaseCommand):
    help = "Rebuild the per-district report summary from agencies and headcount records."

    def handle(self, *args, **options):
        count = refresh_all()
        readcache.bump()  # pages and API responses cached before the rebuild are not served again
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the figures of {count} districts."))
