"""The retention purge across every area (SECURITY.md "Personal data": each category has a period; a purge
job anonymises what expired and logs what it did; certificates and audit stay).

Each area says what its categories are and how to clear them (`<area>/retention.py`); this module lists them,
tells each what a higher area still holds, and reads each period from its policy default in force today
(`retention.*`, loaded from the notice file and edited in the admin). The mechanism and the log are in
`skilleval.privacy.retention`. Never purged: certificates, results and scores, discipline records,
payments and invoices (accounting records), the audit trail.
"""

from datetime import datetime

from django.apps import apps
from django.utils import timezone

from skilleval.accounts.retention import ExpiredSessions
from skilleval.applications.retention import (
    BatchPhotoReports,
    ClosedApplications,
    TransientFiles,
    people_with_live_applications,
)
from skilleval.certificates.retention import VerificationLog, people_with_certificates
from skilleval.discipline.retention import applications_with_incidents, people_with_incidents
from skilleval.notifications.retention import SentMessages
from skilleval.organization.policy import policy
from skilleval.people.retention import InactivePeople
from skilleval.privacy.job_retention import JobRecords, TaskResults
from skilleval.privacy.models import PurgeRun
from skilleval.privacy.retention import Category, run_purge
from skilleval.privacy.rotation import FILE_COLUMNS
from skilleval.scheduling.retention import TicketPdfs


def categories() -> list[Category]:
    """Every category, in the order of the log."""
    return [
        ClosedApplications(holds=[applications_with_incidents]),
        InactivePeople(
            holds=[people_with_live_applications, people_with_certificates, people_with_incidents]
        ),
        TicketPdfs(),
        BatchPhotoReports(),
        SentMessages(),
        VerificationLog(),
        JobRecords(),
        TaskResults(),
        ExpiredSessions(),
        # Every column that names a private file: the one list key rotation keeps (and a test checks).
        TransientFiles(referenced_by=[(apps.get_model(c.model), c.field) for c in FILE_COLUMNS]),
    ]


def purge_expired(
    *, by=None, dry_run: bool = False, now: datetime | None = None, on_category=None
) -> PurgeRun:
    """Purge what expired in every category, with the periods in force today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    listed = categories()
    periods = {c.name: policy(c.policy, on=today) for c in listed}
    return run_purge(listed, periods=periods, by=by, now=now, dry_run=dry_run, on_category=on_category)
