"""Where and when candidates sit (DOMAIN.md §5, §7, §8): venues, rooms, exam sessions and seats.

An exam session is one subject of one catalog item in one room at one time. The database holds the seat
rules: one seat per candidate per session, one candidate per seat."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.fields import acting_user
from skilleval.catalog.models import SubjectKind


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

    def __str__(self):
        return f"{self.item} {self.get_subject_display()} {self.date} {self.starts_at:%H:%M} {self.room}"


class SeatAssignment(models.Model):
    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="assignments")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="seats"
    )
    seat_number = models.PositiveSmallIntegerField(_("seat"))
    assigned_by = acting_user()
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

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
