"""Planning a month (issue 6, DOMAIN.md §5, §7, §8): the month plans, one plan's cohorts, conflicts and
sessions, one session's seats and staff, and the exam room's papers.

Schedulers change things, supervisors may read. Every change is one call of a scheduling service (which
writes the audit row) or one background job; a refusal comes back as a message on the page it came from.
"""

from collections import defaultdict
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from skilleval.accounts.access import has_any_role, role_required
from skilleval.accounts.roles import Role
from skilleval.catalog.models import CatalogItem, SubjectKind
from skilleval.core.errors import DomainError
from skilleval.jobs.models import JobProgress
from skilleval.scheduling.models import (
    Cohort,
    MonthPlan,
    StaffAssignment,
    Venue,
)
from skilleval.scheduling.services import (
    fill_staff,
    move_sitting,
    plan_conflicts,
    staffing,
)
from skilleval.scheduling.tasks import start_planning, start_publishing, start_tickets

SCHEDULERS = (Role.SCHEDULER,)
READERS = (Role.SCHEDULER, Role.SUPERVISOR)
# A job that has not reported for this long is taken as dead (a worker restarted), not as still running,
# so it does not lock the plan's actions for good.
STALE_AFTER = timedelta(minutes=15)
JOB_LABELS = {
    "planning": gettext_lazy("Planning"),
    "publishing": gettext_lazy("Publishing"),
    "tickets": gettext_lazy("Drawing the admission tickets"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- forms ------------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class PlanningForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=gettext_lazy("Application month"), choices=[(m, m) for m in range(1, 13)], coerce=int
    )
    earliest = forms.DateField(label=gettext_lazy("No session before"), required=False, widget=DateInput)


class PlanAgainForm(forms.Form):
    earliest = forms.DateField(label=gettext_lazy("No session before"), required=False, widget=DateInput)


class MoveSittingForm(forms.Form):
    """A sitting is one item's sessions of one day: they move together, so theory and practical stay on
    one day (DOMAIN.md §5)."""

    sitting = forms.ChoiceField(label=gettext_lazy("Sitting"))
    to = forms.DateField(label=gettext_lazy("Move to"), widget=DateInput)

    def __init__(self, plan: MonthPlan, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {
            item.pk: item
            for item in CatalogItem.objects.filter(sessions__plan=plan)
            .select_related("occupation", "work_type")
            .distinct()
        }
        pairs = plan.sessions.order_by("date", "item_id").values_list("date", "item_id").distinct()
        self.fields["sitting"].choices = [
            (f"{item_id}:{day.isoformat()}", f"{day:%Y-%m-%d} · {self.items[item_id]}")
            for day, item_id in pairs
        ]

    def sitting_parts(self):
        item_id, day = self.cleaned_data["sitting"].split(":")
        return self.items[int(item_id)], date.fromisoformat(day)


# -- reading helpers --------------------------------------------------------------------------------------


def _plan(year: int, month: int) -> MonthPlan:
    return get_object_or_404(MonthPlan.objects.select_related("job"), year=year, month=month)


def _plan_url(plan: MonthPlan) -> str:
    return reverse("planning-plan", args=[plan.year, plan.month])


def _busy(plan: MonthPlan) -> bool:
    """The plan's last job is still at work: its actions wait, so a second job does not start on top."""
    job = plan.job
    return (
        job is not None
        and job.state in (JobProgress.State.QUEUED, JobProgress.State.RUNNING)
        and job.updated_at > timezone.now() - STALE_AFTER
    )


def _refuse_while_busy(request, plan: MonthPlan) -> bool:
    if _busy(plan):
        messages.error(request, _("A job is still at work on this plan; wait until it has finished."))
        return True
    return False


def _say_errors(request, form: forms.Form) -> None:
    for error in (e for errors in form.errors.values() for e in errors):
        messages.error(request, error)


def _short_sessions(plan: MonthPlan) -> int:
    return sum(1 for needed, have in staffing(plan.sessions.all()).values() if have < needed)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _kinds(kinds) -> str:
    return "、".join(str(SubjectKind(k).label) if k in SubjectKind.values else k for k in kinds)


def cohort_problem(cohort: Cohort) -> str:
    """The reason a cohort was not (fully) placed, in a sentence that says what to do about it."""
    detail = cohort.detail or {}
    if cohort.outcome == Cohort.Outcome.DEFERRED:
        return _(
            "Fewer than %(minimum)s ready candidates: the cohort moves to next month and merges with it."
        ) % {"minimum": detail.get("minimum", "?")}
    problem = cohort.problem
    if problem == "no_deadline":
        return _("No evaluation deadline for this application month: add it under Evaluation cycles.")
    if problem == "calendar_missing":
        return _("The calendar of %(year)s is not loaded: load it under Working-day calendar.") % {
            "year": detail.get("year", "?")
        }
    if problem == "no_working_day":
        return _(
            "No working day between %(from)s and %(to)s: choose an earlier “no session before” date."
        ) % {"from": detail.get("from", "?"), "to": detail.get("to", "?")}
    if problem == "no_room_kind":
        return _("No room for %(kinds)s: add one under Venues and rooms.") % {
            "kinds": _kinds(detail.get("kinds", []))
        }
    if problem == "no_room":
        left = int(detail.get("left", 0))
        return ngettext(
            "%(left)s candidate could not be placed before %(deadline)s: add rooms or sessions.",
            "%(left)s candidates could not be placed before %(deadline)s: add rooms or sessions.",
            left,
        ) % {"left": left, "deadline": detail.get("deadline", "?")}
    if problem == "too_long":
        if "minutes" in detail:
            return _(
                "%(subject)s takes %(minutes)s minutes, longer than the time between two sittings: "
                "change the day's sitting times (policy planning.day_starts)."
            ) % {"subject": _kinds([detail.get("kind", "")]), "minutes": detail["minutes"]}
        return _(
            "The item has %(subjects)s subjects but a day has %(sittings)s sittings: add a sitting time "
            "(policy planning.day_starts)."
        ) % {"subjects": detail.get("subjects", "?"), "sittings": detail.get("sittings", "?")}
    if problem:
        return _("Not placed (%(code)s).") % {"code": problem}
    return ""


def session_problem(problem: str, detail: dict, plan: MonthPlan) -> str:
    if problem == "after_deadline":
        return _("After the deadline %(deadline)s: move this sitting to an earlier day.") % {
            "deadline": plan.deadline
        }
    if problem == "short_staff":
        return _("%(have)s of %(needed)s invigilators or examiners assigned: add staff.") % detail
    return problem


def _fix_link(problem: str) -> tuple[str, str] | None:
    """Where a cohort's problem is fixed, for a link next to the sentence."""
    links = {
        "no_deadline": ("admin:organization_evaluationcycle_changelist", _("Evaluation cycles")),
        "calendar_missing": ("admin:workdays_calendaryear_changelist", _("Working-day calendar")),
        "no_room_kind": ("admin:scheduling_venue_changelist", _("Venues and rooms")),
        "no_room": ("admin:scheduling_venue_changelist", _("Venues and rooms")),
    }
    if problem not in links:
        return None
    name, label = links[problem]
    return reverse(name), label


def _conflicts(plan: MonthPlan) -> list[dict]:
    out = []
    for conflict in plan_conflicts(plan):
        if conflict["kind"] == "cohort":
            cohort = conflict["cohort"]
            out.append({"cohort": cohort, "text": cohort_problem(cohort), "fix": _fix_link(cohort.problem)})
        else:
            out.append(
                {
                    "session": conflict["session"],
                    "problem": conflict["problem"],
                    "text": session_problem(conflict["problem"], conflict["detail"], plan),
                }
            )
    return out


def _session_days(plan: MonthPlan, conflicts: list[dict]) -> list[tuple[date, list[dict]]]:
    """The plan's sessions by day: time, item, subject, room, seated/seats, staff needed/assigned, names."""
    sessions = list(
        plan.sessions.select_related("item__occupation", "item__work_type", "room__venue")
        .annotate(seated=Count("assignments"))
        .order_by("date", "starts_at", "item_id", "subject", "room__name")
    )
    needs = staffing(sessions)
    names = defaultdict(list)
    for duty in (
        StaffAssignment.objects.filter(session__in=sessions).select_related("user").order_by("user_id")
    ):
        names[duty.session_id].append(_name(duty.user))
    problems = defaultdict(list)
    for conflict in conflicts:
        if "session" in conflict:
            problems[conflict["session"].pk].append(conflict["problem"])
    days = defaultdict(list)
    for session in sessions:
        needed, assigned = needs[session.pk]
        days[session.date].append(
            {
                "session": session,
                "needed": needed,
                "assigned": assigned,
                "staff": names[session.pk],
                "short": assigned < needed,
                "late": "after_deadline" in problems[session.pk],
            }
        )
    return sorted(days.items())


# -- the month plans --------------------------------------------------------------------------------------


def _home(request, form: PlanningForm, *, status: int = 200):
    plans = Paginator(MonthPlan.objects.select_related("job").order_by("-year", "-month"), 12).get_page(
        request.GET.get("page")
    )
    rows = [{"plan": plan, "conflicts": len(plan_conflicts(plan)), "busy": _busy(plan)} for plan in plans]
    context = {
        "page": plans,
        "rows": rows,
        "form": form,
        "venues": Venue.objects.prefetch_related("rooms").order_by("name"),
        "can_plan": has_any_role(request.user, SCHEDULERS),
    }
    return render(request, "scheduling/planning_home.html", context, status=status)


@require_GET
@role_required(*READERS)
def home(request):
    today = timezone.localdate()
    return _home(request, PlanningForm(initial={"year": today.year, "month": today.month}))


@require_POST
@role_required(*SCHEDULERS)
def start(request):
    """Plan a month in the background and go to its page, where the progress shows."""
    form = PlanningForm(request.POST)
    if not form.is_valid():
        return _home(request, form, status=400)
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    existing = MonthPlan.objects.select_related("job").filter(year=year, month=month).first()
    if existing is not None and existing.state == MonthPlan.State.PUBLISHED:
        messages.error(request, _("This month's plan is published; adjust its sessions instead."))
        return redirect(_plan_url(existing))
    if existing is not None and _refuse_while_busy(request, existing):
        return redirect(_plan_url(existing))
    plan = start_planning(year, month, by=request.user, earliest=form.cleaned_data["earliest"])
    messages.success(request, _("Planning has started; this page shows how far it is."))
    return redirect(_plan_url(plan))


# -- one plan ---------------------------------------------------------------------------------------------


@require_GET
@role_required(*READERS)
def plan_page(request, year, month):
    plan = _plan(year, month)
    conflicts = _conflicts(plan)
    cohorts = list(
        plan.cohorts.select_related("item__occupation", "item__work_type").order_by(
            "item__occupation__code", "item__work_type_id", "-item__level"
        )
    )
    for cohort in cohorts:
        cohort.problem_text = cohort_problem(cohort)
        cohort.fix = _fix_link(cohort.problem)
    busy = _busy(plan)
    editable = has_any_role(request.user, SCHEDULERS) and not busy
    context = {
        "plan": plan,
        "job": plan.job,
        "job_label": JOB_LABELS.get(getattr(plan.job, "label", ""), getattr(plan.job, "label", "")),
        "busy": busy,
        "cohorts": cohorts,
        "conflicts": conflicts,
        "days": _session_days(plan, conflicts),
        "editable": editable,
        "draft": plan.state == MonthPlan.State.DRAFT,
        "move_form": MoveSittingForm(plan) if editable else None,
    }
    response = render(request, "scheduling/planning_plan.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(*SCHEDULERS)
def plan_fill_staff(request, year, month):
    plan = _plan(year, month)
    if not _refuse_while_busy(request, plan):
        added = fill_staff(plan, by=request.user)
        messages.success(
            request,
            ngettext("%(count)s assignment made.", "%(count)s assignments made.", added) % {"count": added},
        )
        short = _short_sessions(plan)
        if short:
            messages.error(
                request,
                ngettext(
                    "%(count)s session is still short of staff: add invigilators or examiners.",
                    "%(count)s sessions are still short of staff: add invigilators or examiners.",
                    short,
                )
                % {"count": short},
            )
    return redirect(_plan_url(plan))


@require_POST
@role_required(*SCHEDULERS)
def plan_move_sitting(request, year, month):
    plan = _plan(year, month)
    if _refuse_while_busy(request, plan):
        return redirect(_plan_url(plan))
    form = MoveSittingForm(plan, request.POST)
    if not form.is_valid():
        _say_errors(request, form)
        return redirect(_plan_url(plan))
    item, day = form.sitting_parts()
    to = form.cleaned_data["to"]
    try:
        moved = move_sitting(plan, item, day, to, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s session moved from %(from)s to %(to)s.",
                "%(count)s sessions moved from %(from)s to %(to)s.",
                moved,
            )
            % {"count": moved, "from": day, "to": to},
        )
    return redirect(_plan_url(plan))


@require_POST
@role_required(*SCHEDULERS)
def plan_publish(request, year, month):
    """Publish in the background, once every session has its staff (checked here first, so the clerk
    hears it at once instead of on a failed job)."""
    plan = _plan(year, month)
    if _refuse_while_busy(request, plan):
        return redirect(_plan_url(plan))
    if plan.state == MonthPlan.State.PUBLISHED:
        messages.error(request, _("This plan is already published."))
        return redirect(_plan_url(plan))
    short = _short_sessions(plan)
    if short:
        messages.error(
            request,
            ngettext(
                "%(count)s session is short of invigilators or examiners; assign staff first.",
                "%(count)s sessions are short of invigilators or examiners; assign staff first.",
                short,
            )
            % {"count": short},
        )
        return redirect(_plan_url(plan))
    start_publishing(plan, by=request.user)
    messages.success(request, _("Publishing has started: candidates are scheduled and get their tickets."))
    return redirect(_plan_url(plan))


@require_POST
@role_required(*SCHEDULERS)
def plan_tickets(request, year, month):
    plan = _plan(year, month)
    if _refuse_while_busy(request, plan):
        return redirect(_plan_url(plan))
    if plan.state != MonthPlan.State.PUBLISHED:
        messages.error(request, _("Admission tickets are drawn once the plan is published."))
        return redirect(_plan_url(plan))
    start_tickets(plan, by=request.user)
    messages.success(request, _("The admission tickets are being drawn."))
    return redirect(_plan_url(plan))


@require_POST
@role_required(*SCHEDULERS)
def plan_again(request, year, month):
    """Replace the draft with a new proposal (hand-made changes to the draft are lost)."""
    plan = _plan(year, month)
    if _refuse_while_busy(request, plan):
        return redirect(_plan_url(plan))
    if plan.state == MonthPlan.State.PUBLISHED:
        messages.error(request, _("This month's plan is published; adjust its sessions instead."))
        return redirect(_plan_url(plan))
    form = PlanAgainForm(request.POST)
    if not form.is_valid():
        _say_errors(request, form)
        return redirect(_plan_url(plan))
    start_planning(plan.year, plan.month, by=request.user, earliest=form.cleaned_data["earliest"])
    messages.success(request, _("Planning has started; this page shows how far it is."))
    return redirect(_plan_url(plan))


# -- one session ------------------------------------------------------------------------------------------
