"""Retention of what applications leave behind (SECURITY.md "Personal data"; policies `retention.*`).

- Applications that never reached an exam (rejected, withdrawn, lapsed unpaid): once the period after their
  last change is over, the evidence files and rows, the confirmation codes and the eligibility verdict kept
  at submission (the candidate's facts) are removed. The row, its number, status history and the reviewer's
  reason stay: other records and the audit trail refer to them. Voided applications (a sanction), those whose
  fees were forfeited and those a higher area holds (an incident) keep everything.
- The photo report of a group batch lists the files of the zip, named by ID number: cleared after the period.
- Upload error reports and photo zips are sealed files only a session or a running job knows; once the
  period is over, those no row points to are deleted.
"""

from collections.abc import Callable, Sequence

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.applications.group_photos import ZIP_PURPOSE
from skilleval.applications.imports import REPORT_PURPOSE
from skilleval.applications.lifecycle import OPEN, Status
from skilleval.applications.models import (
    Application,
    ApplicationEvent,
    ConfirmationCode,
    Evidence,
    GroupBatch,
)
from skilleval.privacy.files import names_older_than, sealed_for
from skilleval.privacy.retention import Category, Purged, RowCategory

# A hold names rows a higher area still needs (an incident, a certificate): a queryset of their ids.
Hold = Callable[..., QuerySet]

NEVER_EXAMINED = (Status.REJECTED, Status.WITHDRAWN, Status.LAPSED)
# Statuses that keep the candidate's data whatever the date: the certificate and the sanction stay.
KEPT = (Status.CERTIFIED, Status.VOIDED)


def _changed_since(cutoff):
    return Exists(ApplicationEvent.objects.filter(application=OuterRef("pk"), at__gte=cutoff))


class ClosedApplications(RowCategory):
    name = "applications.closed"
    policy = "retention.closed_applications"
    label = _("Applications that never reached an exam: evidence and facts")

    def __init__(self, *, holds: Sequence[Hold] = ()):
        self.holds = tuple(holds)

    def expired(self, *, cutoff, now):
        rows = (
            Application.objects.filter(status__in=NEVER_EXAMINED, fees_forfeited=False, created_at__lt=cutoff)
            .exclude(_changed_since(cutoff))
            .filter(
                ~Q(eligibility={})
                | Exists(Evidence.objects.filter(application=OuterRef("pk")))
                | Exists(ConfirmationCode.objects.filter(application=OuterRef("pk")))
            )
        )
        for hold in self.holds:
            rows = rows.exclude(pk__in=hold(cutoff=cutoff, now=now))
        return rows

    def purge(self, keys, *, cutoff, now):
        evidence = Evidence.objects.filter(application_id__in=keys)
        names = tuple(evidence.values_list("file_name", flat=True))
        evidence.delete()
        ConfirmationCode.objects.filter(application_id__in=keys).delete()
        rows = Application.objects.filter(pk__in=keys).update(eligibility={})
        return Purged(rows=rows, files=names)


def people_with_live_applications(*, cutoff, now) -> QuerySet:
    """People whose data an application still needs: one open (up to results published), certified or
    voided, changed within the period, or with results valid for a make-up (DOMAIN.md §10)."""
    return Application.objects.filter(
        Q(status__in=sorted(OPEN) + list(KEPT))
        | Q(fees_forfeited=True)
        | Q(results_valid_until__gte=timezone.localdate(now))
        | Q(created_at__gte=cutoff)
        | _changed_since(cutoff)
    ).values("person_id")


class BatchPhotoReports(RowCategory):
    name = "applications.batch_reports"
    policy = "retention.batch_reports"
    label = _("Photo upload reports of group batches")

    def expired(self, *, cutoff, now):
        return GroupBatch.objects.filter(created_at__lt=cutoff).exclude(photo_report={})

    def purge(self, keys, *, cutoff, now):
        return Purged(rows=GroupBatch.objects.filter(pk__in=keys).update(photo_report={}))


class TransientFiles(Category):
    """Upload error reports and photo zips left behind (a session that ended, a job that failed).

    A file is taken only if no listed column names it and it is sealed for one of these purposes, so a
    photo, evidence or ticket is never taken even if a column were missing from the list; the list spares
    the work of opening every old file."""

    name = "applications.transient_files"
    policy = "retention.transient_files"
    label = _("Upload error reports and photo zips")
    purposes = (REPORT_PURPOSE, ZIP_PURPOSE)

    def __init__(self, *, referenced_by: Sequence[tuple[type, str]] = ()):
        self.referenced_by = tuple(referenced_by)

    def chunks(self, *, cutoff, now, size):
        for names in names_older_than(cutoff):
            for start in range(0, len(names), size):
                batch = names[start : start + size]
                loose = set(batch) - self._referenced(batch)
                transient = [n for n in batch if n in loose and any(sealed_for(n, p) for p in self.purposes)]
                if transient:
                    yield transient

    def _referenced(self, names: list[str]) -> set[str]:
        found: set[str] = set()
        for model, field in self.referenced_by:
            found.update(model.objects.filter(**{f"{field}__in": names}).values_list(field, flat=True))
        return found

    def purge(self, keys, *, cutoff, now):
        return Purged(rows=len(keys), files=tuple(keys))
