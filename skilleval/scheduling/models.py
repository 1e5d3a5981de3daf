"""Where and when candidates sit (DOMAIN.md §5, §7, §8): month plans, venues, rooms, exam sessions, seats,
staff, admission tickets and attendance.

A month plan places the paid candidates of one application month's cohorts (DOMAIN.md §5) into exam
sessions; an exam session is one subject of one catalog item in one room at one time. The database holds the
seat rules: one seat per candidate per session, one candidate per seat; one ticket per application, each
ticket number once."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.fields import acting_user
from skilleval.catalog.models import SubjectKind


class MonthPlan(models.Model):
    """The sessions proposed for the cohorts of one application month: a draft staff adjust, then publish.

    Publishing schedules the seated candidates, issues their tickets and tells the deferred ones."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("application month"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    earliest = models.DateField(_("no session before"), null=True, blank=True)
    deadline = models.DateField(_("evaluated by"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    job = models.ForeignKey(
        "jobs.JobProgress", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the last planning, publishing or ticket job, for the progress bar on the plan's page
    created_by = acting_user()
    created_at = models.DateTimeField(_("planned"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("month plan")
        verbose_name_plural = _("month plans")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="one_plan_per_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="plan_month_range"),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d}"


class Cohort(models.Model):
    """One catalog item's ready candidates in a plan (DOMAIN.md §5): planned, deferred to the next month
    (fewer than the minimum), or in conflict (a deadline that cannot be met, and why)."""

    class Outcome(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DEFERRED = "deferred", _("Deferred to next month")
        CONFLICT = "conflict", _("Conflict")

    plan = models.ForeignKey(MonthPlan, on_delete=models.CASCADE, related_name="cohorts")
    item = models.ForeignKey("catalog.CatalogItem", on_delete=models.PROTECT, related_name="+")
    months = models.JSONField(_("application months"), default=list)
    ready = models.PositiveIntegerField(_("ready"))
    waiting = models.PositiveIntegerField(_("waiting for data confirmation"), default=0)
    placed = models.PositiveIntegerField(_("placed"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    problem = models.CharField(_("problem"), max_length=32, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [models.UniqueConstraint(fields=["plan", "item"], name="one_cohort_per_item_per_plan")]

    def __str__(self):
        return f"{self.plan} {self.item}"


class Venue(models.Model):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self):
        return self.name


class Room(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("room"), max_length=100)
    kind = models.CharField(_("for"), max_length=12, choices=SubjectKind.choices)
    capacity = models.PositiveSmallIntegerField(_("seats"))

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["venue", "name"], name="room_name_unique_per_venue"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_has_seats"),
        ]

    def __str__(self):
        return f"{self.venue} {self.name}"


class ExamSession(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    plan = models.ForeignKey(
        MonthPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    item = models.ForeignKey("catalog.CatalogItem", on_delete=models.PROTECT, related_name="sessions")
    subject = models.CharField(_("subject"), max_length=12, choices=SubjectKind.choices)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))
    seats = models.PositiveSmallIntegerField(_("seats offered"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)

    class Meta:
        verbose_name = _("exam session")
        verbose_name_plural = _("exam sessions")
        ordering = ["date", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_it_starts"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="session_has_seats"),
        ]
        indexes = [models.Index(fields=["date", "room"], name="session_day_room")]

    def __str__(self):
        return f"{self.item} {self.get_subject_display()} {self.date} {self.starts_at:%H:%M} {self.room}"


class StaffAssignment(models.Model):
    """An invigilator (theory) or examiner (practical) on a session; the catalog's ratios say how many."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exam_duties")
    assigned_by = acting_user()
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff on a session")
        verbose_name_plural = _("staff on sessions")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="staff_once_per_session")]

    def __str__(self):
        return f"{self.session}: {self.user}"


class SeatAssignment(models.Model):
    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="assignments")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="seats"
    )
    seat_number = models.PositiveSmallIntegerField(_("seat"))
    assigned_by = acting_user()
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    # Attendance (DOMAIN.md §8): None until the desk marks it.
    present = models.BooleanField(_("present"), null=True, blank=True)
    attendance_at = models.DateTimeField(_("attendance marked"), null=True, blank=True)
    attendance_by = acting_user()

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "application"], name="one_seat_per_candidate_per_session"
            ),
            models.UniqueConstraint(fields=["session", "seat_number"], name="one_candidate_per_seat"),
            models.CheckConstraint(condition=Q(seat_number__gte=1), name="seat_numbers_start_at_one"),
        ]

    def __str__(self):
        return f"{self.session} #{self.seat_number}"


class Ticket(models.Model):
    """The admission ticket (准考证, DOMAIN.md §7) of one application: its number for life, and the last PDF
    generated with the fingerprint of the data it shows, so a change of seat, room, time or photo makes a
    new one and an unchanged ticket is not drawn again."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="ticket"
    )
    number = models.CharField(_("ticket number"), max_length=13, unique=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    pdf_name = models.CharField(max_length=64, blank=True, editable=False)  # privacy.files
    pdf_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)

    class Meta:
        verbose_name = _("admission ticket")
        verbose_name_plural = _("admission tickets")

    def __str__(self):
        return self.number


class TicketCounter(models.Model):
    """The last ticket serial taken for one prefix (year and month of issue), taken under a row lock."""

    prefix = models.CharField(max_length=6, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self):
        return f"{self.prefix}: {self.last}"
