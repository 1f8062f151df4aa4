"""Load the Quảng Ninh data into an empty database (`make run`); a database with data is left alone."""

from core.audit import AuditedCommand, command_reason
from datasets.loading import holds_data, load_quang_ninh


class Command(AuditedCommand):
    help = (
        "Load fixtures/quang_ninh.json when the database holds no districts or agencies; otherwise do "
        "nothing, so that editors' changes are never overwritten (make reset-data replaces the data)."
    )

    def handle(self, *args, **options):
        found = holds_data()
        if found:
            held = ", ".join(f"{count} {name}" for name, count in found.items())
            self.stdout.write(f"Quảng Ninh data not loaded: the database already holds {held} (skipped).")
            return
        count = load_quang_ninh(reason=command_reason("seed_quang_ninh"))
        self.stdout.write(self.style.SUCCESS(f"Loaded the Quảng Ninh data: {count} objects."))
