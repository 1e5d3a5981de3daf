"""Many paid candidates at once, for planning tests and the planning benchmark.

The rows are written directly (the application lifecycle has its own tests): a person with an encrypted ID
number and blind index, a shared stored photo, and a paid application submitted in a given month."""

from datetime import datetime

from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel
from skilleval.core.validators import mask_id_number
from skilleval.dbtools import insert_dicts
from skilleval.people.models import Person
from skilleval.people.services import id_index
from skilleval.privacy.files import sha256, store_private
from tests.applications.conftest import PHOTO_JPEG

WEIGHTS, CHECK = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"


def id_number(serial: int) -> str:
    """A valid resident ID number (GB 11643-1999) for each serial up to 9,999,999."""
    body = f"31{serial // 1000 % 10000:04d}1990{1 + serial // 10_000_000 % 12:02d}01{serial % 1000:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def seed_paid(item, count: int, *, submitted: datetime, start: int = 0, institution=None, confirmed=True):
    """`count` paid applications for `item`, submitted at `submitted`; returns their ids in number order."""
    photo = store_private(PHOTO_JPEG, purpose="people.person.photo")
    numbers = [id_number(start + n) for n in range(count)]
    insert_dicts(
        Person,
        (
            {
                "full_name": f"考生{start + n}",
                "email": f"c{start + n}@example.com",
                "id_type": "resident_id",
                "id_number": number,
                "id_number_index": id_index("resident_id", number),
                "id_number_masked": mask_id_number(number),
                "birth_date": datetime(1990, 1, 1).date(),
                "photo_name": photo,
                "photo_sha256": sha256(PHOTO_JPEG),
            }
            for n, number in enumerate(numbers)
        ),
    )
    people = dict(
        Person.objects.filter(full_name__in=[f"考生{start + n}" for n in range(count)]).values_list(
            "full_name", "pk"
        )
    )
    now = timezone.now()
    insert_dicts(
        Application,
        (
            {
                "number": f"T{start + n:09d}",
                "person_id": people[f"考生{start + n}"],
                "item_id": item.pk,
                "occupation_id": item.occupation_id,
                "work_type_id": item.work_type_id,
                "level": item.level,
                "channel": Channel.GROUP if institution else Channel.ONLINE,
                "institution_id": getattr(institution, "pk", None),
                "status": Status.PAID,
                "submitted_at": submitted,
                "data_confirmed_at": now if confirmed else None,
            }
            for n in range(count)
        ),
    )
    return list(
        Application.objects.filter(number__in=[f"T{start + n:09d}" for n in range(count)])
        .order_by("number")
        .values_list("pk", flat=True)
    )


def published_session(item, days: int = 0, *, room_name="301", venue_name="静安考点"):
    """A published theory session `days` from today, in a room of its own."""
    from datetime import time, timedelta

    from skilleval.scheduling.models import ExamSession, Room, Venue

    venue, _ = Venue.objects.get_or_create(name=venue_name, address="愚园路 546 号")
    room = Room.objects.create(venue=venue, name=room_name, kind="theory", capacity=30)
    return ExamSession.objects.create(
        item=item,
        subject="theory",
        room=room,
        date=timezone.localdate() + timedelta(days=days),
        starts_at=time(9, 0),
        ends_at=time(10, 30),
        seats=30,
        state=ExamSession.State.PUBLISHED,
    )
