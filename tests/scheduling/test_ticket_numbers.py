"""Ticket numbers (DOMAIN.md §7): 13 digits, year and month, serial, Luhn check digit; unique under races."""

import threading
from datetime import date, datetime

import pytest
from django.db import connections
from django.utils import timezone

from skilleval.catalog.models import CatalogItem
from skilleval.scheduling.models import Ticket, TicketCounter
from skilleval.scheduling.tickets import issue_tickets, luhn_digit, take_numbers, valid_ticket_number
from tests.scheduling.factories import seed_paid

pytestmark = pytest.mark.django_db


def test_a_ticket_number_carries_the_month_a_serial_and_a_check_digit(db):
    numbers = take_numbers(3, on=date(2026, 12, 2))
    assert numbers[0][:12] == "202612000001" and [n[6:12] for n in numbers] == ["000001", "000002", "000003"]
    assert all(valid_ticket_number(n) for n in numbers)
    assert take_numbers(1, on=date(2026, 12, 30))[0][6:12] == "000004"
    assert take_numbers(1, on=date(2027, 1, 2))[0][:12] == "202701000001"
    assert luhn_digit("7992739871") == "3"  # the textbook example


def test_a_mistyped_digit_or_swapped_neighbours_are_caught(db):
    (number,) = take_numbers(1, on=date(2026, 12, 2))
    for i in range(12):
        wrong = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]
        assert not valid_ticket_number(wrong)
    assert not valid_ticket_number(number[:-1]) and not valid_ticket_number("A" + number[1:])


def test_each_application_gets_one_ticket_whatever_the_repeats(notice_2026):
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    ids = seed_paid(item, 5, submitted=timezone.make_aware(datetime(2026, 11, 3, 9)))
    assert issue_tickets(ids) == 5
    assert issue_tickets(ids) == 0 and issue_tickets(ids[:2]) == 0
    assert Ticket.objects.count() == 5 and TicketCounter.objects.get().last == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_publishers_at_once_never_share_a_number(notice_2026):
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    ids = seed_paid(item, 200, submitted=timezone.make_aware(datetime(2026, 11, 3, 9)))
    barrier, errors = threading.Barrier(20), []

    def issue(chunk):
        try:
            barrier.wait()
            issue_tickets(chunk)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(ids[i::20],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 200
    assert [int(n[6:12]) for n in numbers] == list(range(1, 201))  # no gaps, no repeats
