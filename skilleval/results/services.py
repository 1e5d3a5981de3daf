"""Scores to results (issue 7, DOMAIN.md §9): four-eyes entry, publication, changes after publication,
results deadlines, the public notice and review window, and closing.

Entry is by ticket number: the grid shows seats and ticket numbers, never names or ID numbers (SECURITY.md
"Access": graders). One person enters, another verifies (the database refuses the same person), a supervisor
publishes a session; then each application whose scores are all published gets its result and moves to
"results published". After the notice period (policy results.notice_period_days) with no open review, a
failed application is closed as failed; a passed one waits for its certificate (issue 8).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Kind
from skilleval.applications.services import close_failed, mark_sat, results_published
from skilleval.audit.services import record, record_many
from skilleval.catalog.models import ItemSubject
from skilleval.core.errors import DomainError
from skilleval.organization.policy import PolicyMissing, policy
from skilleval.privacy.fields import blind_index
from skilleval.results.models import Cancellation, Result, ReviewRequest, Score, ScoreChange, ScoreEvent
from skilleval.scheduling.models import ExamSession, SeatAssignment
from skilleval.workdays.arithmetic import CalendarNotLoaded
from skilleval.workdays.services import working_calendar

TAG_PURPOSE = "results.integrity"


# -- integrity tags ------------------------------------------------------------------------------------------


def score_tag(score: Score) -> str:
    """A keyed digest of what a published score says; a row edited behind the application's back no
    longer matches (SECURITY.md "Audit and integrity")."""
    value = "absent" if score.absent else str(score.value)
    return blind_index(
        f"score|{score.pk}|{score.application_id}|{score.subject}|{value}|{int(score.cancelled)}",
        purpose=TAG_PURPOSE,
    )


def result_tag(result: Result) -> str:
    return blind_index(
        f"result|{result.application_id}|{int(result.passed)}|{result.exam_date}|{result.valid_until}",
        purpose=TAG_PURPOSE,
    )


def trustworthy(obj) -> bool:
    """False for a published score or a result whose row no longer matches its tag: show "under
    verification" rather than trust it."""
    if isinstance(obj, Score):
        return obj.state != Score.State.PUBLISHED or obj.tag == score_tag(obj)
    return obj.tag == result_tag(obj)


# -- entry and verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    seat_id: int
    value: str  # as typed; "" with absent
    absent: bool


def _subjects(item_id: int) -> dict[str, ItemSubject]:
    return {s.kind: s for s in ItemSubject.objects.filter(item_id=item_id)}


def _parse(entry: Entry, subject: ItemSubject) -> Decimal | None:
    if entry.absent:
        return None
    try:
        value = Decimal(entry.value.strip().replace("，", ".").replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise DomainError(
            _("“%(value)s” is not a score.") % {"value": entry.value}, code="not_a_number"
        ) from None
    if (
        not value.is_finite()
        or value < 0
        or value > subject.full_mark
        or value != value.quantize(Decimal("0.1"))
    ):
        raise DomainError(
            _("A score is between 0 and %(full)s, with at most one decimal.") % {"full": subject.full_mark},
            code="out_of_range",
        )
    return value


def enter_scores(session: ExamSession, entries: list[Entry], *, by) -> dict:
    """Enter or correct unverified scores of one session. Every row is checked first; one bad row changes
    nothing and its seat is named. Returns {"entered": n, "corrected": n, "unchanged": n}."""
    subject = _subjects(session.item_id).get(session.subject)
    if subject is None:
        raise DomainError(_("The catalog has no such subject for this item."), code="no_subject")
    if session.state != ExamSession.State.PUBLISHED or session.date > timezone.localdate():
        raise DomainError(_("Scores are entered once the session has been held."), code="not_held")
    seats = {s.pk: s for s in SeatAssignment.objects.filter(session=session)}
    errors, parsed = {}, {}
    for entry in entries:
        seat = seats.get(entry.seat_id)
        if seat is None:
            raise DomainError(_("A seat of another session was sent."), code="wrong_seat")
        try:
            value = _parse(entry, subject)
            if seat.present is False and value is not None:
                raise DomainError(_("Marked absent at check-in; enter “absent”."), code="was_absent")
            parsed[seat.pk] = value
        except DomainError as exc:
            errors[seat.seat_number] = exc.message
    if errors:
        raise DomainError(
            "; ".join(
                _("seat %(seat)s: %(error)s") % {"seat": n, "error": e} for n, e in sorted(errors.items())
            ),
            code="invalid",
        )
    counts = {"entered": 0, "corrected": 0, "unchanged": 0}
    cancelled = set(
        Cancellation.objects.filter(
            application__in=[s.application_id for s in seats.values()],
            subject=session.subject,
            lifted_at=None,
        ).values_list("application_id", flat=True)
    )
    with transaction.atomic():
        existing = {s.seat_id: s for s in Score.objects.select_for_update().filter(seat__session=session)}
        changed = []
        for entry in entries:
            value, seat = parsed[entry.seat_id], seats[entry.seat_id]
            score = existing.get(seat.pk)
            if score is None:
                score = Score.objects.create(
                    seat=seat,
                    application_id=seat.application_id,
                    subject=session.subject,
                    value=value,
                    absent=value is None,
                    cancelled=seat.application_id in cancelled,
                    entered_by=by,
                )
                ScoreEvent.objects.create(
                    score=score, action=ScoreEvent.Action.ENTER, value=value, absent=value is None, by=by
                )
                counts["entered"] += 1
                changed.append(score)
                continue
            if (score.value, score.absent) == (value, value is None):
                counts["unchanged"] += 1
                continue
            if score.state != Score.State.ENTERED:
                raise DomainError(
                    _("Seat %(seat)s is already verified; a change now needs a change request.")
                    % {"seat": seat.seat_number},
                    code="verified",
                )
            score.value, score.absent, score.entered_by = value, value is None, by
            score.save(update_fields=["value", "absent", "entered_by"])
            ScoreEvent.objects.create(
                score=score, action=ScoreEvent.Action.CORRECT, value=value, absent=value is None, by=by
            )
            counts["corrected"] += 1
            changed.append(score)
        record_many(by, "results.score.enter", changed, [{"session": session.pk} for _s in changed])
    return counts


def verify_scores(session: ExamSession, *, by) -> int:
    """The second person confirms every entered score of the session; refused to the person who entered
    any of them (four eyes). Returns how many were verified."""
    with transaction.atomic():
        scores = list(
            Score.objects.select_for_update().filter(seat__session=session, state=Score.State.ENTERED)
        )
        mine = [s for s in scores if s.entered_by_id == getattr(by, "pk", None)]
        if mine:
            raise DomainError(
                _("You entered %(count)s of these scores; another person verifies them.")
                % {"count": len(mine)},
                code="same_person",
            )
        seated = SeatAssignment.objects.filter(session=session).count()
        have = Score.objects.filter(seat__session=session).count()
        if have < seated:
            raise DomainError(
                _("%(missing)s seats have no score yet.") % {"missing": seated - have}, code="incomplete"
            )
        now = timezone.now()
        Score.objects.filter(pk__in=[s.pk for s in scores]).update(
            state=Score.State.VERIFIED, verified_by=by, verified_at=now
        )
        ScoreEvent.objects.bulk_create(
            ScoreEvent(score=s, action=ScoreEvent.Action.VERIFY, value=s.value, absent=s.absent, by=by)
            for s in scores
        )
        record_many(by, "results.score.verify", scores, [{"session": session.pk} for _s in scores])
    return len(scores)


# -- publication and results -------------------------------------------------------------------------------


def publish_session(session: ExamSession, *, by) -> int:
    """A supervisor publishes a session's verified scores; each application whose scores are then all
    published gets its result. Returns how many results were published."""
    with transaction.atomic():
        scores = list(Score.objects.select_for_update().filter(seat__session=session))
        seated = SeatAssignment.objects.filter(session=session).count()
        unverified = sum(1 for s in scores if s.state == Score.State.ENTERED)
        if len(scores) < seated or unverified:
            raise DomainError(
                _("Every score of the session must be entered and verified before publishing."),
                code="not_verified",
            )
        if any(s.entered_by_id == getattr(by, "pk", None) for s in scores if s.state == Score.State.VERIFIED):
            raise DomainError(
                _("You entered scores of this session; another supervisor publishes it."), code="same_person"
            )
        now = timezone.now()
        todo = [s for s in scores if s.state == Score.State.VERIFIED]
        for score in todo:
            score.state, score.published_by, score.published_at = Score.State.PUBLISHED, by, now
            score.tag = score_tag(score)
        Score.objects.bulk_update(todo, ["state", "published_by", "published_at", "tag"])
        ScoreEvent.objects.bulk_create(
            ScoreEvent(score=s, action=ScoreEvent.Action.PUBLISH, value=s.value, absent=s.absent, by=by)
            for s in todo
        )
        record_many(by, "results.score.publish", todo, [{"session": session.pk} for _s in todo])
        return publish_results([s.application_id for s in scores], by=by)


def passes(score: Score, subject: ItemSubject) -> bool:
    """DOMAIN.md §9: at the catalog's pass mark; absent and cancelled subjects fail."""
    return (
        not score.absent
        and not score.cancelled
        and score.value is not None
        and score.value >= subject.pass_mark
    )


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def _original_exam_date(application: Application, exam_date: date) -> date:
    """A make-up counts validity from the original attempt (DOMAIN.md §10)."""
    if application.kind != Kind.MAKEUP:
        return exam_date
    earlier = (
        Result.objects.filter(
            application__person_id=application.person_id,
            application__occupation_id=application.occupation_id,
            application__work_type_id=application.work_type_id,
            application__level=application.level,
            application__kind=Kind.REGULAR,
            exam_date__lt=exam_date,
        )
        .order_by("-exam_date")
        .values_list("original_exam_date", flat=True)
        .first()
    )
    return earlier or exam_date


def publish_results(application_ids, *, by) -> int:
    """The result of each application whose scores are all published (and that has none yet)."""
    published = 0
    for application in Application.objects.filter(
        pk__in=set(application_ids), result__isnull=True
    ).select_related("item"):
        seats = list(SeatAssignment.objects.filter(application=application).select_related("session"))
        scores = {s.seat_id: s for s in Score.objects.filter(application=application)}
        if not seats or any(
            scores.get(seat.pk) is None or scores[seat.pk].state != Score.State.PUBLISHED for seat in seats
        ):
            continue
        subjects = _subjects(application.item_id)
        passed = all(passes(scores[seat.pk], subjects[seat.session.subject]) for seat in seats)
        exam_date = max(seat.session.date for seat in seats)
        original = _original_exam_date(application, exam_date)
        years = int(policy("results.validity_years", on=original)[str(application.level)])
        today = timezone.localdate()
        with transaction.atomic():
            result = Result(
                application=application,
                passed=passed,
                exam_date=exam_date,
                original_exam_date=original,
                published_at=timezone.now(),
                notice_until=today + timedelta(days=int(policy("results.notice_period_days", on=today))),
                valid_until=years_later(original, years),
            )
            result.tag = result_tag(result)
            result.save()
            with translation.override("zh-hans"):  # the reason goes into the Chinese history and notices
                sat_reason = _("Scores published")
                reason = _("Passed") if passed else _("Not passed")
            if application.status == Status.SCHEDULED:  # absent from every subject: never checked in
                mark_sat(application, by=by, reason=sat_reason)
            results_published(application, by=by, reason=reason, valid_until=result.valid_until)
            record(
                by, "results.result.publish", result, {"passed": passed, "valid_until": result.valid_until}
            )
        published += 1
    return published


# -- changes after publication -----------------------------------------------------------------------------


def request_change(score: Score, *, value: str, absent: bool, reason: str, by) -> ScoreChange:
    if score.state != Score.State.PUBLISHED:
        raise DomainError(_("Before publication a score is corrected in the grid."), code="not_published")
    if not reason.strip():
        raise DomainError(_("Give the reason for the change."), code="reason_required")
    subject = _subjects(score.application.item_id).get(score.subject)
    if subject is None:
        raise DomainError(_("The catalog has no such subject for this item."), code="no_subject")
    parsed = _parse(Entry(score.seat_id, value, absent), subject)
    with transaction.atomic():
        if ScoreChange.objects.filter(score=score, state=ScoreChange.State.PENDING).exists():
            raise DomainError(_("A change of this score is already waiting for approval."), code="pending")
        change = ScoreChange.objects.create(
            score=score, value=parsed, absent=parsed is None, reason=reason.strip(), requested_by=by
        )
        record(
            by,
            "results.score.change_request",
            change,
            {"score": score.pk, "value": str(parsed), "absent": parsed is None},
        )
    return change


def decide_change(change: ScoreChange, *, approve: bool, by, note: str = "") -> ScoreChange:
    """A different supervisor approves or refuses; an approved change rewrites the score (with its history
    and a new tag) and the result."""
    if change.requested_by_id == getattr(by, "pk", None):
        raise DomainError(
            _("A change is approved by a supervisor other than the one who asked."), code="same_person"
        )
    with transaction.atomic():
        change = ScoreChange.objects.select_for_update().get(pk=change.pk)
        if change.state != ScoreChange.State.PENDING:
            return change
        change.state = ScoreChange.State.APPROVED if approve else ScoreChange.State.REFUSED
        change.decided_by, change.decided_at, change.note = by, timezone.now(), note
        change.save(update_fields=["state", "decided_by", "decided_at", "note"])
        record(
            by, f"results.score.change_{change.state}", change, {"score": change.score_id, "note": note[:300]}
        )
        if approve:
            score = Score.objects.select_for_update().get(pk=change.score_id)
            score.value, score.absent = change.value, change.absent
            score.tag = score_tag(score)
            score.save(update_fields=["value", "absent", "tag"])
            ScoreEvent.objects.create(
                score=score,
                action=ScoreEvent.Action.CHANGE,
                value=score.value,
                absent=score.absent,
                by=by,
                reason=change.reason,
            )
            _recompute(score.application_id, by=by)
    return change


def _recompute(application_id: int, *, by) -> None:
    result = Result.objects.select_for_update().filter(application_id=application_id).first()
    if result is None:
        return
    application = result.application
    subjects = _subjects(application.item_id)
    seats = SeatAssignment.objects.filter(application=application).select_related("session", "score")
    passed = all(passes(seat.score, subjects[seat.session.subject]) for seat in seats)
    if passed != result.passed:
        result.passed = passed
        result.tag = result_tag(result)
        result.save(update_fields=["passed", "tag"])
        record(by, "results.result.recompute", result, {"passed": passed})


# -- review requests (复核) and closing ----------------------------------------------------------------------


def request_review(result: Result, *, subject: str, reason: str, by) -> ReviewRequest:
    today = timezone.localdate()
    if today > result.notice_until:
        raise DomainError(
            _("Reviews could be asked until %(date)s.") % {"date": result.notice_until}, code="window_closed"
        )
    if not reason.strip():
        raise DomainError(_("Say what should be reviewed."), code="reason_required")
    if not Score.objects.filter(application_id=result.application_id, subject=subject).exists():
        raise DomainError(_("This application has no such subject."), code="no_subject")
    with transaction.atomic():
        if ReviewRequest.objects.filter(
            result=result, subject=subject, state=ReviewRequest.State.OPEN
        ).exists():
            raise DomainError(_("A review of this subject is already open."), code="open")
        review = ReviewRequest.objects.create(
            result=result, subject=subject, reason=reason.strip(), requested_by=by
        )
        record(by, "results.review.request", review, {"subject": subject})
    return review


def answer_review(review: ReviewRequest, *, changed: bool, answer: str, by) -> ReviewRequest:
    """A person answers; a changed score goes through a change request (four eyes) of its own."""
    if not answer.strip():
        raise DomainError(_("Write the answer the candidate will read."), code="answer_required")
    with transaction.atomic():
        review = ReviewRequest.objects.select_for_update().get(pk=review.pk)
        if review.state != ReviewRequest.State.OPEN:
            return review
        review.state = ReviewRequest.State.CHANGED if changed else ReviewRequest.State.UPHELD
        review.answer, review.answered_by, review.answered_at = answer.strip(), by, timezone.now()
        review.save(update_fields=["state", "answer", "answered_by", "answered_at"])
        record(by, f"results.review.{review.state}", review, {"subject": review.subject})
    return review


def close_results(*, by, on: date | None = None) -> dict:
    """After the notice period, with no review open and no change waiting: a failed application is closed
    as failed (its passed subjects stay valid for a make-up); a passed one waits for its certificate."""
    on = on or timezone.localdate()
    due = (
        Result.objects.filter(closed_at__isnull=True, notice_until__lt=on)
        .exclude(reviews__state=ReviewRequest.State.OPEN)
        .exclude(application__scores__changes__state=ScoreChange.State.PENDING)
        .select_related("application")
        .distinct()
    )
    closed = {"failed": 0, "passed": 0}
    for result in due:
        with transaction.atomic():
            if not result.passed and result.application.status == Status.PUBLISHED:
                close_failed(result.application, by=by, reason=_("Notice period over"))
            Result.objects.filter(pk=result.pk).update(closed_at=timezone.now())
            record(by, "results.result.close", result, {"passed": result.passed})
        closed["passed" if result.passed else "failed"] += 1
    return closed


# -- deadlines and the staff board -------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    due: date | None
    problem: str = ""  # why it is unknown: the calendar year not loaded


def results_deadline(exam_date: date, *, marking: bool, calendar=None) -> Deadline:
    """DOMAIN.md §9: 20 working days after the last subject, 30 with marking or workpiece testing, on the
    official calendar; unknown, with the reason, when that calendar year is not loaded."""
    key = "results.deadline_working_days_marking" if marking else "results.deadline_working_days"
    try:
        days = int(policy(key, on=exam_date))
    except PolicyMissing as missing:
        return Deadline(None, f"{missing.key}: {missing.on} / 规则 {missing.key} 在 {missing.on} 无有效值")
    try:
        return Deadline((calendar or working_calendar()).add_working_days(exam_date, days))
    except CalendarNotLoaded as gap:
        return Deadline(None, gap.message_for("zh-hans") + " / " + gap.message_for("en"))


@dataclass
class BoardRow:
    session: ExamSession
    deadline: Deadline
    days_left: int | None  # working days; negative when overdue
    seated: int
    entered: int
    verified: int
    published: int


def board(*, on: date | None = None) -> list[BoardRow]:
    """Sessions held and not yet fully published, by working days left (overdue first, unknown last)."""
    on = on or timezone.localdate()
    calendar = working_calendar()
    sessions = (
        ExamSession.objects.filter(state=ExamSession.State.PUBLISHED, date__lte=on)
        .select_related("item__occupation", "item__work_type", "room__venue")
        .annotate(
            seated=Count("assignments", distinct=True),
            entered=Count("assignments__score", distinct=True),
            verified=Count(
                "assignments__score", filter=~Q(assignments__score__state=Score.State.ENTERED), distinct=True
            ),
            published=Count(
                "assignments__score", filter=Q(assignments__score__state=Score.State.PUBLISHED), distinct=True
            ),
        )
    )
    rows = []
    for s in sessions:
        if s.seated and s.published == s.seated:
            continue
        deadline = results_deadline(s.date, marking=s.item.occupation.marking_or_workpiece, calendar=calendar)
        left = None
        if deadline.due:
            try:
                left = calendar.working_days_between(on, deadline.due)
            except CalendarNotLoaded:  # today's year not loaded: the due date stands, the count is unknown
                left = None
        rows.append(BoardRow(s, deadline, left, s.seated, s.entered, s.verified, s.published))
    rows.sort(
        key=lambda r: (r.days_left is None, r.days_left if r.days_left is not None else 0, r.session.date)
    )
    return rows


# -- discipline (DOMAIN.md §12) ------------------------------------------------------------------------------


def cancel_subjects(application: Application, subjects, *, reason: str, decision: str, by) -> list[str]:
    """Cancel these subjects of the application: its scores (now or when entered) count as failed and show
    as cancelled; a published result is recomputed. Returns the subjects newly cancelled."""
    done = []
    with transaction.atomic():
        for subject in sorted(set(subjects)):
            if Cancellation.objects.filter(application=application, subject=subject, lifted_at=None).exists():
                continue
            Cancellation.objects.create(
                application=application, subject=subject, reason=reason[:300], decision=decision, by=by
            )
            for score in Score.objects.select_for_update().filter(application=application, subject=subject):
                _set_cancelled(score, True, reason=reason, by=by)
            done.append(subject)
        if done:
            _recompute(application.pk, by=by)
            record(by, "results.subject.cancel", application, {"subjects": done, "decision": decision})
    return done


def restore_subjects(application: Application, *, decision: str, by) -> list[str]:
    """An appeal overturned the decision: its cancellations are lifted and the scores count again."""
    with transaction.atomic():
        lifted = list(
            Cancellation.objects.select_for_update().filter(
                application=application, decision=decision, lifted_at=None
            )
        )
        for cancellation in lifted:
            cancellation.lifted_at = timezone.now()
            cancellation.save(update_fields=["lifted_at"])
            for score in Score.objects.select_for_update().filter(
                application=application, subject=cancellation.subject
            ):
                _set_cancelled(score, False, reason=_("Decision overturned on appeal"), by=by)
        if lifted:
            _recompute(application.pk, by=by)
            record(
                by,
                "results.subject.restore",
                application,
                {"subjects": [c.subject for c in lifted], "decision": decision},
            )
    return [c.subject for c in lifted]


def _set_cancelled(score: Score, cancelled: bool, *, reason: str, by) -> None:
    score.cancelled = cancelled
    if score.state == Score.State.PUBLISHED:
        score.tag = score_tag(score)
    score.save(update_fields=["cancelled", "tag"])
    action = ScoreEvent.Action.CANCEL if cancelled else ScoreEvent.Action.RESTORE
    ScoreEvent.objects.create(
        score=score, action=action, value=score.value, absent=score.absent, by=by, reason=reason
    )
