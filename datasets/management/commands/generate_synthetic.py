"""Create the deterministic national synthetic dataset (performance work; labelled synthetic)."""

import time

from django.core.management import CommandError
from django.test.utils import override_settings
from tqdm import tqdm

from core.audit import AuditedCommand
from datasets.synthetic import generate
from districts.models import Province


class Command(AuditedCommand):
    help = "Create a synthetic national dataset: provinces S01.., ~11 districts each, monthly headcounts 2015-2025."

    def add_arguments(self, parser):
        parser.add_argument("--provinces", type=int, default=63)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=50_000)
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (logs, CI).")

    def handle(self, *args, provinces, seed, batch_size, no_progress, **options):
        if provinces < 1 or provinces > 99:
            raise CommandError("--provinces must be between 1 and 99.")
        if Province.objects.filter(code__startswith="S").exists():
            raise CommandError("Synthetic provinces already exist: use a fresh database (or flush) first.")
        bars: dict[str, tqdm] = {}

        def progress(stage, done, total):
            if no_progress:
                return
            if stage not in bars:
                units = {"districts": "province", "headcounts": "row", "mergers": "merger"}
                bars[stage] = tqdm(total=total or None, desc=stage, unit=units[stage], file=self.stderr)
            bar = bars[stage]
            if stage == "headcounts":
                bar.update(done)
            else:
                bar.update(done - bar.n)

        started = time.monotonic()
        # Generated data needs no audit trail: history rows would double the writes. DEBUG off:
        # with it on, Django keeps every query it runs in memory.
        with override_settings(SIMPLE_HISTORY_ENABLED=False, DEBUG=False):
            counts = generate(provinces=provinces, seed=seed, batch_size=batch_size, progress=progress)
        for bar in bars.values():
            bar.close()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Synthetic data created in {elapsed:.1f} s: {summary}"))
