"""Background jobs of planning (issue 6 "Long work"): plan a month, publish it, draw all its tickets.

They take ids and plain values, call the services, and report progress on the plan's page."""

from datetime import date

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django_tasks import task

from skilleval.core.context import acting_as
from skilleval.core.errors import DomainError
from skilleval.jobs.services import Progress, start_job
from skilleval.scheduling.models import MonthPlan, Ticket
from skilleval.scheduling.services import plan_month, publish_plan
from skilleval.scheduling.tickets import generate_tickets


def _user(user_id):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def _steps(progress: Progress):
    """A fraction-done callback for services that report in fractions."""

    def report(fraction: float) -> None:
        progress.advance(max(0, int(fraction * progress.total) - progress.done))

    return report


@task(takes_context=True)
def plan_month_job(context, year: int, month: int, earliest: str | None, user_id: int | None) -> dict:
    with (
        Progress(context, total=100, label="planning") as progress,
        acting_as(channel="job", user_id=user_id),
    ):
        plan = plan_month(
            year,
            month,
            by=_user(user_id),
            earliest=date.fromisoformat(earliest) if earliest else None,
            progress=_steps(progress),
        )
        return plan.summary


@task(takes_context=True)
def publish_plan_job(context, plan_id: int, user_id: int | None) -> dict:
    """Publish, then draw every ticket in the same job, so the plan's page follows one progress bar."""
    by = _user(user_id)
    with (
        Progress(context, total=100, label="publishing") as progress,
        acting_as(channel="job", user_id=user_id),
    ):
        report = _steps(progress)
        summary = publish_plan(MonthPlan.objects.get(pk=plan_id), by=by, progress=lambda f: report(f * 0.5))
        ids = _ticket_ids(plan_id)
        drawn = [0]

        def advance():
            drawn[0] += 1
            report(0.5 + 0.5 * drawn[0] / max(1, len(ids)))

        generate_tickets(ids, advance=advance)
    return summary


def _ticket_ids(plan_id: int) -> list[int]:
    return list(
        Ticket.objects.filter(application__seats__session__plan_id=plan_id)
        .distinct()
        .values_list("pk", flat=True)
    )


@task(takes_context=True)
def generate_tickets_job(context, plan_id: int, user_id: int | None) -> dict:
    ids = list(
        Ticket.objects.filter(application__seats__session__plan_id=plan_id)
        .distinct()
        .values_list("pk", flat=True)
    )
    with (
        Progress(context, total=len(ids), label="tickets") as progress,
        acting_as(channel="job", user_id=user_id),
    ):
        return {"tickets": generate_tickets(ids, advance=progress.advance)}


def _start(plan: MonthPlan, task_, *args, label: str, by):
    progress = start_job(task_, *args, getattr(by, "pk", None), label=label, by=by)
    MonthPlan.objects.filter(pk=plan.pk).update(job=progress)
    return progress


def start_planning(year: int, month: int, *, by, earliest: date | None = None):
    """Create (or reuse) the month's plan row and plan it in the background; returns the plan."""
    plan, _created = MonthPlan.objects.get_or_create(year=year, month=month, defaults={"created_by": by})
    if plan.state == MonthPlan.State.PUBLISHED:
        raise DomainError(_("This month's plan is published; adjust its sessions instead."), code="published")
    _start(
        plan, plan_month_job, year, month, earliest.isoformat() if earliest else None, label="planning", by=by
    )
    plan.refresh_from_db()
    return plan


def start_publishing(plan: MonthPlan, *, by):
    return _start(plan, publish_plan_job, plan.pk, label="publishing", by=by)


def start_tickets(plan: MonthPlan, *, by):
    return _start(plan, generate_tickets_job, plan.pk, label="tickets", by=by)
