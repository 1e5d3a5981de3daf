from django.core.management.base import BaseCommand, CommandError

from skilleval.audit.models import AuditEntry
from skilleval.audit.services import verify_chain

REASONS = {
    "missing": "row missing (deleted, or the lane's head points past its last row)",
    "link": "previous-hash link does not match the row before it in its lane",
    "content": "row content does not match its hash (edited)",
}


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit non-zero naming the first broken row."

    def handle(self, *args, **options):
        broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"audit chain broken in lane {broken.lane} at row #{broken.seq}: {REASONS[broken.reason]}"
            )
        count = AuditEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {count} rows"))
