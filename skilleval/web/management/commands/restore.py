"""Restore an archive of `manage.py backup` into an empty, migrated database, then verify it.

    python manage.py migrate                     # the archive's migration state, on an empty database
    python manage.py restore /backups/x.zip      # needs the keys of the system that made the archive
    python manage.py restore --check /backups/x.zip   # only check the archive (seal and checksums)

Prints what it verified (row counts, the audit chain, the integrity tags, the files) and exits non-zero
naming what failed.
"""

from django.core.management.base import BaseCommand, CommandError

from skilleval.core.context import acting_as
from skilleval.web.backup import BackupError, check_archive
from skilleval.web.restore import restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive into an empty, migrated database and verify counts, chain, tags, files."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the zip archive written by manage.py backup")
        parser.add_argument("--check", action="store_true", help="only check the archive; change nothing")

    def handle(self, *args, archive, check=False, **options):
        try:
            if check:
                manifest = check_archive(archive)
            else:
                with acting_as(channel="command"):
                    report = restore_backup(archive)
                manifest = report.manifest
        except BackupError as exc:
            raise CommandError(f"restore refused, nothing changed: {exc}") from None
        members = len(manifest["tables"]) + len(manifest["files"])
        self.stdout.write(
            f"archive verified: seal and sha256 of {members} members "
            f"(made {manifest['created_at']} on {manifest['source']})"
        )
        if check:
            return
        self.stdout.write(
            f"restored {len(manifest['tables'])} tables, {report.rows} rows and {report.files} files"
        )
        for item in report.checks:
            self.stdout.write(f"{'OK  ' if item.ok else 'FAIL'}  {item.detail}")
        if report.failed:
            raise CommandError(
                "restore verification failed: " + "; ".join(item.detail for item in report.failed)
            )
        self.stdout.write(self.style.SUCCESS("restore verified"))
