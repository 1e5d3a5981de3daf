"""Every change to an application (DOMAIN.md §4): named steps, each a guard, one transaction, a status
event, an audit row, and a notice to the candidate (and the institution) once it has committed."""

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skilleval.applications.confirmations import send_confirmation_codes
from skilleval.applications.lifecycle import EDITABLE, OPEN, Status, can_move
from skilleval.applications.models import (
    NUMBER_ALPHABET,
    PLEDGE_VERSION,
    Application,
    ApplicationEvent,
    Channel,
    Kind,
)
from skilleval.audit.services import record, record_many
from skilleval.catalog.models import CatalogItem
from skilleval.core.errors import DomainError, IllegalTransition
from skilleval.dbtools import insert_dicts
from skilleval.eligibility.checks import check_person
from skilleval.notifications.services import notify, notify_many
from skilleval.organization.policy import policy
from skilleval.people.models import Person
from skilleval.people.services import active_ban_until


def new_number() -> str:
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(10))


def _key_filter(person: Person, item: CatalogItem) -> dict:
    return {
        "person": person,
        "occupation_id": item.occupation_id,
        "work_type_id": item.work_type_id,
        "level": item.level,
    }


def open_application_for(person: Person, item: CatalogItem) -> Application | None:
    return Application.objects.filter(**_key_filter(person, item), status__in=OPEN).first()


def earlier_results_until(person: Person, item: CatalogItem, *, on):
    """The last day earlier results for this key stay valid, or None (DOMAIN.md §10): a new regular
    application inside that time forfeits the make-up and the passed subjects."""
    return (
        Application.objects.filter(
            **_key_filter(person, item), status=Status.FAILED, results_valid_until__gte=on
        )
        .order_by("-results_valid_until")
        .values_list("results_valid_until", flat=True)
        .first()
    )


def start_application(
    person: Person,
    item: CatalogItem,
    *,
    channel: str,
    by,
    institution=None,
    batch=None,
    kind: str = Kind.REGULAR,
    forfeit_confirmed: bool = False,
) -> Application:
    """A draft for one catalog item. Refused for a banned person, a second open application for the same
    key, or (without the candidate's confirmation) while earlier results are still valid."""
    today = timezone.localdate()
    banned_until = active_ban_until(person, on=today)
    if banned_until:
        raise DomainError(
            _("This candidate may not apply until %(date)s (discipline decision).") % {"date": banned_until},
            code="banned",
        )
    if open_application_for(person, item):
        raise DomainError(
            _("This candidate already has an open application for this item and level."),
            code="duplicate_open",
        )
    valid_until = earlier_results_until(person, item, on=today) if kind == Kind.REGULAR else None
    if valid_until and not forfeit_confirmed:
        raise DomainError(
            _(
                "Earlier results for this item stay valid until %(date)s. A new regular application gives up "
                "the make-up exam and the subjects already passed. Confirm to go on."
            )
            % {"date": valid_until},
            code="forfeit_confirmation_required",
        )
    if channel == Channel.GROUP and institution is None:
        raise DomainError(_("A group application needs its institution."), code="no_institution")
    application = Application(
        person=person,
        item=item,
        occupation_id=item.occupation_id,
        work_type_id=item.work_type_id,
        level=item.level,
        channel=channel,
        kind=kind,
        institution=institution,
        batch=batch,
        forfeits_previous_results=bool(valid_until),
        created_by=by if getattr(by, "pk", None) else None,
    )
    for _attempt in range(5):
        application.number = new_number()
        try:
            with transaction.atomic():
                application.save()
                ApplicationEvent.objects.create(
                    application=application, to_status=Status.DRAFT, actor=_user(by)
                )
                record(
                    by, "applications.application.create", application, {"channel": channel, "item": item.pk}
                )
                if valid_until:
                    record(by, "applications.application.forfeit", application, {"valid_until": valid_until})
            return application
        except IntegrityError as exc:
            if open_application_for(person, item):
                raise DomainError(
                    _("This candidate already has an open application for this item and level."),
                    code="duplicate_open",
                ) from exc
            # a number collision: draw again
    raise DomainError("could not allocate an application number", code="number")


def _user(by):
    # `by` is a user or None (the system); an anonymous user is not an actor to point at.
    return by if getattr(by, "pk", None) else None


def _data_confirmed(application: Application) -> None:
    # PIPL art. 23: a student uploaded by an institution confirms their own data before scheduling (issue 4).
    if application.channel == Channel.GROUP and not application.data_confirmed_at:
        raise DomainError(
            _("The candidate has not confirmed their data yet; they cannot be scheduled."),
            code="data_unconfirmed",
        )


# Conditions beyond the lifecycle table that a step needs.
GUARDS = {Status.SCHEDULED: (_data_confirmed,)}


def _move(
    application: Application, target: str, *, by, reason: str = "", fields: dict | None = None
) -> Application:
    """The one place a status changes: row lock, the lifecycle's guard, event, audit, notice after commit."""
    with transaction.atomic():
        # Lock this row only (`of`); the related rows come along for the notice, unlocked.
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("person", "item__occupation", "item__work_type", "institution")
            .get(pk=application.pk)
        )
        if not can_move(locked.status, target):
            raise IllegalTransition(
                _("An application that is “%(current)s” cannot become “%(target)s”.")
                % {"current": Status(locked.status).label, "target": Status(target).label},
                current=locked.status,
                target=target,
            )
        for guard in GUARDS.get(target, ()):
            guard(locked)
        previous = locked.status
        locked.status = target
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "updated_at", *(fields or {})])
        ApplicationEvent.objects.create(
            application=locked, from_status=previous, to_status=target, actor=_user(by), reason=reason
        )
        record(by, f"applications.application.{target}", locked, {"from": previous, "reason": reason[:300]})
        _tell(locked, reason)
    application.refresh_from_db()
    return application


def _tell(application: Application, reason: str) -> None:
    """The candidate (and the institution for a group) hear of every status change (issue 4)."""
    for message in status_messages(application, reason):
        notify(**message, target=application)


def status_messages(application: Application, reason: str = "", *, text: str = "") -> list[dict]:
    """The messages that tell of an application's status (or of `text`): an SMS and an e-mail to the
    candidate, an e-mail to the institution of a group student."""
    with translation.override("zh-hans"):
        text = text or _("Application %(number)s (%(item)s): %(status)s.") % {
            "number": application.number,
            "item": str(application.item),
            "status": Status(application.status).label,
        }
        if reason:
            text += " " + _("Reason: %(reason)s") % {"reason": reason}
        subject = _("Your skill evaluation application")
    common = {"topic": "application.status", "body": text}
    person, messages = application.person, []
    if person.phone:
        messages.append({**common, "channel": "sms", "address": person.phone})
    if person.email:
        messages.append({**common, "channel": "email", "address": person.email, "subject": subject})
    institution = application.institution
    if institution is not None and institution.contact_email:
        messages.append(
            {**common, "channel": "email", "address": institution.contact_email, "subject": subject}
        )
    return messages


def accept_pledge(application: Application, *, by) -> Application:
    """The candidate pledges that the materials are true (DOMAIN.md §12 tier 0)."""
    if application.status not in EDITABLE:
        raise DomainError(_("The application can no longer be changed."), code="not_editable")
    with transaction.atomic():
        application.pledge_version = PLEDGE_VERSION
        application.pledge_accepted_at = timezone.now()
        application.save(update_fields=["pledge_version", "pledge_accepted_at", "updated_at"])
        record(by, "applications.application.pledge", application, {"version": PLEDGE_VERSION})
    return application


def submit_application(application: Application, *, by, claimed_condition: str = "") -> Application:
    """Draft or returned → submitted, with the eligibility verdict of today kept beside it. The age and ban
    gates are hard; a condition that needs a reviewer's confirmation (relatedness, an evaluated school) is
    left to the reviewer, who sees the verdict."""
    if not application.pledge_accepted_at:
        raise DomainError(_("Accept the pledge that your materials are true first."), code="pledge_required")
    if not application.person.photo_name:
        raise DomainError(_("Upload a 2-inch photo first."), code="photo_required")
    verdict = _verdict(application)
    hard = [g for g in verdict.gates if not g.met and g.id in ("AGE", "BAN")]
    if hard:
        raise DomainError(hard[0].reason.render("zh-hans"), code=f"gate_{hard[0].id.lower()}")
    if claimed_condition and claimed_condition not in {c.id for c in verdict.conditions}:
        raise DomainError(
            _("This level has no condition %(id)s.") % {"id": claimed_condition}, code="condition"
        )
    return _move(
        application,
        Status.SUBMITTED,
        by=by,
        fields={
            "submitted_at": timezone.now(),
            "claimed_condition": claimed_condition or (verdict.satisfied[0] if verdict.satisfied else ""),
            "eligibility": {**verdict.to_dict("zh-hans"), "reference_date": timezone.localdate().isoformat()},
        },
    )


def _verdict(application: Application):
    item = application.item
    return check_person(
        application.person,
        occupation=item.occupation.code,
        work_type=item.work_type.name if item.work_type_id else None,
        level=item.level,
        on=timezone.localdate(),
    )


def record_counter_checks(application: Application, *, by, notice_signed: bool, photo: bool, originals: bool):
    """At the counter the clerk checks the signed notice, the photo and the originals (DOMAIN.md §4)."""
    with transaction.atomic():
        application.notice_signed_checked = notice_signed
        application.photo_checked = photo
        application.originals_checked = originals
        application.checked_by = by
        application.save(
            update_fields=[
                "notice_signed_checked",
                "photo_checked",
                "originals_checked",
                "checked_by",
                "updated_at",
            ]
        )
        record(
            by,
            "applications.application.counter_checks",
            application,
            {"notice_signed": notice_signed, "photo": photo, "originals": originals},
        )
    return application


def record_form_signed(application: Application, *, by) -> Application:
    with transaction.atomic():
        application.form_signed_at = timezone.now()
        application.save(update_fields=["form_signed_at", "updated_at"])
        record(by, "applications.application.form_signed", application)
    return application


def start_review(application: Application, *, reviewer) -> Application:
    return _move(application, Status.UNDER_REVIEW, by=reviewer)


def _decide(application: Application, target: str, *, reviewer, reason: str, fields: dict | None = None):
    if application.status == Status.SUBMITTED:
        application = start_review(application, reviewer=reviewer)
    decided = {
        "decided_at": timezone.now(),
        "decided_by": reviewer,
        "decision_reason": reason,
        **(fields or {}),
    }
    return _move(application, target, by=reviewer, reason=reason, fields=decided)


def approve(application: Application, *, reviewer, reason: str = "") -> Application:
    """Qualified: the fee falls due, payable within the policy's deadline (DOMAIN.md §4, policy default 7)."""
    today = timezone.localdate()
    days = policy("payment.deadline_days", on=today)
    reason = reason.strip() or _("Conditions met: %(ids)s") % {
        "ids": " ".join(application.eligibility.get("satisfied", [])) or "—"
    }
    return _decide(
        application,
        Status.APPROVED,
        reviewer=reviewer,
        reason=reason,
        fields={"fee_due_by": today + timedelta(days)},
    )


def return_for_correction(application: Application, *, reviewer, reason: str) -> Application:
    return _decide(application, Status.RETURNED, reviewer=reviewer, reason=_required(reason))


def reject(application: Application, *, reviewer, reason: str) -> Application:
    return _decide(application, Status.REJECTED, reviewer=reviewer, reason=_required(reason))


def _required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Give the reason; the candidate will read it."), code="reason_required", field="reason"
        )
    return reason


def withdraw(application: Application, *, by, reason: str = "") -> Application:
    return _move(application, Status.WITHDRAWN, by=by, reason=reason)


def pre_review_batch(batch, *, by, note: str = ""):
    """The institution's preliminary review (资格初审) of every draft in its batch."""
    if by.institution_id != batch.institution_id:
        raise DomainError(_("Only the institution that uploaded the batch may review it."), code="tenant")
    with transaction.atomic():
        drafts = list(batch.applications.select_for_update().filter(status=Status.DRAFT))
        for application in drafts:
            _move(application, Status.PRE_REVIEWED, by=by, reason=note, fields={"pre_reviewed_by": by})
        batch.state = batch.State.PRE_REVIEWED
        batch.pre_review_note = note[:300]
        batch.save(update_fields=["state", "pre_review_note"])
        record(by, "applications.batch.pre_review", batch, {"applications": len(drafts)})
    return batch


def submit_batch(batch, *, by):
    """The institution submits its pre-reviewed group; each application then waits for review."""
    if by.institution_id != batch.institution_id:
        raise DomainError(_("Only the institution that uploaded the batch may submit it."), code="tenant")
    if batch.state != batch.State.PRE_REVIEWED:
        raise DomainError(
            _("Record the preliminary review before submitting the group."), code="not_pre_reviewed"
        )
    missing = Person.objects.filter(applications__batch=batch, photo_name="").distinct().count()
    if missing:
        raise DomainError(
            _("%(count)s students have no photo yet; upload their photos first.") % {"count": missing},
            code="photos_missing",
        )
    now = timezone.now()
    with transaction.atomic():
        ready = list(batch.applications.select_for_update().filter(status=Status.PRE_REVIEWED))
        for application in ready:
            application.pledge_version = application.pledge_version or PLEDGE_VERSION
            _move(
                application,
                Status.SUBMITTED,
                by=by,
                fields={
                    "submitted_at": now,
                    "pledge_version": application.pledge_version,
                    "pledge_accepted_at": application.pledge_accepted_at or now,
                    "eligibility": _snapshot(application),
                },
            )
        batch.state = batch.State.SUBMITTED
        batch.save(update_fields=["state"])
        record(by, "applications.batch.submit", batch, {"applications": len(ready)})
        send_confirmation_codes(ready, by=by)
    return batch


def _snapshot(application: Application) -> dict:
    verdict = _verdict(application)
    return {**verdict.to_dict("zh-hans"), "reference_date": timezone.localdate().isoformat()}


def bulk_approve(applications, *, reviewer, reason: str = "") -> list[Application]:
    """Approve many at once (a group); each is still its own step with its own event and audit row."""
    return [approve(application, reviewer=reviewer, reason=reason) for application in applications]


def confirm_own_data(application: Application, *, by) -> Application:
    """A candidate uploaded by an institution confirms their own data (PIPL art. 23) before scheduling."""
    if application.data_confirmed_at:
        return application
    with transaction.atomic():
        application.data_confirmed_at = timezone.now()
        application.save(update_fields=["data_confirmed_at", "updated_at"])
        record(by, "applications.application.data_confirmed", application, {"notice": PLEDGE_VERSION})
    return application


def mark_paid(application: Application, *, by, reason: str = "") -> Application:
    """The fee has reached the organization's account (DOMAIN.md §6); only payments call this."""
    return _move(application, Status.PAID, by=by, reason=reason)


def lapse(application: Application, *, by, reason: str) -> Application:
    """Unpaid by the deadline (policy payment.deadline_days); only the payments area calls this."""
    return _move(application, Status.LAPSED, by=by, reason=reason)


def schedule(application: Application, *, by, reason: str = "") -> Application:
    """A seat is assigned (DOMAIN.md §4): paid → scheduled, if the candidate's data is confirmed (GUARDS)."""
    return _move(application, Status.SCHEDULED, by=by, reason=reason)


def move_many(application_ids, target: str, *, by, reason: str = "", chunk: int = 2000) -> list[int]:
    """The same step for many applications at once (a published month plan schedules thousands): the
    lifecycle table and GUARDS as in `_move`, with the rows locked, the status set in one update per chunk,
    the events and audit rows inserted together and the notices queued together. Returns the ids moved;
    those that may not move (another status, a guard) are left as they are."""
    moved: list[int] = []
    ids = list(application_ids)
    with transaction.atomic():
        for start in range(0, len(ids), chunk):
            rows = list(
                Application.objects.select_for_update(of=("self",))
                .select_related("person", "item__occupation", "item__work_type", "institution")
                .filter(pk__in=ids[start : start + chunk])
            )
            ready = []
            for application in rows:
                if not can_move(application.status, target):
                    continue
                try:
                    for guard in GUARDS.get(target, ()):
                        guard(application)
                except DomainError:
                    continue
                ready.append(application)
            if not ready:
                continue
            previous = {a.pk: a.status for a in ready}
            now = timezone.now()
            Application.objects.filter(pk__in=[a.pk for a in ready]).update(status=target, updated_at=now)
            insert_dicts(
                ApplicationEvent,
                (
                    {
                        "application_id": a.pk,
                        "from_status": previous[a.pk],
                        "to_status": target,
                        "actor_id": getattr(_user(by), "pk", None),
                        "reason": reason,
                    }
                    for a in ready
                ),
            )
            record_many(
                by,
                f"applications.application.{target}",
                ready,
                [{"from": previous[a.pk], "reason": reason[:300]} for a in ready],
            )
            messages = []
            for application in ready:
                application.status = target
                messages.extend(
                    {**m, "target_type": "applications.application", "target_id": str(application.pk)}
                    for m in status_messages(application, reason)
                )
            notify_many(messages)
            moved.extend(a.pk for a in ready)
    return moved


def mark_sat(application: Application, *, by, reason: str = "") -> Application:
    """The candidate was checked in for an exam (DOMAIN.md §8): scheduled → sat. Only check-in calls this."""
    return _move(application, Status.SAT, by=by, reason=reason)


def results_published(application: Application, *, by, reason: str, valid_until) -> Application:
    """The scores are out (DOMAIN.md §9): sat → results published, with how long passed subjects stay valid
    (used for make-ups and for the warning of `start_application`). Only the results area calls this."""
    return _move(
        application, Status.PUBLISHED, by=by, reason=reason, fields={"results_valid_until": valid_until}
    )


def close_failed(application: Application, *, by, reason: str) -> Application:
    """After the public notice period: results published → not passed (a make-up may follow)."""
    return _move(application, Status.FAILED, by=by, reason=reason)


def certify(application: Application, *, by, reason: str = "") -> Application:
    """A certificate is issued (DOMAIN.md §11): results published → certified. Only certificates call this."""
    return _move(application, Status.CERTIFIED, by=by, reason=reason)


def void(application: Application, *, by, reason: str, forfeit_fees: bool = False) -> Application:
    """A discipline decision voids the application (DOMAIN.md §4, §12); with tier 0 its fees are not
    returned. Only the discipline area calls this."""
    fields = {"fees_forfeited": True} if forfeit_fees else {}
    return _move(application, Status.VOIDED, by=by, reason=reason, fields=fields)


def submit_group_application(application: Application, *, by) -> Application:
    """An institution submits one application of its student outside a batch (a group make-up, DOMAIN.md
    §10): its preliminary review and submission in one step, then the student confirms their own data with
    a code before they can be scheduled, as for a batch (PIPL art. 23, the SCHEDULED guard)."""
    if application.channel != Channel.GROUP or by.institution_id != application.institution_id:
        raise DomainError(_("Only the student's institution may submit this application."), code="tenant")
    now = timezone.now()
    with transaction.atomic():
        _move(application, Status.PRE_REVIEWED, by=by, fields={"pre_reviewed_by": by})
        application.refresh_from_db()
        _move(
            application,
            Status.SUBMITTED,
            by=by,
            fields={
                "submitted_at": now,
                "pledge_version": PLEDGE_VERSION,
                "pledge_accepted_at": now,
                "eligibility": _snapshot(application),
            },
        )
        application.refresh_from_db()
        send_confirmation_codes([application], by=by)
    return application
