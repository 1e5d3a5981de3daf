"""Close the results whose public notice period is over (run daily, e.g. from cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from skilleval.core.context import acting_as
from skilleval.results.services import close_results


class Command(BaseCommand):
    help = "Close results after the notice period: failed applications become 'not passed'."

    def handle(self, *args, **options):
        with acting_as(channel="command"):
            closed = close_results(by=None)
        self.stdout.write(
            f"closed: {closed['failed']} not passed, {closed['passed']} passed (awaiting certificates)"
        )
