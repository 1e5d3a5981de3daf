"""Planning a month, seats and staff (issue 6, DOMAIN.md §5): every change here is a named step with its
audit row.

Seats. Two clerks, or a planning job and a clerk, may want the last seat of a session at the same moment:
the session row is locked for the assignment, so exactly one gets it and the others get a clean "full". A
lock that cannot be had within a few seconds also answers "busy, try again" rather than hanging.

Planning. `plan_month` reads the ready candidates of each cohort (catalog item; application month, with the
earlier months' deferred candidates merged in), defers a cohort under the minimum (policy
cohort.minimum_size), and hands the rest to the pure planner (planner.py), then writes its sessions and
seats as a draft. Staff adjust the draft (move a sitting to another day, a session to another room, a
candidate to another session, staff on and off) and publish it: that schedules the seated candidates,
issues their tickets and tells the deferred ones.
"""

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skilleval.accounts.roles import Role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel
from skilleval.applications.services import move_many, schedule, status_messages
from skilleval.audit.services import record
from skilleval.catalog.models import CatalogItem, ItemSubject
from skilleval.core.errors import DomainError
from skilleval.dbtools import insert_dicts
from skilleval.notifications.services import notify_many
from skilleval.organization.models import EvaluationCycle
from skilleval.organization.policy import policy
from skilleval.scheduling import planner
from skilleval.scheduling.models import (
    Cohort,
    ExamSession,
    MonthPlan,
    Room,
    SeatAssignment,
    StaffAssignment,
)
from skilleval.scheduling.tickets import issue_tickets
from skilleval.workdays.arithmetic import CalendarNotLoaded
from skilleval.workdays.services import working_calendar

LOCK_TIMEOUT = "5s"


def _full() -> DomainError:
    return DomainError(_("This session is full."), code="full")


def _lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


# -- seats ---------------------------------------------------------------------------------------------------


def assign_seat(session: ExamSession, application: Application, *, by) -> SeatAssignment:
    """A seat for a paid (or already scheduled) application of this session's item; idempotent.

    In a published session the candidate is scheduled at once (and gets a ticket); in a draft one, when the
    plan is published."""
    if application.item_id != session.item_id:
        raise DomainError(_("The application is for another item."), code="wrong_item")
    if application.status not in (Status.PAID, Status.SCHEDULED):
        raise DomainError(_("Only a paid application can be given a seat."), code="not_paid")
    try:
        with transaction.atomic():
            _lock_timeout()
            locked = ExamSession.objects.select_for_update().get(pk=session.pk)
            existing = SeatAssignment.objects.filter(session=locked, application=application).first()
            if existing is not None:
                return existing
            if SeatAssignment.objects.filter(
                application=application, session__subject=locked.subject
            ).exists():
                raise DomainError(
                    _("The candidate already has a seat for this subject; move it instead."), code="seated"
                )
            _check_same_day(application, locked.date)
            seat = SeatAssignment.objects.create(
                session=locked, application=application, seat_number=_free_seat(locked), assigned_by=by
            )
            if application.status == Status.PAID and locked.state == ExamSession.State.PUBLISHED:
                schedule(application, by=by, reason=str(locked))
                issue_tickets([application.pk])
            record(
                by,
                "scheduling.seat.assign",
                seat,
                {"application": application.number, "seat": seat.seat_number},
            )
            return seat
    except OperationalError as exc:  # the lock wait timed out
        raise DomainError(_("The session is busy; try again."), code="busy") from exc
    except IntegrityError as exc:  # the database's seat rules, should the lock ever be bypassed
        raise _full() from exc


def _free_seat(locked: ExamSession) -> int:
    taken = set(SeatAssignment.objects.filter(session=locked).values_list("seat_number", flat=True))
    free = next((n for n in range(1, locked.seats + 1) if n not in taken), None)
    if free is None:
        raise _full()
    return free


def _check_same_day(application: Application, day: date, *, leaving: SeatAssignment | None = None) -> None:
    """DOMAIN.md §5: theory and practical of one candidate fall on the same day."""
    others = SeatAssignment.objects.filter(application=application)
    if leaving is not None:
        others = others.exclude(pk=leaving.pk)
    if others.exclude(session__date=day).exists():
        raise DomainError(
            _("The candidate's other subject is on another day; theory and practical fall on the same day."),
            code="same_day",
        )


def move_seat(seat: SeatAssignment, to: ExamSession, *, by) -> SeatAssignment:
    """Move a candidate to another session of the same item and subject (another room, or the same day's
    other sitting); both sessions are locked, in id order so two opposite moves cannot deadlock."""
    if to.pk == seat.session_id:
        return seat
    try:
        with transaction.atomic():
            _lock_timeout()
            locked = {
                s.pk: s
                for s in ExamSession.objects.select_for_update()
                .filter(pk__in=[seat.session_id, to.pk])
                .order_by("pk")
            }
            target = locked[to.pk]
            seat = SeatAssignment.objects.select_for_update().select_related("application").get(pk=seat.pk)
            source = locked[seat.session_id]
            if (target.item_id, target.subject) != (source.item_id, source.subject):
                raise DomainError(
                    _("A seat moves only to a session of the same item and subject."), code="wrong_item"
                )
            if seat.present is not None:
                raise DomainError(_("Attendance is already marked; the seat cannot move."), code="attended")
            _check_same_day(seat.application, target.date, leaving=seat)
            before = {"session": source.pk, "seat": seat.seat_number}
            seat.session, seat.seat_number = target, _free_seat(target)
            seat.save(update_fields=["session", "seat_number"])
            if target.state == ExamSession.State.PUBLISHED:
                _tell_changed(SeatAssignment.objects.filter(pk=seat.pk), by=by)
            record(
                by,
                "scheduling.seat.move",
                seat,
                {"from": before, "to": {"session": target.pk, "seat": seat.seat_number}},
            )
            return seat
    except OperationalError as exc:
        raise DomainError(_("The session is busy; try again."), code="busy") from exc
    except IntegrityError as exc:
        raise _full() from exc


# -- staff ---------------------------------------------------------------------------------------------------


def staff_needed(subject: ItemSubject, seated: int) -> int:
    """The catalog's ratio (DOMAIN.md §2): one per `candidates_per_staff`, at least `min_staff`, odd when the
    subject asks for an odd number of examiners."""
    needed = max(subject.min_staff, math.ceil(seated / subject.candidates_per_staff)) if seated else 0
    if needed and subject.odd_staff and needed % 2 == 0:
        needed += 1
    return needed


def staffing(sessions) -> dict[int, tuple[int, int]]:
    """{session id: (needed, assigned)} for the given sessions, in three queries whatever their number."""
    sessions = list(sessions)
    seated = dict(
        SeatAssignment.objects.filter(session__in=sessions).values_list("session").annotate(n=Count("pk"))
    )
    staffed = dict(
        StaffAssignment.objects.filter(session__in=sessions).values_list("session").annotate(n=Count("pk"))
    )
    subjects = {
        (s.item_id, s.kind): s for s in ItemSubject.objects.filter(item__in={s.item_id for s in sessions})
    }
    out = {}
    for session in sessions:
        subject = subjects.get((session.item_id, session.subject))
        needed = staff_needed(subject, seated.get(session.pk, 0)) if subject else 0
        out[session.pk] = (needed, staffed.get(session.pk, 0))
    return out


def _overlapping(day: date, starts: time, ends: time):
    return Q(date=day, starts_at__lt=ends, ends_at__gt=starts)


def assign_staff(session: ExamSession, user, *, by) -> StaffAssignment:
    """Put an invigilator or examiner on a session; nobody is in two rooms at once."""
    if not user.groups.filter(name=Role.EXAMINER).exists():
        raise DomainError(_("Only an invigilator or examiner can be put on a session."), code="not_examiner")
    with transaction.atomic():
        existing = StaffAssignment.objects.filter(session=session, user=user).first()
        if existing:
            return existing
        clash = (
            ExamSession.objects.filter(
                _overlapping(session.date, session.starts_at, session.ends_at), staff__user=user
            )
            .exclude(pk=session.pk)
            .first()
        )
        if clash is not None:
            raise DomainError(
                _("%(name)s is already on %(session)s at that time.")
                % {"name": user.get_username(), "session": clash},
                code="staff_busy",
            )
        duty = StaffAssignment.objects.create(session=session, user=user, assigned_by=by)
        record(by, "scheduling.staff.assign", duty, {"session": session.pk, "user": user.pk})
        return duty


def remove_staff(duty: StaffAssignment, *, by) -> None:
    with transaction.atomic():
        record(by, "scheduling.staff.remove", duty, {"session": duty.session_id, "user": duty.user_id})
        duty.delete()


def fill_staff(plan: "MonthPlan", *, by) -> int:
    """Put examiners on every short session of the plan, the least busy first, never two places at once.
    Returns how many were assigned; a session still short stays a conflict on the plan page."""
    from django.contrib.auth import get_user_model

    pool = list(get_user_model().objects.filter(groups__name=Role.EXAMINER, is_active=True).order_by("pk"))
    if not pool:
        return 0
    sessions = list(plan.sessions.order_by("date", "starts_at", "pk"))
    load = defaultdict(int)
    busy: dict[int, list[tuple[date, time, time]]] = defaultdict(list)
    for user_id, day, starts, ends in StaffAssignment.objects.filter(
        session__date__in={s.date for s in sessions}
    ).values_list("user_id", "session__date", "session__starts_at", "session__ends_at"):
        busy[user_id].append((day, starts, ends))
        load[user_id] += 1
    added = []
    counts = staffing(sessions)
    on_session = defaultdict(set)
    for session_id, user_id in StaffAssignment.objects.filter(session__in=sessions).values_list(
        "session", "user"
    ):
        on_session[session_id].add(user_id)
    with transaction.atomic():
        for session in sessions:
            needed, have = counts[session.pk]
            on = on_session[session.pk]
            for user in sorted(pool, key=lambda u: (load[u.pk], u.pk)):
                if have >= needed:
                    break
                if user.pk in on or any(
                    d == session.date and s < session.ends_at and e > session.starts_at
                    for d, s, e in busy[user.pk]
                ):
                    continue
                added.append(StaffAssignment(session=session, user=user, assigned_by=by))
                busy[user.pk].append((session.date, session.starts_at, session.ends_at))
                load[user.pk] += 1
                have += 1
        StaffAssignment.objects.bulk_create(added)
        record(by, "scheduling.staff.fill", plan, {"assigned": len(added)})
    return len(added)


# -- the month plan ----------------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def default_earliest(deadline: date | None, *, today: date | None = None) -> date:
    """No session before tickets can be out for their full window (policy ticket.download_days_before),
    nor before the month in which the cohort is due."""
    today = today or timezone.localdate()
    lead = today + timedelta(days=int(policy("ticket.download_days_before", on=today)) + 1)
    return max(lead, deadline.replace(day=1)) if deadline else lead


def _day_starts(on: date) -> list[time]:
    return sorted(time.fromisoformat(t) for t in policy("planning.day_starts", on=on))


def _ready_candidates(year: int, month: int):
    """Paid applications of this month or earlier (the deferred ones merge in), with no seat anywhere."""
    month_end = timezone.make_aware(datetime.combine(_month_end(year, month) + timedelta(days=1), time.min))
    return (
        Application.objects.filter(status=Status.PAID, submitted_at__lt=month_end)
        .exclude(seats__isnull=False)
        .order_by()
    )


def plan_month(year: int, month: int, *, by, earliest: date | None = None, progress=None) -> MonthPlan:
    """Propose the sessions and seats of one application month's cohorts (DOMAIN.md §5) as a draft.

    Planning again replaces the draft; a published plan is adjusted by hand, not planned again."""
    cycle = EvaluationCycle.objects.filter(year=year, month=month).first()
    deadline = cycle.evaluate_by if cycle else None
    on = deadline or date(year, month, 1)
    minimum = int(policy("cohort.minimum_size", on=on))
    day_starts = _day_starts(on)
    earliest = earliest or default_earliest(deadline)
    with transaction.atomic():
        plan, _created = MonthPlan.objects.select_for_update().get_or_create(
            year=year, month=month, defaults={"earliest": earliest, "deadline": deadline, "created_by": by}
        )
        if plan.state == MonthPlan.State.PUBLISHED:
            raise DomainError(
                _("This month's plan is published; adjust its sessions instead."), code="published"
            )
        _clear_draft(plan)
        plan.earliest, plan.deadline, plan.created_by = earliest, deadline, by

        ready, waiting, months = defaultdict(list), defaultdict(int), defaultdict(set)
        needs: dict[int, dict[int, frozenset[str]]] = defaultdict(dict)
        rows = _ready_candidates(year, month).values_list(
            "pk",
            "item_id",
            "channel",
            "data_confirmed_at",
            "submitted_at",
            "institution_id",
            "number",
            "retake_subjects",
        )
        for pk, item_id, channel, confirmed, submitted, institution_id, number, retake in rows:
            if retake:  # a make-up sits with the regular cohort, in its retaken subjects only
                needs[item_id][pk] = frozenset(retake)
            local = timezone.localtime(submitted)
            months[item_id].add(f"{local.year}-{local.month:02d}")
            if channel == Channel.GROUP and not confirmed:
                waiting[item_id] += 1
                continue
            ready[item_id].append((institution_id or 0, number, pk))
        if progress:
            progress(0.2)

        subjects = defaultdict(list)
        for s in ItemSubject.objects.filter(item__in=set(months)).order_by("item", "kind"):
            subjects[s.item_id].append(planner.SubjectSpec(s.kind, s.duration_minutes))
        specs, cohorts = [], {}
        for item_id in sorted(months):
            people = [pk for *_key, pk in sorted(ready[item_id])]  # an institution's students sit together
            outcome = Cohort.Outcome.PLANNED if len(people) >= minimum else Cohort.Outcome.DEFERRED
            cohorts[item_id] = Cohort(
                plan=plan,
                item_id=item_id,
                months=sorted(months[item_id]),
                ready=len(people),
                waiting=waiting[item_id],
                outcome=outcome,
                detail={"minimum": minimum} if outcome == Cohort.Outcome.DEFERRED else {},
            )
            if outcome == Cohort.Outcome.PLANNED:
                specs.append(
                    planner.CohortSpec(item_id, people, subjects[item_id], deadline, earliest, needs[item_id])
                )

        rooms = [planner.RoomSpec(r.pk, r.kind, r.capacity) for r in Room.objects.all()]
        window_end = deadline or earliest
        busy = ExamSession.objects.filter(date__gte=earliest, date__lte=window_end).exclude(plan=plan)
        results = planner.plan(
            specs,
            rooms,
            day_starts=day_starts,
            working_days=_working_days(),
            busy=busy.values_list("room_id", "date", "starts_at"),
        )
        if progress:
            progress(0.5)
        _write_sessions(plan, results, rooms)
        for result in results:
            cohort = cohorts[result.key]
            cohort.placed = result.placed
            if result.problem:
                cohort.outcome, cohort.problem, cohort.detail = (
                    Cohort.Outcome.CONFLICT,
                    result.problem,
                    result.detail,
                )
        Cohort.objects.bulk_create(cohorts.values())
        plan.summary = {
            "cohorts": len(cohorts),
            "ready": sum(c.ready for c in cohorts.values()),
            "placed": sum(c.placed for c in cohorts.values()),
            "deferred": sum(c.ready for c in cohorts.values() if c.outcome == Cohort.Outcome.DEFERRED),
            "waiting": sum(waiting.values()),
            "conflicts": sum(1 for c in cohorts.values() if c.outcome == Cohort.Outcome.CONFLICT),
            "sessions": plan.sessions.count(),
        }
        plan.save()
        record(by, "scheduling.plan.propose", plan, plan.summary)
    return plan


def _working_days():
    calendar = working_calendar()

    def days(first: date, last: date) -> list[date]:
        out, day = [], first
        try:
            while day <= last:
                if calendar.is_working_day(day):
                    out.append(day)
                day += timedelta(days=1)
        except CalendarNotLoaded as gap:
            raise planner.CalendarGap(gap.year) from None
        return out

    return days


def _clear_draft(plan: MonthPlan) -> None:
    sessions = plan.sessions.all()
    SeatAssignment.objects.filter(session__in=sessions).delete()
    StaffAssignment.objects.filter(session__in=sessions).delete()
    sessions.delete()
    plan.cohorts.all().delete()


def _write_sessions(plan: MonthPlan, results, rooms) -> None:
    capacity = {r.id: r.capacity for r in rooms}
    proposals = [p for result in results for p in result.sessions]
    created = ExamSession.objects.bulk_create(
        [
            ExamSession(
                plan=plan,
                item_id=result.key,
                subject=p.subject,
                room_id=p.room,
                date=p.date,
                starts_at=p.starts,
                ends_at=p.ends,
                seats=capacity[p.room],
            )
            for result in results
            for p in result.sessions
        ],
        batch_size=1000,
    )
    if created and created[0].pk is None:  # a backend that does not return keys
        created = list(plan.sessions.order_by("pk"))
    insert_dicts(
        SeatAssignment,
        (
            {"session_id": session.pk, "application_id": application_id, "seat_number": n}
            for session, p in zip(created, proposals, strict=True)
            for n, application_id in enumerate(p.candidates, start=1)
        ),
    )


def move_sitting(plan: MonthPlan, item: CatalogItem, day: date, to: date, *, by) -> int:
    """Move all of an item's sessions of one day in the plan to another day, keeping rooms and times, so
    every candidate still sits both subjects on one day. Refused after the deadline, on a non-working day, in
    a room taken then, or once attendance is marked."""
    if plan.deadline and to > plan.deadline:
        raise DomainError(
            _("%(day)s is after the cohort's deadline %(deadline)s.")
            % {"day": to, "deadline": plan.deadline},
            code="after_deadline",
        )
    try:
        working = working_calendar().is_working_day(to)
    except CalendarNotLoaded as gap:
        raise DomainError(
            gap.message_for(translation.get_language() or "zh-hans"), code="calendar_missing"
        ) from None
    if not working:
        raise DomainError(_("%(day)s is not a working day.") % {"day": to}, code="not_working_day")
    with transaction.atomic():
        sessions = list(plan.sessions.select_for_update().filter(item=item, date=day))
        if not sessions:
            raise DomainError(_("No session of this item on that day."), code="no_sessions")
        ids = [s.pk for s in sessions]
        if SeatAssignment.objects.filter(session__in=ids, present__isnull=False).exists():
            raise DomainError(_("Attendance is already marked; the sitting cannot move."), code="attended")
        for s in sessions:
            clash = ExamSession.objects.filter(_overlapping(to, s.starts_at, s.ends_at), room=s.room).exclude(
                pk__in=ids
            )
            if clash.exists():
                raise DomainError(_("%(room)s is taken at that time.") % {"room": s.room}, code="room_taken")
        ExamSession.objects.filter(pk__in=ids).update(date=to)
        if any(s.state == ExamSession.State.PUBLISHED for s in sessions):
            _tell_changed(SeatAssignment.objects.filter(session__in=ids), by=by)
        record(
            by,
            "scheduling.sitting.move",
            plan,
            {"item": item.pk, "from": day.isoformat(), "to": to.isoformat(), "sessions": ids},
        )
    return len(sessions)


def change_room(session: ExamSession, room: Room, *, by) -> ExamSession:
    """Move a session to another room of its kind, free at that time and large enough for its seats."""
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session.pk)
        if room.kind != session.subject:
            raise DomainError(
                _("%(room)s is not a room for this subject.") % {"room": room}, code="room_kind"
            )
        seated = session.assignments.count()
        highest = max(session.assignments.values_list("seat_number", flat=True), default=0)
        if room.capacity < max(seated, highest):
            raise DomainError(
                _("%(room)s has %(capacity)s seats; the session needs %(seated)s.")
                % {"room": room, "capacity": room.capacity, "seated": max(seated, highest)},
                code="room_small",
            )
        if (
            ExamSession.objects.filter(
                _overlapping(session.date, session.starts_at, session.ends_at), room=room
            )
            .exclude(pk=session.pk)
            .exists()
        ):
            raise DomainError(_("%(room)s is taken at that time.") % {"room": room}, code="room_taken")
        before = session.room_id
        session.room, session.seats = room, room.capacity
        session.save(update_fields=["room", "seats"])
        record(by, "scheduling.session.room", session, {"from": before, "to": room.pk})
        if session.state == ExamSession.State.PUBLISHED:
            _tell_changed(session.assignments.all(), by=by)
    return session


def plan_conflicts(plan: MonthPlan) -> list[dict]:
    """What stands in the way of this plan, for the page: cohorts that could not be placed, sessions after
    the deadline or short of staff. Codes and numbers; the page words them."""
    out = [
        {"kind": "cohort", "cohort": c, "problem": c.problem, "detail": c.detail}
        for c in plan.cohorts.filter(outcome=Cohort.Outcome.CONFLICT).select_related(
            "item__occupation", "item__work_type"
        )
    ]
    sessions = list(plan.sessions.select_related("room__venue", "item__occupation", "item__work_type"))
    for session in sessions:
        if plan.deadline and session.date > plan.deadline:
            out.append({"kind": "session", "session": session, "problem": "after_deadline", "detail": {}})
    by_id = {s.pk: s for s in sessions}
    for session_id, (needed, have) in staffing(sessions).items():
        if have < needed:
            session = by_id[session_id]
            out.append(
                {
                    "kind": "session",
                    "session": session,
                    "problem": "short_staff",
                    "detail": {"needed": needed, "have": have},
                }
            )
    return out


def publish_plan(plan: MonthPlan, *, by, progress=None) -> dict:
    """Publish: sessions become public, the seated candidates are scheduled (with the lifecycle's guards) and
    get their ticket numbers, deferred candidates are told. Refused while a session is short of staff."""
    with transaction.atomic():
        plan = MonthPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.state == MonthPlan.State.PUBLISHED:
            return plan.summary
        short = [sid for sid, (needed, have) in staffing(plan.sessions.all()).items() if have < needed]
        if short:
            raise DomainError(
                _("%(count)s sessions are short of invigilators or examiners; assign staff first.")
                % {"count": len(short)},
                code="short_staff",
            )
        seated = list(
            SeatAssignment.objects.filter(session__plan=plan, application__status=Status.PAID)
            .values_list("application_id", flat=True)
            .distinct()
        )
        plan.sessions.update(state=ExamSession.State.PUBLISHED)
        with translation.override("zh-hans"):  # the reason goes into Chinese notices and the history
            reason = _("Exam sessions published; the admission ticket is on your application page.")
        scheduled = move_many(seated, Status.SCHEDULED, by=by, reason=reason)
        if progress:
            progress(0.6)
        issued = issue_tickets(scheduled)
        told = _tell_deferred(plan, by=by)
        plan.state, plan.published_at = MonthPlan.State.PUBLISHED, timezone.now()
        plan.summary = {**plan.summary, "scheduled": len(scheduled), "tickets": issued, "told_deferred": told}
        plan.save(update_fields=["state", "published_at", "summary"])
        record(by, "scheduling.plan.publish", plan, plan.summary)
    return plan.summary


def _tell_deferred(plan: MonthPlan, *, by) -> int:
    """DOMAIN.md §5: a deferred candidate is told their cohort moves to next month."""
    deferred_items = list(
        plan.cohorts.filter(outcome=Cohort.Outcome.DEFERRED).values_list("item_id", flat=True)
    )
    if not deferred_items:
        return 0
    applications = list(
        _ready_candidates(plan.year, plan.month)
        .filter(item__in=deferred_items)
        .select_related("person", "institution", "item__occupation", "item__work_type")
    )
    minimum = policy("cohort.minimum_size", on=plan.deadline or date(plan.year, plan.month, 1))
    messages = []
    for application in applications:
        with translation.override("zh-hans"):
            text = _(
                "Fewer than %(minimum)s candidates are ready for %(item)s this month; your evaluation "
                "moves to next month's cohort. Nothing needs to be done."
            ) % {"minimum": minimum, "item": application.item}
        messages.extend(
            {
                **m,
                "topic": "scheduling.deferred",
                "target_type": "applications.application",
                "target_id": str(application.pk),
            }
            for m in status_messages(application, text=text)
        )
    notify_many(messages)
    if applications:
        record(by, "scheduling.plan.deferred_told", plan, {"applications": len(applications)})
    return len(applications)


def _tell_changed(seats, *, by) -> int:
    """After publishing, a change of day, room or seat is told to the candidates it moves; their ticket is
    drawn anew at the next download (its fingerprint changed)."""
    applications = Application.objects.filter(
        pk__in=seats.values("application_id"), status__in=(Status.SCHEDULED, Status.PAID)
    ).select_related("person", "institution", "item__occupation", "item__work_type")
    messages = []
    for application in applications:
        with translation.override("zh-hans"):
            text = _(
                "The date, room or seat of your exam for %(item)s has changed; download your admission "
                "ticket again from your application page."
            ) % {"item": application.item}
        messages.extend(
            {
                **m,
                "topic": "scheduling.changed",
                "target_type": "applications.application",
                "target_id": str(application.pk),
            }
            for m in status_messages(application, text=text)
        )
    return notify_many(messages)
