"""Two people acting at once (SECURITY.md "Concurrency and money"), on PostgreSQL with real threads."""

import threading

import pytest
from django.db import connections

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, ApplicationEvent, Channel
from skilleval.applications.services import accept_pledge, approve, start_application, submit_application
from skilleval.audit.services import verify_chain
from skilleval.core.errors import DomainError, IllegalTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def race(n, action):
    """Run `action(i)` in n threads released together; return (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(action(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_two_clerks_starting_the_same_application_make_one(li_ming, programmer_l4):
    results, errors = race(
        8, lambda i: start_application(li_ming, programmer_l4, channel=Channel.COUNTER, by=None).pk
    )
    assert len(results) == 1
    assert all(isinstance(e, DomainError) and e.code == "duplicate_open" for e in errors), errors
    assert Application.objects.filter(person=li_ming).count() == 1


def test_submitting_five_times_at_once_submits_once(li_ming, programmer_l4):
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    accept_pledge(application, by=None)
    results, errors = race(5, lambda i: submit_application(application, by=None).status)
    assert results == [Status.SUBMITTED]
    assert len(errors) == 4
    assert ApplicationEvent.objects.filter(application=application, to_status=Status.SUBMITTED).count() == 1
    assert verify_chain() is None


def test_two_reviewers_approving_at_once_approve_once(li_ming, programmer_l4, reviewer_rui):
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    accept_pledge(application, by=None)
    submit_application(application, by=None)
    results, errors = race(4, lambda i: approve(application, reviewer=reviewer_rui).status)
    assert results == [Status.APPROVED]
    assert len(errors) == 3 and all(isinstance(e, IllegalTransition) for e in errors), errors
    assert ApplicationEvent.objects.filter(application=application, to_status=Status.APPROVED).count() == 1
