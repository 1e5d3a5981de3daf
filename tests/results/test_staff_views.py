"""The staff's results pages (issue 7, DOMAIN.md §9): the board, the score grid, four eyes on entry and on
changes after publication, and review requests. Graders see seats and ticket numbers, never names or ID
numbers (SECURITY.md "Access")."""

import re
from datetime import date, datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from skilleval.accounts.roles import Role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.people.models import Person
from skilleval.results.models import Result, ReviewRequest, Score, ScoreChange, ScoreEvent
from skilleval.results.services import (
    Entry,
    enter_scores,
    publish_session,
    request_review,
    results_deadline,
    verify_scores,
)
from skilleval.scheduling.models import SeatAssignment, Ticket
from tests.results.conftest import exam_day, person_with
from tests.scheduling.factories import seed_paid

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


def seats(session):
    return list(SeatAssignment.objects.filter(session=session).order_by("seat_number"))


def grid_url(session, action=""):
    return f"/en/results/sessions/{session.pk}/{action}"


def typed(session, *values):
    """The grid form as a grader fills it: a value per seat in seat order, None for "absent"."""
    data = {}
    for seat, value in zip(seats(session), values, strict=True):
        if value is None:
            data[f"absent-{seat.pk}"] = "on"
            data[f"value-{seat.pk}"] = ""
        else:
            data[f"value-{seat.pk}"] = value
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def page(client, url) -> str:
    response = client.get(url, **HOST)
    assert response.status_code == 200
    return response.content.decode()


def assert_no_identity(html: str, applications) -> None:
    for person in Person.objects.filter(applications__in=applications):
        assert person.full_name not in html
        assert person.id_number_masked not in html
        assert person.id_number not in html


def publish_all(held, theory, practical, a, b, supervisor) -> None:
    _item, _applications, sessions = held
    for kind, values in (("theory", theory), ("practical", practical)):
        entries = [
            Entry(s.pk, "" if v is None else v, v is None)
            for s, v in zip(seats(sessions[kind]), values, strict=True)
        ]
        enter_scores(sessions[kind], entries, by=a)
        verify_scores(sessions[kind], by=b)
        publish_session(sessions[kind], by=supervisor)


# -- the grid ------------------------------------------------------------------------------------------------


def test_an_examiner_enters_a_grid_by_seat_and_ticket_number(held, client, examiner_a):
    _item, applications, sessions = held
    theory = sessions["theory"]
    no_show = seats(theory)[2]
    SeatAssignment.objects.filter(pk=no_show.pk).update(present=False)  # marked absent at the door
    client.force_login(examiner_a)

    html = page(client, grid_url(theory))
    for ticket in Ticket.objects.filter(application__in=applications):
        assert ticket.number in html
    assert_no_identity(html, applications)
    assert f'id="absent-{no_show.pk}" checked' in html  # comes pre-ticked, the grader confirms
    assert "results/grid.js" in html

    response = client.post(grid_url(theory, "save/"), typed(theory, "88.5", "60", None), **HOST)
    assert response.status_code == 302 and response.url == grid_url(theory)

    scores = {s.seat_id: s for s in Score.objects.filter(seat__session=theory)}
    assert [(scores[s.pk].value, scores[s.pk].absent) for s in seats(theory)] == [
        (pytest.approx(88.5), False),
        (60, False),
        (None, True),
    ]
    assert {s.entered_by for s in scores.values()} == {examiner_a}
    assert ScoreEvent.objects.filter(score__in=scores.values(), action=ScoreEvent.Action.ENTER).count() == 3
    assert AuditEntry.objects.filter(action="results.score.enter", actor_id=examiner_a.pk).count() == 3
    after = page(client, grid_url(theory))
    assert "Saved: 3 entered, 0 corrected, 0 unchanged." in after
    assert after.count('class="badge entered"') == 3
    assert_no_identity(after, applications)


def test_a_bad_row_saves_nothing_and_the_grid_comes_back_with_what_was_typed(held, client, examiner_a):
    _item, _applications, sessions = held
    theory = sessions["theory"]
    client.force_login(examiner_a)

    response = client.post(grid_url(theory, "save/"), typed(theory, "75", "101", "7.25"), **HOST)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert "seat 2" in html and "seat 3" in html and "seat 1:" not in html
    for seat, value in zip(seats(theory), ("75", "101", "7.25"), strict=True):
        assert f'id="value-{seat.pk}" value="{value}"' in html  # kept as typed
    assert not Score.objects.exists()
    assert not AuditEntry.objects.filter(action="results.score.enter").exists()


def test_a_row_left_empty_is_not_entered_yet(held, client, examiner_a):
    _item, _applications, sessions = held
    theory = sessions["theory"]
    client.force_login(examiner_a)
    client.post(grid_url(theory, "save/"), typed(theory, "70", "", "80"), **HOST)
    assert sorted(Score.objects.values_list("seat__seat_number", flat=True)) == [1, 3]


def test_the_examiner_who_entered_does_not_verify_another_does(held, client, examiner_a, examiner_b):
    _item, _applications, sessions = held
    theory = sessions["theory"]
    client.force_login(examiner_a)
    client.post(grid_url(theory, "save/"), typed(theory, "70", "65", "90"), **HOST)

    refused = client.post(grid_url(theory, "verify/"), follow=True, **HOST)
    assert "You entered 3 of these scores; another person verifies them." in messages_of(refused)
    assert set(Score.objects.values_list("state", flat=True)) == {Score.State.ENTERED}

    client.force_login(examiner_b)
    done = client.post(grid_url(theory, "verify/"), follow=True, **HOST)
    assert "3 scores verified." in messages_of(done)
    assert set(Score.objects.values_list("state", "verified_by")) == {(Score.State.VERIFIED, examiner_b.pk)}
    html = done.content.decode()
    assert html.count('class="badge verified"') == 3
    assert 'name="value-' not in html  # a verified score is no longer typed over in the grid


def test_only_a_supervisor_publishes_and_the_results_follow(
    held, client, examiner_a, examiner_b, supervisor_s
):
    _item, applications, sessions = held
    for session, values in (
        (sessions["theory"], ("70", "40", None)),
        (sessions["practical"], ("80", "90", None)),
    ):
        enter_scores(
            session,
            [Entry(s.pk, v or "", v is None) for s, v in zip(seats(session), values, strict=True)],
            by=examiner_a,
        )
        verify_scores(session, by=examiner_b)

    client.force_login(examiner_b)
    assert client.post(grid_url(sessions["theory"], "publish/"), **HOST).status_code == 403
    assert not Score.objects.filter(state=Score.State.PUBLISHED).exists()
    assert "Publish the scores" not in page(client, grid_url(sessions["theory"]))

    client.force_login(supervisor_s)
    assert "Publish the scores" in page(client, grid_url(sessions["theory"]))
    for session in sessions.values():
        client.post(grid_url(session, "publish/"), **HOST)

    assert set(Score.objects.values_list("state", flat=True)) == {Score.State.PUBLISHED}
    outcome = dict(Result.objects.values_list("application_id", "passed"))
    assert [outcome[a.pk] for a in applications] == [True, False, False]
    assert set(Application.objects.filter(pk__in=outcome).values_list("status", flat=True)) == {
        Status.PUBLISHED
    }
    html = page(client, grid_url(sessions["practical"]))
    assert html.count('class="badge published"') == 3
    assert_no_identity(html, applications)


def test_a_published_score_changes_only_with_a_second_supervisor(
    held, client, examiner_a, examiner_b, supervisor_s, supervisor_t
):
    _item, applications, sessions = held
    publish_all(held, ["70", "58", "90"], ["80", "75", "66"], examiner_a, examiner_b, supervisor_s)
    seat = seats(sessions["theory"])[1]
    score = Score.objects.get(seat=seat)
    assert not Result.objects.get(application=applications[1]).passed

    client.force_login(supervisor_s)
    html = page(client, grid_url(sessions["theory"]))
    assert f"/en/results/scores/{score.pk}/change/" in html and "Request a change" in html
    asked = client.post(
        f"/en/results/scores/{score.pk}/change/",
        {"value": "62", "reason": "A page of the answer sheet was not marked."},
        follow=True,
        **HOST,
    )
    assert "The change of seat 2 waits for another supervisor's approval." in messages_of(asked)
    change = ScoreChange.objects.get(score=score, state=ScoreChange.State.PENDING)
    assert change.requested_by == supervisor_s

    queue = page(client, "/en/results/changes/")
    assert "58.0 → <strong>62.0</strong>" in queue and "supervisor_s" in queue
    assert "You asked for this change: another supervisor decides." in queue
    assert_no_identity(queue, applications)
    own = client.post(
        f"/en/results/changes/{change.pk}/decide/", {"decision": "approve"}, follow=True, **HOST
    )
    assert "A change is approved by a supervisor other than the one who asked." in messages_of(own)
    change.refresh_from_db()
    assert change.state == ScoreChange.State.PENDING

    client.force_login(supervisor_t)
    approved = client.post(
        f"/en/results/changes/{change.pk}/decide/",
        {"decision": "approve", "note": "Checked against the paper."},
        follow=True,
        **HOST,
    )
    assert "Approved: the score of seat 2 is now 62.0." in messages_of(approved)
    score.refresh_from_db()
    assert score.value == 62
    assert Result.objects.get(application=applications[1]).passed  # every subject passes now

    history = page(client, f"/en/results/scores/{score.pk}/history/")
    assert "Changed after publication" in history
    assert "A page of the answer sheet was not marked." in history
    for name in ("examiner_a", "examiner_b", "supervisor_s", "supervisor_t"):
        assert name in history
    assert_no_identity(history, applications)


def test_a_change_can_be_refused_with_a_note(
    held, client, examiner_a, examiner_b, supervisor_s, supervisor_t
):
    _item, _applications, sessions = held
    publish_all(held, ["70", "58", "90"], ["80", "75", "66"], examiner_a, examiner_b, supervisor_s)
    score = Score.objects.get(seat=seats(sessions["practical"])[0])
    client.force_login(supervisor_s)
    client.post(f"/en/results/scores/{score.pk}/change/", {"absent": "on", "reason": "Left early."}, **HOST)
    change = ScoreChange.objects.get(score=score)
    assert change.absent and change.value is None

    client.force_login(supervisor_t)
    client.post(
        f"/en/results/changes/{change.pk}/decide/", {"decision": "refuse", "note": "Seen on video."}, **HOST
    )
    change.refresh_from_db()
    score.refresh_from_db()
    assert (change.state, change.decided_by, change.note) == (
        ScoreChange.State.REFUSED,
        supervisor_t,
        "Seen on video.",
    )
    assert (score.value, score.absent) == (80, False)


def test_a_change_request_without_a_reason_is_refused_with_the_seat(
    held, client, examiner_a, examiner_b, supervisor_s
):
    _item, _applications, sessions = held
    publish_all(held, ["70", "58", "90"], ["80", "75", "66"], examiner_a, examiner_b, supervisor_s)
    score = Score.objects.get(seat=seats(sessions["theory"])[0])
    client.force_login(supervisor_s)
    response = client.post(
        f"/en/results/scores/{score.pk}/change/", {"value": "71", "reason": " "}, follow=True, **HOST
    )
    assert "Seat 1: Give the reason for the change." in messages_of(response)
    assert not ScoreChange.objects.exists()


# -- the board -----------------------------------------------------------------------------------------------


def seated_day(item, day, start):
    applications = list(
        Application.objects.filter(
            pk__in=seed_paid(
                item, 1, submitted=timezone.make_aware(datetime(day.year, 1, 2, 10)), start=start
            )
        )
    )
    return exam_day(item, applications, day=day, name=f"考点{start}")


def test_the_board_puts_an_overdue_session_first_in_red(held, client, examiner_a):
    item, _applications, recent = held
    # Early in January, under the 2026 notice's policies: its 20 working days ran out in February.
    old = seated_day(item, date(2026, 1, 5), 700)
    due = results_deadline(date(2026, 1, 5), marking=False).due

    client.force_login(examiner_a)
    html = page(client, "/en/results/")

    rows = re.findall(r'<tr class="([^"]*)">.*?/results/sessions/(\d+)/', html, flags=re.S)
    assert rows[0][0] == "overdue" and int(rows[0][1]) in {s.pk for s in old.values()}
    assert "overdue by" in html and f"{due:%Y-%m-%d}" in html
    for session in (*old.values(), *recent.values()):
        assert f"/en/results/sessions/{session.pk}/" in html
    assert "Changes waiting for approval" not in html  # the supervisors' queues


def test_the_board_says_why_a_deadline_is_unknown(calendar, programmer_l4, client, admin_alice):
    examiner = person_with(Role.EXAMINER, "examiner_c", admin_alice)
    with freeze_time("2031-06-20 10:00:00+08:00"):
        sessions = seated_day(programmer_l4, date(2031, 6, 2), 800)  # the calendar of 2031 is not loaded
        client.force_login(examiner)
        html = page(client, "/en/results/")
    assert f"/en/results/sessions/{sessions['theory'].pk}/" in html
    assert "calendar for 2031 not loaded" in html
    assert html.count('<tr class="unknown">') == 2


def test_supervisors_see_the_queues_from_the_board(
    held, client, examiner_a, examiner_b, supervisor_s, supervisor_t
):
    _item, applications, _sessions = held
    publish_all(held, ["70", "58", "90"], ["80", "75", "66"], examiner_a, examiner_b, supervisor_s)
    result = Result.objects.get(application=applications[1])
    request_review(result, subject="theory", reason="I answered every question.", by=None)

    client.force_login(supervisor_t)
    html = page(client, "/en/results/")
    assert re.search(r"<b>0</b><span>Changes waiting for approval", html)
    assert re.search(r"<b>1</b><span>Open review requests", html)
    assert "/en/results/export.xlsx" in html


# -- reviews -------------------------------------------------------------------------------------------------


def test_a_supervisor_answers_a_review_by_application_number(
    held, client, examiner_a, examiner_b, supervisor_s
):
    _item, applications, _sessions = held
    publish_all(held, ["70", "58", "90"], ["80", "75", "66"], examiner_a, examiner_b, supervisor_s)
    result = Result.objects.get(application=applications[1])
    review = request_review(result, subject="theory", reason="I answered every question.", by=None)

    client.force_login(supervisor_s)
    html = page(client, "/en/results/reviews/")
    assert applications[1].number in html and "I answered every question." in html and "58.0" in html
    assert Ticket.objects.get(application=applications[1]).number in html
    assert_no_identity(html, applications)

    missing = client.post(
        f"/en/results/reviews/{review.pk}/answer/", {"outcome": "upheld", "answer": ""}, follow=True, **HOST
    )
    assert "Write the answer the candidate will read." in messages_of(missing)
    client.post(
        f"/en/results/reviews/{review.pk}/answer/",
        {"outcome": "upheld", "answer": "Marked again by two examiners: 58."},
        **HOST,
    )
    review.refresh_from_db()
    assert (review.state, review.answered_by) == (ReviewRequest.State.UPHELD, supervisor_s)
    assert "No review request is open." in page(client, "/en/results/reviews/")


# -- access --------------------------------------------------------------------------------------------------


def test_examiners_do_not_decide_and_strangers_see_nothing(held, client, examiner_a, reviewer_rui):
    _item, _applications, sessions = held
    theory = sessions["theory"]
    client.force_login(examiner_a)
    for url in ("/en/results/changes/", "/en/results/reviews/"):
        assert client.get(url, **HOST).status_code == 403

    client.force_login(reviewer_rui)
    assert client.get("/en/results/", **HOST).status_code == 403
    assert client.get(grid_url(theory), **HOST).status_code == 403
    assert client.post(grid_url(theory, "save/"), typed(theory, "1", "2", "3"), **HOST).status_code == 403
    assert not Score.objects.exists()

    client.logout()
    response = client.get(grid_url(theory), **HOST)
    assert response.status_code == 302 and "/login/" in response.url


def test_a_supervisor_reads_the_grid_but_does_not_type_scores(held, client, supervisor_s):
    _item, _applications, sessions = held
    theory = sessions["theory"]
    client.force_login(supervisor_s)
    assert 'name="value-' not in page(client, grid_url(theory))
    assert client.post(grid_url(theory, "save/"), typed(theory, "1", "2", "3"), **HOST).status_code == 403
