"""Back up the database to a file (`make backup`): pg_dump on PostgreSQL, a file copy on SQLite."""

from django.core.management import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "Back up the database (DATABASE_URL) to a file, by default backups/<name>-<timestamp>.<sql|sqlite3>."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Backup file to write (default: under backups/, with a timestamp).")
        parser.add_argument("--database-url", help="Database to back up (default: the application's).")

    def handle(self, *args, **options):
        database = backup.database_or_default(options["database_url"])
        try:
            path = options["output"] or backup.default_backup_path(database)
            written = backup.backup(database=database, path=path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {written}")
