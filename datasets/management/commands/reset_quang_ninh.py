"""Replace the Quảng Ninh data by the shipped data (`make reset-data`), after a typed "yes"."""

from django.core.management import CommandError
from django.db import transaction

from core.audit import AuditedCommand, command_reason
from datasets.loading import delete_quang_ninh, load_quang_ninh, restore_scopes


class Command(AuditedCommand):
    help = (
        "Delete the province's districts, agencies, programmes, mergers and headcounts (every edit "
        "included) and load fixtures/quang_ninh.json again. Users, roles and editors' scopes stay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation.")

    def handle(self, *args, interactive=True, **options):
        if interactive:
            answer = input(
                "Every change made to the Quảng Ninh data (agencies, mergers, headcounts) will be lost.\n"
                "Type 'yes' to replace it by the shipped data: "
            )
            if answer.strip() != "yes":
                raise CommandError("Reset cancelled: nothing was changed.")
        with transaction.atomic():
            scopes = delete_quang_ninh()
            count = load_quang_ninh(reason=command_reason("reset_quang_ninh"))
            restore_scopes(scopes)
        self.stdout.write(self.style.SUCCESS(f"Reset the Quảng Ninh data: {count} objects loaded."))
