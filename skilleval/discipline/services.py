"""Incidents, decisions and appeals (issue 9, DOMAIN.md §12): each code's effect comes from its row.

A decision takes effect everywhere at once: the subjects it cancels (results.cancel_subjects: shown as
cancelled, counted as failed, now or when the score is entered), the ban (people.Ban, enforced by the
eligibility gate BAN and by every way of applying), and for tier 0 or a finding after the event on an
application that no longer stands: the application voided (fees not returned for tier 0) and its
certificate revoked, so verification says revoked and the national export lists it.

An appeal that overturns a decision lifts its cancellations and its ban. A voided application and a revoked
certificate stay as they are (both are final by design); the answer says so and staff start anew if needed.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skilleval.applications.evidence import checked_document
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.applications.services import status_messages, void
from skilleval.audit.services import record
from skilleval.certificates.models import Certificate
from skilleval.certificates.services import revoke
from skilleval.core.errors import DomainError
from skilleval.dbtools import take_serials
from skilleval.discipline.models import Appeal, Code, Decision, DecisionCounter, Evidence, Incident
from skilleval.notifications.services import notify_many
from skilleval.organization.policy import policy
from skilleval.people.models import Ban
from skilleval.privacy.files import sha256, store_private
from skilleval.results.services import cancel_subjects, restore_subjects, years_later
from skilleval.scheduling.models import SeatAssignment

EVIDENCE_PURPOSE = "discipline.evidence"
MAX_EVIDENCE = 10


def load_codes(rows: list[dict], *, by) -> int:
    """The code table of the notice's 附件 2 (seed `discipline`): added or updated by code."""
    fields = [
        "tier",
        "title",
        "title_en",
        "effect",
        "ban",
        "ban_years_minor",
        "ban_years_serious",
        "refer_serious",
    ]
    changed = 0
    with transaction.atomic():
        for row in rows:
            values = {f: row[f] for f in fields if f in row}
            code, created = Code.objects.get_or_create(code=row["code"], defaults=values)
            if not created and any(getattr(code, f) != v for f, v in values.items()):
                Code.objects.filter(pk=code.pk).update(**values)
                created = True
            changed += created
        if changed:
            record(by, "discipline.codes.load", None, {"codes": len(rows), "changed": changed})
    return changed


# -- incidents -----------------------------------------------------------------------------------------------


def record_incident(
    application: Application,
    *,
    code: Code,
    subject: str,
    description: str,
    occurred_on: date,
    by,
    after_the_event: bool = False,
) -> Incident:
    """What the invigilator saw (DOMAIN.md §8): for a seated candidate and subject of that day, or a finding
    after the event (then the subject may be empty)."""
    if not description.strip():
        raise DomainError(_("Describe what happened."), code="description_required")
    if subject and subject not in _all_subjects(application):
        raise DomainError(_("This application has no such subject."), code="no_subject")
    if not after_the_event:
        seated = SeatAssignment.objects.filter(
            application=application, session__date=occurred_on, session__subject=subject
        ).exists()
        if not seated:
            raise DomainError(
                _("The candidate has no seat for this subject on %(date)s.") % {"date": occurred_on},
                code="not_seated",
            )
    with transaction.atomic():
        incident = Incident.objects.create(
            application=application,
            subject=subject,
            code=code,
            description=description.strip(),
            occurred_on=occurred_on,
            after_the_event=after_the_event,
            recorded_by=by,
        )
        record(by, "discipline.incident.record", incident, {"code": code.code, "subject": subject})
    return incident


def add_evidence(incident: Incident, *, content: bytes, filename: str, by) -> Evidence:
    """A photo or a PDF, checked and re-encoded like application evidence, sealed at rest."""
    if incident.evidence.count() >= MAX_EVIDENCE:
        raise DomainError(
            _("At most %(count)s files per incident.") % {"count": MAX_EVIDENCE}, code="too_many"
        )
    content, kind = checked_document(content)
    with transaction.atomic():
        evidence = Evidence.objects.create(
            incident=incident,
            file_name=store_private(content, purpose=EVIDENCE_PURPOSE),
            original_name=filename[:200],
            content_type=kind,
            size=len(content),
            sha256=sha256(content),
            uploaded_by=by,
        )
        record(by, "discipline.evidence.add", incident, {"evidence": evidence.pk, "type": kind})
    return evidence


def dismiss(incident: Incident, *, reason: str, by) -> Incident:
    if not reason.strip():
        raise DomainError(_("Give the reason for dismissing the incident."), code="reason_required")
    if incident.recorded_by_id == getattr(by, "pk", None):
        raise DomainError(_("Another person than the one who recorded it decides."), code="same_person")
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.state != Incident.State.OPEN:
            raise DomainError(_("This incident is already decided."), code="decided")
        incident.state = Incident.State.DISMISSED
        incident.save(update_fields=["state"])
        record(by, "discipline.incident.dismiss", incident, {"reason": reason[:300]})
    return incident


# -- decisions -----------------------------------------------------------------------------------------------


def subjects_cancelled_by(code: Code, incident: Incident) -> list[str]:
    """Which subjects a code cancels: that subject, the sitting's, or all of the application's."""
    application = incident.application
    if code.effect == Code.Effect.SUBJECT:
        return [incident.subject] if incident.subject else []
    if code.effect == Code.Effect.SITTING:
        sitting = SeatAssignment.objects.filter(application=application, session__date=incident.occurred_on)
        subjects = set(sitting.values_list("session__subject", flat=True))
        return sorted(subjects or _all_subjects(application))
    return _all_subjects(application)


def _all_subjects(application: Application) -> list[str]:
    if application.retake_subjects:
        return sorted(application.retake_subjects)
    return sorted(application.item.subjects.values_list("kind", flat=True))


def ban_until(code: Code, severity: str, start: date) -> date | None:
    """The last day of the ban (DOMAIN.md §12): the rest of that calendar year, or whole years by severity
    from the start (the misconduct by default, policy discipline.ban_from): a ban of 2 years from
    2026-03-10 runs to 2028-03-09, and one from 29 February ends on 27 February."""
    if code.ban == Code.BanKind.YEAR_END:
        return date(start.year, 12, 31)
    if code.ban == Code.BanKind.YEARS:
        years = code.ban_years_serious if severity == Decision.Severity.SERIOUS else code.ban_years_minor
        return years_later(start, years) - timedelta(days=1) if years else None
    return None


def _reference(on: date) -> str:
    serial = take_serials(DecisionCounter, f"CF{on.year}", 1, limit=99_999)[0]
    return f"CF{on.year}-{serial:05d}"


def decide(incident: Incident, *, reasons: str, by, code: Code | None = None, severity: str = "") -> Decision:
    """A different person than the recorder decides; the sanction follows the code's row."""
    code = code or incident.code
    if incident.recorded_by_id == getattr(by, "pk", None):
        raise DomainError(_("Another person than the one who recorded it decides."), code="same_person")
    if not reasons.strip():
        raise DomainError(_("Give the reasons of the decision."), code="reasons_required")
    if code.ban == Code.BanKind.YEARS and severity not in Decision.Severity.values:
        raise DomainError(_("Say whether the case is minor or serious."), code="severity_required")
    today = timezone.localdate()
    start = incident.occurred_on if policy("discipline.ban_from", on=today) == "misconduct" else today
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update().select_related("application__item").get(pk=incident.pk)
        )
        if incident.state != Incident.State.OPEN:
            raise DomainError(_("This incident is already decided."), code="decided")
        application = incident.application
        reference = _reference(today)
        with translation.override("zh-hans"):
            summary = _("Decision %(reference)s under rule %(code)s of the candidate notice: %(title)s") % {
                "reference": reference,
                "code": code.code,
                "title": code.title,
            }
        subjects = subjects_cancelled_by(code, incident)
        cancel_subjects(application, subjects, reason=summary, decision=reference, by=by)
        until = ban_until(code, severity, start)
        ban = None
        if until and until >= today:
            ban = Ban.objects.create(
                person=application.person, until=until, reason=summary[:300], source=reference
            )
        decision = Decision.objects.create(
            reference=reference,
            incident=incident,
            code=code,
            severity=severity if code.ban == Code.BanKind.YEARS else "",
            reasons=reasons.strip(),
            recorded_by_id=incident.recorded_by_id,
            decided_by=by,
            subjects_cancelled=subjects,
            ban=ban,
            referred=code.refer_serious and severity == Decision.Severity.SERIOUS,
            appeal_until=today + timedelta(days=int(policy("discipline.appeal_days", on=today))),
        )
        incident.state = Incident.State.DECIDED
        incident.save(update_fields=["state"])
        _annul(application, decision, code, summary, by=by)
        record(
            by,
            "discipline.decision",
            decision,
            {"code": code.code, "subjects": subjects, "ban_until": until, "referred": decision.referred},
        )
        _tell(application, decision, summary)
    return decision


def _annul(application: Application, decision: Decision, code: Code, summary: str, *, by) -> None:
    """Tier 0, or a finding after the event on a result that no longer passes: the application is voided
    (tier 0: fees not returned) and any certificate revoked."""
    application.refresh_from_db()
    result = getattr(application, "result", None)
    fails_now = result is not None and not result.passed
    qualification = code.effect == Code.Effect.QUALIFICATION
    if not qualification and not (decision.incident.after_the_event and fails_now):
        return
    certificate = Certificate.objects.filter(application=application).first()
    if certificate is not None:
        revoke(certificate, reason=summary, by=by)
    if application.status != Status.VOIDED:
        void(application, by=by, reason=summary, forfeit_fees=qualification)


def _tell(application: Application, decision: Decision, summary: str) -> None:
    with translation.override("zh-hans"):
        text = (
            summary
            + " "
            + _("See the decision and its reasons on your application page; you may appeal until %(date)s.")
            % {"date": decision.appeal_until}
        )
    notify_many(
        [
            {
                **m,
                "topic": "discipline.decision",
                "target_type": "discipline.decision",
                "target_id": str(decision.pk),
            }
            for m in status_messages(application, text=text)
        ]
    )


# -- appeals -------------------------------------------------------------------------------------------------


def appeal(decision: Decision, *, text: str, by) -> Appeal:
    if timezone.localdate() > decision.appeal_until:
        raise DomainError(
            _("An appeal could be made until %(date)s.") % {"date": decision.appeal_until},
            code="window_closed",
        )
    if not text.strip():
        raise DomainError(_("Give the grounds of the appeal."), code="text_required")
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)  # two appeals at once: one waits
        if decision.state != Decision.State.IN_FORCE:
            raise DomainError(
                _("This decision was overturned; there is nothing to appeal."), code="overturned"
            )
        if decision.appeals.filter(outcome=Appeal.Outcome.OPEN).exists():
            raise DomainError(_("An appeal of this decision is already open."), code="open")
        item = Appeal.objects.create(decision=decision, text=text.strip(), by=by)
        record(by, "discipline.appeal", item, {"decision": decision.reference})
    return item


def answer_appeal(item: Appeal, *, overturn: bool, answer: str, by) -> Appeal:
    """A supervisor other than the decider answers; overturning lifts the cancellations and the ban."""
    if item.decision.decided_by_id == getattr(by, "pk", None):
        raise DomainError(_("A supervisor other than the decider answers the appeal."), code="same_person")
    if not answer.strip():
        raise DomainError(_("Write the answer the candidate will read."), code="answer_required")
    with transaction.atomic():
        item = (
            Appeal.objects.select_for_update()
            .select_related("decision__incident__application")
            .get(pk=item.pk)
        )
        if item.outcome != Appeal.Outcome.OPEN:
            return item
        decision = item.decision
        item.outcome = Appeal.Outcome.OVERTURNED if overturn else Appeal.Outcome.UPHELD
        item.answer, item.answered_by, item.answered_at = answer.strip(), by, timezone.now()
        item.save(update_fields=["outcome", "answer", "answered_by", "answered_at"])
        if overturn:
            application = decision.incident.application
            restore_subjects(application, decision=decision.reference, by=by)
            if decision.ban_id:
                Ban.objects.filter(pk=decision.ban_id, lifted_on__isnull=True).update(
                    lifted_on=timezone.localdate()
                )
            decision.state = Decision.State.OVERTURNED
            decision.save(update_fields=["state"])
        record(by, f"discipline.appeal.{item.outcome}", item, {"decision": decision.reference})
        with translation.override("zh-hans"):
            text = _(
                "Your appeal against decision %(reference)s has been answered: %(outcome)s. %(answer)s"
            ) % {
                "reference": decision.reference,
                "outcome": Appeal.Outcome(item.outcome).label,
                "answer": item.answer,
            }
        application = decision.incident.application
        notify_many(
            [
                {
                    **m,
                    "topic": "discipline.appeal",
                    "target_type": "discipline.appeal",
                    "target_id": str(item.pk),
                }
                for m in status_messages(application, text=text)
            ]
        )
    return item


def register(*, tier=None, code=None, since=None, until=None, state=None):
    """The sanctions register for staff: decisions, filterable."""
    rows = Decision.objects.select_related(
        "code", "incident__application__person", "incident__application__item", "ban"
    )
    if tier is not None:
        rows = rows.filter(code__tier=tier)
    if code:
        rows = rows.filter(code__code=code)
    if since:
        rows = rows.filter(decided_at__date__gte=since)
    if until:
        rows = rows.filter(decided_at__date__lte=until)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-decided_at")
