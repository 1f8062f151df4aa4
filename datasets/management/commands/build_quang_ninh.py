"""Rebuild fixtures/quang_ninh.json by running the merger services on an empty database."""

import io
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from core.audit import AuditedCommand
from datasets.seed import build_quang_ninh
from districts.models import Province

FIXTURE_MODELS = [
    "districts.province",
    "districts.district",
    "mergers.decision",
    "mergers.agencytype",
    "mergers.programme",
    "mergers.agency",
    "mergers.merger",
    "mergers.mergerstage",
    "mergers.headcountrecord",
    "mergers.publishedaggregate",
]


def dump_fixture() -> str:
    out = io.StringIO()
    call_command("dumpdata", *FIXTURE_MODELS, indent=1, stdout=out)
    return out.getvalue()


class Command(AuditedCommand):
    help = "Build the Quảng Ninh data through the services (empty database) and write the fixture."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "fixtures" / "quang_ninh.json"))

    def handle(self, *args, output, **options):
        if Province.objects.exists():
            raise CommandError(
                "The database is not empty: run this on a fresh database (e.g. DATABASE_URL=sqlite:////tmp/x.sqlite3)."
            )
        with transaction.atomic():
            build_quang_ninh()
        Path(output).write_text(dump_fixture(), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
