"""The sanctions register as a spreadsheet (DOMAIN.md §12), for supervisors.

It names people, so it shows ID numbers masked, the way the register page does, and each download is
audited by the view with counts only. Every cell goes through the spreadsheet writer, which neutralises
formula injection (SECURITY.md "Input and files"): a name typed as "=HYPERLINK(…)" stays text.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.core.spreadsheets.export import write_csv, write_xlsx
from skilleval.discipline.models import Decision
from skilleval.discipline.views import rule_label
from skilleval.results.views.candidate import subject_list

REGISTER_PAGE = 50  # rows per page of the register on screen


def register_headers() -> list[str]:
    return [
        _("Decision number"),
        _("Decided on"),
        _("Name"),
        _("ID number"),
        _("Item"),
        _("Rule"),
        _("Subjects cancelled"),
        _("Banned until"),
        _("Referred"),
        _("State"),
    ]


def _ban_cell(decision: Decision) -> str:
    if decision.ban is None:
        return ""
    if decision.ban.lifted_on:
        return _("%(until)s (lifted on %(lifted)s)") % {
            "until": decision.ban.until.isoformat(),
            "lifted": decision.ban.lifted_on.isoformat(),
        }
    return decision.ban.until.isoformat()


def register_rows(decisions) -> tuple[list[str], list[list[str]]]:
    """One row per decision of the (filtered) register queryset, newest first, in the reader's language."""
    rows = []
    for decision in decisions:
        application = decision.incident.application
        person = application.person
        rows.append(
            [
                decision.reference,
                timezone.localtime(decision.decided_at).date().isoformat(),
                person.full_name,
                person.id_number_masked,
                str(application.item),
                rule_label(decision.code),
                subject_list(decision.subjects_cancelled),
                _ban_cell(decision),
                _("yes") if decision.referred else _("no"),
                str(decision.get_state_display()),
            ]
        )
    return register_headers(), rows


def register_xlsx(headers: list[str], rows: list[list[str]]) -> bytes:
    return write_xlsx(headers, rows, sheet_title=_("Sanctions register")[:31])


def register_csv(headers: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark, so Excel on Chinese Windows does not read it as GBK."""
    return write_csv(headers, rows, encoding="utf-8-sig")
