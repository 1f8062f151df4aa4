"""Restore the database from a backup file (`make restore`): psql on PostgreSQL, a file copy on SQLite."""

from django.core.management import BaseCommand, CommandError
from django.db import connections

from core import backup


class Command(BaseCommand):
    help = "Replace the database (DATABASE_URL) by a backup made with backup_db (default: the newest in backups/)."

    def add_arguments(self, parser):
        parser.add_argument("--input", help="Backup file to restore (default: the newest under backups/).")
        parser.add_argument("--database-url", help="Database to restore into (default: the application's).")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation.")

    def handle(self, *args, **options):
        database = backup.database_or_default(options["database_url"])
        try:
            path = options["input"] or backup.latest_backup(database)
            if path is None:
                raise backup.BackupError(f"No backup under {backup.BACKUP_DIR}: give one with --input.")
            if options["interactive"]:
                answer = input(f"Replace every table of database {database['NAME']} by {path}? Type 'yes': ")
                if answer.strip() != "yes":
                    raise CommandError("Restore cancelled.")
            if not options["database_url"]:
                # Our own connection must not hold the database while it is replaced.
                connections["default"].close()
            backup.restore(database=database, path=path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {path} into {database['NAME']}")
