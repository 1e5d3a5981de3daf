from django.core.management.base import BaseCommand
from django.utils import timezone

from skilleval.core.context import acting_as
from skilleval.payments.services import lapse_overdue


class Command(BaseCommand):
    help = "Lapse approved applications whose fee was not paid by its deadline (run daily, e.g. from cron)."

    def handle(self, *args, **options):
        with acting_as(channel="command"):
            lapsed = lapse_overdue(today=timezone.localdate())
        self.stdout.write(f"{len(lapsed)} applications lapsed")
