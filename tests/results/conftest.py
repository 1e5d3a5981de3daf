"""A held exam day to mark: one item's candidates seated in a theory and a practical session, and the people
who enter, verify and publish (four eyes)."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.models import Application
from skilleval.catalog.models import CatalogItem
from skilleval.scheduling.models import ExamSession, Room, Venue
from skilleval.scheduling.services import assign_seat
from tests.applications.conftest import li_ming, programmer_l4, reviewer_rui, school, school_user  # noqa: F401
from tests.scheduling.factories import seed_paid

EXAM_DAY = date(2026, 11, 18)


def person_with(role, name, admin):
    user = User.objects.create_user(username=name, password=f"{name.title()}-pass-2026!")
    grant_role(user, role, by=admin)
    return user


@pytest.fixture
def calendar(notice_2026):
    from skilleval.workdays.services import load_package_calendar

    load_package_calendar(by=None)


@pytest.fixture
def examiner_a(admin_alice):
    return person_with(Role.EXAMINER, "examiner_a", admin_alice)


@pytest.fixture
def examiner_b(admin_alice):
    return person_with(Role.EXAMINER, "examiner_b", admin_alice)


@pytest.fixture
def supervisor_s(admin_alice):
    return person_with(Role.SUPERVISOR, "supervisor_s", admin_alice)


@pytest.fixture
def supervisor_t(admin_alice):
    return person_with(Role.SUPERVISOR, "supervisor_t", admin_alice)


def exam_day(item, applications, *, day=EXAM_DAY, by=None, name="静安考点"):
    """A theory and a practical session on `day`, published, with every application seated in both."""
    venue, _ = Venue.objects.get_or_create(name=name, address="愚园路 546 号")
    theory_room = Room.objects.create(
        venue=venue, name=f"理论{Room.objects.count()}", kind="theory", capacity=60
    )
    lab = Room.objects.create(venue=venue, name=f"机房{Room.objects.count()}", kind="practical", capacity=60)
    sessions = {}
    for kind, room, starts, ends in (
        ("theory", theory_room, time(9), time(10, 30)),
        ("practical", lab, time(13, 30), time(15)),
    ):
        sessions[kind] = ExamSession.objects.create(
            item=item,
            subject=kind,
            room=room,
            date=day,
            starts_at=starts,
            ends_at=ends,
            seats=60,
            state=ExamSession.State.PUBLISHED,
        )
    for application in applications:
        for kind, session in sessions.items():
            if not application.retake_subjects or kind in application.retake_subjects:
                assign_seat(session, application, by=by)
    return sessions


@pytest.fixture
def held(calendar, admin_alice):
    """Three candidates of 计算机程序设计员 level 4, seated on 2026-11-18."""
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    ids = seed_paid(item, 3, submitted=timezone.make_aware(datetime(2026, 10, 12, 10)))
    applications = list(Application.objects.filter(pk__in=ids).order_by("number"))
    return item, applications, exam_day(item, applications, by=admin_alice)
