import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skilleval.catalog.services import load_notice_catalog
from skilleval.core.context import acting_as
from skilleval.discipline.services import load_codes
from skilleval.organization.services import generate_cycles, load_notice_rules

DEFAULT = Path(__file__).resolve().parents[3] / "seed" / "notice-2026.json"


class Command(BaseCommand):
    help = (
        "Load a notice file: organization profile (first time only), policy defaults, catalog, cycles, "
        "discipline rules."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT))

    def handle(self, *args, path, **options):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read notice file {path}: {exc}") from exc
        with acting_as(channel="command"):
            load_notice_rules(data, by=None)
            notice = load_notice_catalog(data, by=None)
            created = generate_cycles(notice.year, by=None)
            load_codes(data.get("discipline", []), by=None)
        self.stdout.write(
            f"notice {notice.year}: {notice.items.count()} items; {len(created)} cycles created; "
            f"{len(data.get('discipline', []))} discipline rules"
        )
