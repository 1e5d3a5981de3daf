"""Discipline pages (issue 9, DOMAIN.md §8, §12): an invigilator records an incident from the desk with a
photo, a supervisor other than the recorder decides or dismisses, the candidate sees the decision on the
application page and appeals, a supervisor other than the decider answers, the register filters; evidence
files only reach supervisors and the invigilator who recorded them (SECURITY.md "Access", "Input and
files")."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from freezegun import freeze_time

from skilleval.audit.models import AuditEntry
from skilleval.discipline.models import Appeal, Code, Decision, Evidence, Incident
from skilleval.discipline.services import add_evidence, appeal, decide, record_incident
from skilleval.people.models import Ban
from skilleval.people.services import active_ban_until
from skilleval.results.models import Score
from skilleval.scheduling.models import SeatAssignment
from tests.applications.conftest import PHOTO_JPEG
from tests.discipline.test_decisions import score_all
from tests.results.conftest import EXAM_DAY
from tests.results.test_candidate_views import sign_in

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
ON_EXAM_DAY = "2026-11-18 10:00:00+08:00"


def rule(code: str) -> Code:
    return Code.objects.get(code=code)


def theory_seat(application) -> SeatAssignment:
    return SeatAssignment.objects.get(application=application, session__subject="theory")


def photo(name="phone.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PHOTO_JPEG, content_type="image/jpeg")


def incident_of(application, by, code="2.1", subject="theory", description="手机放在桌面，提醒后仍不收起"):
    return record_incident(
        application, code=rule(code), subject=subject, description=description, occurred_on=EXAM_DAY, by=by
    )


# -- recording -----------------------------------------------------------------------------------------------


def test_an_invigilator_records_an_incident_with_a_photo_from_the_desk(held, examiner_a, client):
    _item, applications, _sessions = held
    seat = theory_seat(applications[0])
    ticket = applications[0].ticket.number
    form_url = f"/en/discipline/incidents/new/{seat.pk}/"
    with freeze_time(ON_EXAM_DAY):
        client.force_login(examiner_a)
        desk = client.post("/en/desk/", {"q": ticket}, **HOST).content.decode()
        assert f'href="{form_url}"' in desk  # §8: from the candidate card, per seat

        page = client.get(form_url, **HOST)
        html = page.content.decode()
        assert page.status_code == 200 and page["Cache-Control"] == "no-store"
        assert ticket in html and applications[0].person.full_name in html
        assert "2.1 Prohibited items kept at the seat after a warning" in html
        assert 'accept="image/*,application/pdf" capture="environment"' in html

        response = client.post(
            form_url,
            {"code": rule("2.1").pk, "description": "手机放在桌面，提醒后仍不收起", "evidence": [photo()]},
            **HOST,
        )
    assert response.status_code == 302 and response["Location"] == "/en/desk/"
    incident = Incident.objects.get()
    assert (incident.application, incident.subject, incident.code.code) == (applications[0], "theory", "2.1")
    assert (incident.occurred_on, incident.recorded_by, incident.state) == (EXAM_DAY, examiner_a, "open")
    assert not incident.after_the_event
    evidence = Evidence.objects.get(incident=incident)
    assert (evidence.original_name, evidence.content_type, evidence.uploaded_by) == (
        "phone.jpg",
        "image/jpeg",
        examiner_a,
    )
    actions = set(AuditEntry.objects.filter(actor_id=examiner_a.pk).values_list("action", flat=True))
    assert {"discipline.incident.record", "discipline.evidence.add"} <= actions


def test_a_file_that_is_no_photo_or_pdf_refuses_the_whole_record(held, examiner_a, client):
    _item, applications, _sessions = held
    seat = theory_seat(applications[0])
    fake = SimpleUploadedFile("phone.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    with freeze_time(ON_EXAM_DAY):
        client.force_login(examiner_a)
        response = client.post(
            f"/en/discipline/incidents/new/{seat.pk}/",
            {"code": rule("2.1").pk, "description": "手机", "evidence": [photo(), fake]},
            **HOST,
        )
    assert response.status_code == 200
    assert "phone.jpg: Upload a PDF, JPEG or PNG file." in response.content.decode()
    assert not Incident.objects.exists() and not Evidence.objects.exists()


def test_only_invigilators_and_supervisors_record_and_an_invigilator_only_on_the_day(
    held, examiner_a, supervisor_s, reviewer_rui, client
):
    _item, applications, _sessions = held
    url = f"/en/discipline/incidents/new/{theory_seat(applications[0]).pk}/"
    with freeze_time(ON_EXAM_DAY):
        client.force_login(reviewer_rui)
        assert client.get(url, **HOST).status_code == 403
        posted = client.post(url, {"code": rule("2.1").pk, "description": "x"}, **HOST)
        assert posted.status_code == 403
    assert not Incident.objects.exists()

    client.force_login(examiner_a)  # days later: the desk's seats are gone; a supervisor may still record
    assert client.get(url, **HOST).status_code == 404
    client.force_login(supervisor_s)
    assert client.get(url, **HOST).status_code == 200
    assert client.get("/en/discipline/incidents/new/", **HOST).status_code == 200
    client.force_login(examiner_a)
    assert client.get("/en/discipline/incidents/new/", **HOST).status_code == 403


def test_a_supervisor_records_a_finding_after_the_event(held, supervisor_s, client):
    _item, applications, _sessions = held
    client.force_login(supervisor_s)
    response = client.post(
        "/en/discipline/incidents/new/",
        {
            "application": applications[1].number,
            "code": rule("4.4").pk,
            "subject": "",
            "occurred_on": EXAM_DAY.isoformat(),
            "description": "监控录像比对发现替考",
        },
        **HOST,
    )
    assert response.status_code == 302 and response["Location"] == "/en/discipline/"
    incident = Incident.objects.get()
    assert (incident.application, incident.code.code, incident.subject) == (applications[1], "4.4", "")
    assert incident.after_the_event and incident.recorded_by == supervisor_s

    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    again = client.post(
        "/en/discipline/incidents/new/",
        {"application": "NOPE", "code": rule("4.4").pk, "occurred_on": future, "description": "x"},
        **HOST,
    ).content.decode()
    assert "There is no application with this number." in again
    assert "The date of the misconduct cannot be in the future." in again
    assert Incident.objects.count() == 1


# -- deciding ------------------------------------------------------------------------------------------------


def test_the_recorder_is_refused_on_the_page_and_by_the_service(held, supervisor_s, client):
    _item, applications, _sessions = held
    incident = incident_of(applications[0], supervisor_s)
    client.force_login(supervisor_s)
    html = client.get("/en/discipline/", **HOST).content.decode()
    assert "You recorded this incident, so you cannot decide on it or dismiss it." in html
    assert f"/discipline/incidents/{incident.pk}/decide/" not in html

    response = client.post(
        f"/en/discipline/incidents/{incident.pk}/decide/",
        {"code": rule("2.1").pk, "reasons": "属实"},
        follow=True,
        **HOST,
    )
    assert "Another person than the one who recorded it decides." in response.content.decode()
    assert not Decision.objects.exists() and Incident.objects.get().state == "open"


def test_another_supervisor_decides_and_the_scores_are_cancelled_and_the_ban_written(
    held, examiner_a, examiner_b, supervisor_s, supervisor_t, client
):
    _item, applications, sessions = held
    score_all(sessions, examiner_a, examiner_b, supervisor_s)
    incident = incident_of(applications[0], examiner_a)
    add_evidence(incident, content=PHOTO_JPEG, filename="phone.jpg", by=examiner_a)
    evidence = incident.evidence.get()
    client.force_login(supervisor_t)
    html = client.get("/en/discipline/", **HOST).content.decode()
    assert f'src="/en/discipline/evidence/{evidence.pk}/"' in html  # the thumbnail, through the view
    assert f'action="/en/discipline/incidents/{incident.pk}/decide/"' in html
    assert 'data-ban="years"' in html and "Severity (rules banning for years)" in html

    refused = client.post(  # 4.4 bans for years: the severity must be said
        f"/en/discipline/incidents/{incident.pk}/decide/",
        {"code": rule("4.4").pk, "reasons": "替考"},
        follow=True,
        **HOST,
    )
    assert "Say whether the case is minor or serious." in refused.content.decode()
    assert not Decision.objects.exists()

    response = client.post(  # re-classified: the phone was used, 3.1 (tier 2)
        f"/en/discipline/incidents/{incident.pk}/decide/",
        {"code": rule("3.1").pk, "reasons": "查获手机，存有试题照片"},
        follow=True,
        **HOST,
    )
    decision = Decision.objects.get()
    assert decision.reference in response.content.decode()
    assert decision.code.code == "3.1"
    assert (decision.decided_by, decision.recorded_by) == (supervisor_t, examiner_a)
    assert decision.subjects_cancelled == ["practical", "theory"]  # the whole sitting
    cancelled = Score.objects.filter(application=applications[0], cancelled=True)
    assert set(cancelled.values_list("subject", flat=True)) == {"theory", "practical"}
    assert not Score.objects.filter(application=applications[1], cancelled=True).exists()
    ban = Ban.objects.get(person=applications[0].person)
    assert decision.ban == ban and ban.until == date(2026, 12, 31) and ban.source == decision.reference
    assert Incident.objects.get().state == "decided"
    assert AuditEntry.objects.filter(action="discipline.decision", actor_id=supervisor_t.pk).count() == 1


def test_another_supervisor_dismisses(held, examiner_a, supervisor_t, client):
    _item, applications, _sessions = held
    incident = incident_of(applications[0], examiner_a)
    client.force_login(supervisor_t)
    response = client.post(
        f"/en/discipline/incidents/{incident.pk}/dismiss/", {"reason": "录像显示手机为关机状态"}, **HOST
    )
    assert response.status_code == 302
    assert Incident.objects.get().state == "dismissed" and not Decision.objects.exists()
    entry = AuditEntry.objects.get(action="discipline.incident.dismiss")
    assert entry.actor_id == supervisor_t.pk and entry.data == {"reason": "录像显示手机为关机状态"}
    assert "No incident is waiting for a decision." in client.get("/en/discipline/", **HOST).content.decode()


def test_an_invigilator_does_not_decide(held, examiner_a, examiner_b, client):
    _item, applications, _sessions = held
    incident = incident_of(applications[0], examiner_a)
    client.force_login(examiner_b)
    assert client.get("/en/discipline/", **HOST).status_code == 403
    posted = client.post(f"/en/discipline/incidents/{incident.pk}/decide/", {"reasons": "x"}, **HOST)
    assert posted.status_code == 403 and not Decision.objects.exists()


# -- the candidate and the appeal ----------------------------------------------------------------------------


@pytest.fixture
def decided(held, examiner_a, supervisor_s):
    """Zhao's phone at the theory exam: 3.1, decided by supervisor S."""
    _item, applications, _sessions = held
    incident = incident_of(applications[0], examiner_a, code="3.1", description="使用手机拍摄试题")
    return applications, decide(incident, reasons="查获手机，存有试题照片", by=supervisor_s)


def test_the_candidate_sees_the_decision_and_appeals(decided, admin_alice, client):
    applications, decision = decided
    user = sign_in(client, applications[0], admin_alice, "zhao")
    page = client.get(f"/en/me/applications/{applications[0].number}/", **HOST).content.decode()
    assert 'id="discipline"' in page and decision.reference in page
    assert "3.1 Using a device that photographs, stores, transmits or communicates" in page
    assert "查获手机，存有试题照片" in page and "Practical skills, Theory knowledge" in page
    assert "2026-12-31" in page  # banned until the end of the year
    appeal_url = f"/en/discipline/decisions/{decision.reference}/appeal/"
    assert f'action="{appeal_url}"' in page
    assert "使用手机拍摄试题" not in page  # the invigilator's record is staff work

    response = client.post(appeal_url, {"text": "手机在包内未使用，请调取监控"}, **HOST)
    assert response.status_code == 302
    assert response["Location"] == f"/en/me/applications/{applications[0].number}/#discipline"
    item = Appeal.objects.get()
    assert (item.decision, item.by, item.outcome) == (decision, user, "open")
    assert item.text == "手机在包内未使用，请调取监控"
    after = client.get(f"/en/me/applications/{applications[0].number}/", **HOST).content.decode()
    assert "A supervisor is considering your appeal." in after and f'action="{appeal_url}"' not in after


def test_another_candidate_cannot_appeal_a_decision_not_theirs(decided, admin_alice, client):
    applications, decision = decided
    sign_in(client, applications[1], admin_alice, "qian")
    response = client.post(f"/en/discipline/decisions/{decision.reference}/appeal/", {"text": "冒充"}, **HOST)
    assert response.status_code == 404 and not Appeal.objects.exists()
    page = client.get(f"/en/me/applications/{applications[1].number}/", **HOST).content.decode()
    assert decision.reference not in page


def test_the_appeal_form_goes_once_the_window_has_closed(decided, admin_alice, client):
    applications, decision = decided
    sign_in(client, applications[0], admin_alice, "zhao")
    Decision.objects.filter(pk=decision.pk).update(appeal_until=timezone.localdate() - timedelta(days=1))
    page = client.get(f"/en/me/applications/{applications[0].number}/", **HOST).content.decode()
    assert "/appeal/" not in page and "An appeal could be made until" in page
    client.post(f"/en/discipline/decisions/{decision.reference}/appeal/", {"text": "迟到的申诉"}, **HOST)
    assert not Appeal.objects.exists()


def test_an_appeal_answered_by_another_supervisor_overturns_the_decision(
    decided, examiner_b, supervisor_s, supervisor_t, client
):
    applications, decision = decided
    item = appeal(decision, text="手机在包内未使用", by=None)
    client.force_login(supervisor_s)  # the decider
    html = client.get("/en/discipline/appeals/", **HOST).content.decode()
    assert "You decided this case, so you cannot answer its appeal." in html
    client.post(
        f"/en/discipline/appeals/{item.pk}/answer/", {"outcome": "overturned", "answer": "撤销"}, **HOST
    )
    assert Appeal.objects.get().outcome == "open"

    client.force_login(supervisor_t)
    html = client.get("/en/discipline/appeals/", **HOST).content.decode()
    assert decision.reference in html and "手机在包内未使用" in html
    response = client.post(
        f"/en/discipline/appeals/{item.pk}/answer/",
        {"outcome": "overturned", "answer": "经调取监控，手机未使用，撤销处理决定。"},
        **HOST,
    )
    assert response.status_code == 302
    assert Decision.objects.get().state == "overturned"
    answered = Appeal.objects.get()
    assert (answered.outcome, answered.answered_by) == ("overturned", supervisor_t)
    assert not Score.objects.filter(application=applications[0], cancelled=True).exists()
    assert active_ban_until(applications[0].person, on=timezone.localdate()) is None
    assert AuditEntry.objects.filter(action="discipline.appeal.overturned", actor_id=supervisor_t.pk).exists()

    client.force_login(examiner_b)
    assert client.get("/en/discipline/appeals/", **HOST).status_code == 403


# -- the register and the evidence files ---------------------------------------------------------------------


def test_the_register_filters_by_tier(decided, examiner_a, supervisor_t, client):
    applications, tier_two = decided
    tier_one = decide(incident_of(applications[1], examiner_a, code="2.3"), reasons="喧哗", by=supervisor_t)
    client.force_login(supervisor_t)

    def shown(query):
        response = client.get(f"/en/discipline/register/{query}", **HOST)
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        return {d.reference for d in response.context["page"]}, response.content.decode()

    assert shown("")[0] == {tier_one.reference, tier_two.reference}
    references, html = shown("?tier=1")
    assert references == {tier_one.reference}
    assert applications[1].person.full_name in html and applications[1].person.id_number_masked in html
    assert applications[1].person.id_number not in html
    assert shown("?tier=2")[0] == {tier_two.reference}
    assert shown("?code=3.1&state=in_force")[0] == {tier_two.reference}
    assert shown("?state=overturned")[0] == set()
    assert 'href="/en/discipline/register.xlsx?tier=1"' in shown("?tier=1")[1]
    bad = client.get("/en/discipline/register/?since=2026-12-01&until=2026-11-01", **HOST)
    assert bad.context["page"] is None and "The first date is after the last." in bad.content.decode()


def test_evidence_reaches_supervisors_and_the_invigilator_who_recorded_it_only(
    held, examiner_a, examiner_b, supervisor_t, reviewer_rui, admin_alice, client
):
    _item, applications, _sessions = held
    incident = incident_of(applications[0], examiner_a)
    evidence = add_evidence(incident, content=PHOTO_JPEG, filename="phone.jpg", by=examiner_a)
    url = f"/en/discipline/evidence/{evidence.pk}/"

    client.force_login(supervisor_t)
    response = client.get(url, **HOST)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store" and response.content.startswith(b"\xff\xd8\xff")
    client.force_login(examiner_a)
    assert client.get(url, **HOST).status_code == 200
    client.force_login(examiner_b)
    assert client.get(url, **HOST).status_code == 404
    client.force_login(reviewer_rui)
    assert client.get(url, **HOST).status_code == 403
    sign_in(client, applications[0], admin_alice, "zhao")  # not even the candidate concerned
    assert client.get(url, **HOST).status_code == 403
    client.logout()
    assert client.get(url, **HOST).status_code == 302
