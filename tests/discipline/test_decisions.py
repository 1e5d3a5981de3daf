"""Discipline (issue 9, DOMAIN.md §12): every rule's effect from its row, the bans and their arithmetic,
four eyes on decisions and appeals, and the reach of a decision into scores, applications, certificates."""

import json
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.applications.services import start_application
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.discipline.models import Code, Decision
from skilleval.discipline.services import answer_appeal, appeal, ban_until, decide, record_incident
from skilleval.notifications.models import Message
from skilleval.people.services import active_ban_until
from skilleval.results.models import Result, Score
from skilleval.results.services import Entry, enter_scores, publish_session, verify_scores
from skilleval.scheduling.models import SeatAssignment
from tests.conftest import NOTICE_2026
from tests.results.conftest import EXAM_DAY

pytestmark = pytest.mark.django_db
SEED = {row["code"]: row for row in json.loads(NOTICE_2026.read_text(encoding="utf-8"))["discipline"]}


def score_all(sessions, a, b, supervisor, marks=("80", "80", "80")):
    for session in sessions.values():
        seats = SeatAssignment.objects.filter(session=session).order_by("seat_number")
        enter_scores(session, [Entry(s.pk, v, False) for s, v in zip(seats, marks, strict=True)], by=a)
        verify_scores(session, by=b)
        publish_session(session, by=supervisor)


def test_the_rules_come_from_the_notice_not_from_code(notice_2026):
    assert Code.objects.count() == len(SEED) == 17
    assert {c.code: (c.tier, c.effect, c.ban) for c in Code.objects.all()} == {
        k: (v["tier"], v["effect"], v["ban"]) for k, v in SEED.items()
    }


@pytest.mark.parametrize("code", sorted(SEED))
def test_every_rule_has_its_effect(code, held, examiner_a, examiner_b, supervisor_s, supervisor_t):
    _item, applications, sessions = held
    application = applications[0]
    score_all(sessions, examiner_a, examiner_b, supervisor_s)
    rule = Code.objects.get(code=code)
    incident = record_incident(
        application,
        code=rule,
        subject="theory",
        description="监考员当场发现",
        occurred_on=EXAM_DAY,
        by=examiner_a,
    )
    severity = "serious" if rule.ban == "years" and code.endswith(("4", "5")) else "minor"
    decision = decide(incident, reasons="经调查属实", by=supervisor_t, severity=severity)
    expected = {
        "subject": ["theory"],
        "sitting": ["practical", "theory"],
        "all": ["practical", "theory"],
        "qualification": ["practical", "theory"],
    }[SEED[code]["effect"]]
    assert decision.subjects_cancelled == expected
    cancelled = set(
        Score.objects.filter(application=application, cancelled=True).values_list("subject", flat=True)
    )
    assert cancelled == set(expected)
    result = Result.objects.get(application=application)
    assert not result.passed  # a cancelled subject counts as failed
    application.refresh_from_db()
    today = timezone.localdate()
    if SEED[code]["ban"] == "year_end":
        assert decision.ban.until == date(EXAM_DAY.year, 12, 31) and active_ban_until(
            application.person, on=today
        )
    elif SEED[code]["ban"] == "years":
        years = SEED[code]["ban_years_serious" if severity == "serious" else "ban_years_minor"]
        assert decision.ban.until == EXAM_DAY.replace(year=EXAM_DAY.year + years) - timedelta(days=1)
        assert decision.referred == (severity == "serious")
    else:
        assert decision.ban is None
    if SEED[code]["effect"] == "qualification":
        assert application.status == Status.VOIDED and application.fees_forfeited
    else:
        assert application.status == Status.PUBLISHED and not application.fees_forfeited
    assert Message.objects.filter(topic="discipline.decision", target_id=str(decision.pk)).exists()
    assert AuditEntry.objects.filter(action="discipline.decision").count() == 1


def test_the_recorder_does_not_decide_and_the_database_agrees(held, examiner_a, supervisor_s):
    _item, applications, _sessions = held
    incident = record_incident(
        applications[0],
        code=Code.objects.get(code="2.1"),
        subject="theory",
        description="手机在桌面",
        occurred_on=EXAM_DAY,
        by=examiner_a,
    )
    with pytest.raises(DomainError) as caught:
        decide(incident, reasons="属实", by=examiner_a)
    assert caught.value.code == "same_person"
    decision = decide(incident, reasons="属实", by=supervisor_s)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(decided_by=examiner_a)


def test_a_subject_cancelled_before_its_score_is_entered_is_born_cancelled(
    held, examiner_a, examiner_b, supervisor_s
):
    _item, applications, sessions = held
    incident = record_incident(
        applications[1],
        code=Code.objects.get(code="2.3"),
        subject="practical",
        description="喧哗",
        occurred_on=EXAM_DAY,
        by=examiner_a,
    )
    decide(incident, reasons="经提醒拒不改正", by=supervisor_s)
    score_all(sessions, examiner_a, examiner_b, supervisor_s, marks=("90", "90", "90"))
    assert Score.objects.get(application=applications[1], subject="practical").cancelled
    assert not Result.objects.get(application=applications[1]).passed
    assert Result.objects.get(application=applications[0]).passed


def test_a_ban_keeps_the_person_from_applying_until_it_ends(held, examiner_a, supervisor_s, programmer_l4):
    _item, applications, _sessions = held
    person = applications[0].person
    incident = record_incident(
        applications[0],
        code=Code.objects.get(code="3.1"),
        subject="theory",
        description="使用手机",
        occurred_on=EXAM_DAY,
        by=examiner_a,
    )
    decide(incident, reasons="查获手机", by=supervisor_s)
    from skilleval.catalog.models import CatalogItem

    other = CatalogItem.objects.exclude(pk=programmer_l4.pk).filter(work_type__isnull=True).first()
    with pytest.raises(DomainError) as caught:
        start_application(person, other, channel="online", by=None)
    assert caught.value.code == "banned" and "2026-12-31" in caught.value.message
    from skilleval.eligibility.checks import check_person

    verdict = check_person(
        person, occupation=other.occupation.code, work_type=None, level=other.level, on=timezone.localdate()
    )
    assert any(g.id == "BAN" and not g.met for g in verdict.gates)


@pytest.mark.parametrize(
    ("code", "severity", "start", "until"),
    [
        ("3.1", "", date(2026, 12, 31), date(2026, 12, 31)),  # the rest of the year is that one day
        ("3.2", "", date(2026, 1, 1), date(2026, 12, 31)),
        ("4.4", "minor", date(2024, 2, 29), date(2026, 2, 27)),  # 2 years from a leap day
        ("4.4", "serious", date(2024, 2, 29), date(2029, 2, 27)),
        ("4.5", "minor", date(2026, 12, 31), date(2028, 12, 30)),
        ("2.1", "", date(2026, 6, 1), None),
        ("1", "", date(2026, 6, 1), None),
    ],
)
def test_ban_arithmetic_across_year_ends_and_leap_days(notice_2026, code, severity, start, until):
    assert ban_until(Code.objects.get(code=code), severity, start) == until


def test_a_finding_after_the_certificate_revokes_it_and_verification_says_so(
    passed, examiner_a, supervisor_s
):
    from skilleval.certificates.services import issue_certificates
    from skilleval.certificates.verification import verify

    _item, applications = passed
    certificate = sorted(issue_certificates(by=None), key=lambda c: c.application_id)[0]
    incident = record_incident(
        applications[0],
        code=Code.objects.get(code="4.4"),
        subject="",
        after_the_event=True,
        description="事后核查发现替考",
        occurred_on=EXAM_DAY,
        by=examiner_a,
    )
    decide(incident, reasons="监控录像比对确认", by=supervisor_s, severity="serious")
    certificate.refresh_from_db()
    assert certificate.state == "revoked" and "4.4" in certificate.revoke_reason
    assert Application.objects.get(pk=applications[0].pk).status == Status.VOIDED
    answer = verify(
        number=certificate.number, name=certificate.person.full_name, client_ip="192.0.2.1", channel="api"
    )
    assert answer.body["result"] == "revoked"


def test_an_appeal_answered_by_another_supervisor_can_lift_the_decision(
    held, examiner_a, examiner_b, supervisor_s, supervisor_t
):
    _item, applications, sessions = held
    score_all(sessions, examiner_a, examiner_b, supervisor_s)
    incident = record_incident(
        applications[2],
        code=Code.objects.get(code="3.2"),
        subject="theory",
        description="疑似抄袭",
        occurred_on=EXAM_DAY,
        by=examiner_a,
    )
    decision = decide(incident, reasons="两份答卷雷同", by=supervisor_s)
    assert not Result.objects.get(application=applications[2]).passed
    item = appeal(decision, text="答卷雷同系巧合，请调取监控", by=None)
    with pytest.raises(DomainError) as caught:
        answer_appeal(item, overturn=True, answer="撤销", by=supervisor_s)
    assert caught.value.code == "same_person"
    answer_appeal(item, overturn=True, answer="经调取监控，未见抄袭，撤销处理决定。", by=supervisor_t)
    decision.refresh_from_db()
    assert decision.state == "overturned"
    assert not Score.objects.filter(application=applications[2], cancelled=True).exists()
    assert Result.objects.get(application=applications[2]).passed
    assert active_ban_until(applications[2].person, on=timezone.localdate()) is None
    Decision.objects.filter(pk=decision.pk).update(appeal_until=timezone.localdate() - timedelta(days=1))
    decision.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        appeal(decision, text="再次申诉", by=None)
    assert caught.value.code == "window_closed"


def test_an_annulled_result_shows_as_annulled_in_the_national_export(
    held, examiner_a, examiner_b, supervisor_s
):
    from skilleval.results.exports import results_rows

    _item, applications, sessions = held
    score_all(sessions, examiner_a, examiner_b, supervisor_s)
    incident = record_incident(
        applications[0],
        code=Code.objects.get(code="1"),
        subject="",
        after_the_event=True,
        description="学历证明系伪造",
        occurred_on=EXAM_DAY,
        by=examiner_a,
    )
    decide(incident, reasons="经学信网核验，学历证书不存在", by=supervisor_s)
    headers, rows = results_rows()
    outcome = {row[0]: row[headers.index("评价结果")] for row in rows}
    assert outcome[applications[0].person.full_name] == "成绩无效"
    assert outcome[applications[1].person.full_name] == "合格"
