"""Move buffered verification lookups from Redis into the log table (run it before reading the log, and
from cron every few minutes on a quiet site, where batches fill slowly)."""

from django.core.management.base import BaseCommand

from skilleval.certificates.tally import flush_log


class Command(BaseCommand):
    help = "Move buffered certificate verification lookups into the log table."

    def handle(self, *args, **options):
        self.stdout.write(f"{flush_log()} lookups moved")
