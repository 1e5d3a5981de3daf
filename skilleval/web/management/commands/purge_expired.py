"""Anonymise or delete the personal data whose retention period is over (run daily from cron or a systemd
timer); `--dry-run` counts what would go and changes nothing."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from skilleval.core.context import acting_as
from skilleval.organization.policy import PolicyMissing
from skilleval.privacy.retention import BadPeriod
from skilleval.web.retention import categories, purge_expired


class Command(BaseCommand):
    help = (
        "Purge personal data past its retention period (policies retention.*); certificates, results, "
        "discipline records, payments and the audit trail stay. --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be purged; change nothing"
        )

    def handle(self, *args, dry_run, **options):
        try:
            with acting_as(channel="command"):
                run = purge_expired(dry_run=dry_run)
        except (PolicyMissing, BadPeriod) as exc:  # nothing was changed: the periods are read first
            raise CommandError(str(exc)) from exc
        labels = {c.name: c.label for c in categories()}
        verb = "would purge" if dry_run else "purged"
        for name, counts in run.counts.items():
            cutoff = timezone.localtime(datetime.fromisoformat(run.cutoffs[name]["cutoff"]))
            files = f", {counts['files']} files" if counts.get("files") else ""
            before = f"{cutoff:%Y-%m-%d %H:%M}"
            self.stdout.write(
                f"{name}: {verb} {counts['rows']} rows{files} (before {before}) · {labels[name]}"
            )
        if dry_run:
            self.stdout.write("dry run: nothing changed")
        else:
            self.stdout.write(f"purge run {run.pk}: {run.rows} rows, {run.files} files")
