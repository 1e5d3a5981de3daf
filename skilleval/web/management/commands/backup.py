"""Back up the database and the files under MEDIA_ROOT into one archive (SECURITY.md "Operations").

    python manage.py backup                        # var/backups/skilleval-<UTC time>.zip
    python manage.py backup --output /backups/x.zip

The archive holds every table's rows as stored (encrypted fields stay encrypted) and the media files, with a
manifest of counts and checksums; see skilleval/web/backup.py. The keys are not in it: keep them apart.
"""

from django.core.management.base import BaseCommand, CommandError

from skilleval.core.context import acting_as
from skilleval.web.backup import BackupError, default_path, make_backup


class Command(BaseCommand):
    help = "Back up the database and the media files into one zip archive (the keys are not included)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="the archive to write (default: var/backups/skilleval-<time>.zip)"
        )

    def handle(self, *args, output=None, **options):
        try:
            with acting_as(channel="command"):
                summary = make_backup(output or default_path())
        except BackupError as exc:
            raise CommandError(f"backup failed, no archive written: {exc}") from None
        self.stdout.write(f"backup written: {summary.path}")
        self.stdout.write(
            f"  {summary.tables} tables, {summary.rows} rows; {summary.files} files; {summary.size} bytes"
        )
        self.stdout.write(f"  sha256 {summary.sha256}")
        self.stdout.write(
            "  not included: sessions, the job queue, lockout counters; the field keys and the certificate "
            "signing key (keep them apart, a restore needs them)"
        )
