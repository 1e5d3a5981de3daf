"""Accounts and sessions (SECURITY.md; 等保 2.0 GB/T 22239 8.1.4.1 b, d): the second factor, the lockout,
session limits, password rules and the headers, each through the real pages."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from skilleval.accounts.models import Institution, User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import deactivate_user, ensure_role_groups, grant_role, reset_second_factor
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.people.services import register_candidate_account
from tests.accounts.signin import HOST, current_code, give_code, sign_in, sign_in_with_password

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "Reviewer-pass-2026!"
CANDIDATE_PASSWORD = "Candidate-2026!"


@pytest.fixture
def reviewer(admin_alice):
    ensure_role_groups()
    user = User.objects.create_user(username="wang.reviewer", password=STAFF_PASSWORD)
    grant_role(user, Role.REVIEWER, by=admin_alice)
    user.refresh_from_db()
    return user


@pytest.fixture
def school_user(admin_alice):
    ensure_role_groups()
    school = Institution.objects.create(name="静安职业技术学校", uscc="9131010642502952X1")
    user = User.objects.create_user(username="jingan", password=STAFF_PASSWORD, institution=school)
    grant_role(user, Role.INSTITUTION, by=admin_alice)
    return user


@pytest.fixture
def candidate(db):
    return register_candidate_account(
        full_name="李四",
        id_type="resident_id",
        id_number="110101199003074477",
        phone="13912345678",
        email="lisi@example.cn",
        password=CANDIDATE_PASSWORD,
    )


def scanned_qr(html: str) -> str:
    import base64
    import io
    import re

    import zxingcpp
    from PIL import Image

    data = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
    return code.text


def actions():
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


# --- Second factor ------------------------------------------------------------------------------------------


def test_staff_enrol_an_authenticator_on_first_sign_in_and_give_a_code_every_time(reviewer):
    client = Client()
    response = sign_in_with_password(client, "wang.reviewer", STAFF_PASSWORD)
    assert response.status_code == 302
    # Signed in with the password alone, the reviewer reaches nothing but the second-factor page.
    blocked = client.get(reverse("review-queue"), **HOST)
    assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("two-factor"))
    page = client.get(reverse("two-factor"), **HOST)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=reviewer)
    assert not device.confirmed
    # The QR code on the page is the otpauth:// address of this device, as a phone camera reads it.
    assert scanned_qr(page.content.decode()) == device.config_url
    assert "secret=" in device.config_url and "issuer=skilleval" in device.config_url

    wrong_code = "000000" if current_code(device) != "000000" else "111111"
    wrong = client.post(reverse("two-factor"), {"code": wrong_code}, **HOST)
    assert wrong.status_code == 400
    assert client.get(reverse("review-queue"), **HOST).status_code == 302

    with freeze_time(timezone.now() + timedelta(seconds=2)):  # a wrong code slows the next try (throttling)
        assert give_code(client, reviewer).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("review-queue"), **HOST).status_code == 200
    assert actions()[-4:] == [
        "accounts.login",
        "accounts.otp.fail",
        "accounts.otp.enrol",
        "accounts.otp.verify",
    ]


def test_a_code_once_accepted_is_refused_when_replayed(reviewer):
    first = Client()
    sign_in(first, reviewer, STAFF_PASSWORD)
    device = TOTPDevice.objects.get(user=reviewer, confirmed=True)
    used = current_code(device)

    second = Client()
    sign_in_with_password(second, "wang.reviewer", STAFF_PASSWORD)
    replay = second.post(reverse("two-factor"), {"code": used}, **HOST)
    assert replay.status_code == 400
    assert second.get(reverse("review-queue"), **HOST).status_code == 302
    assert AuditEntry.objects.filter(action="accounts.otp.fail", actor_id=reviewer.pk).count() == 1


def test_institution_users_need_the_second_factor_and_candidates_do_not(school_user, candidate):
    school = Client()
    sign_in_with_password(school, "jingan", STAFF_PASSWORD)
    assert school.get(reverse("institution-home"), **HOST)["Location"].startswith(reverse("two-factor"))

    person = Client()
    assert sign_in_with_password(person, "13912345678", CANDIDATE_PASSWORD).status_code == 302
    assert person.get(reverse("me"), **HOST).status_code == 200


def test_the_admin_is_behind_the_second_factor_too(admin_alice):
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "alice", "password": "Alice-pass-2026!", "next": "/admin/"}, **HOST
    )
    assert response.status_code == 302
    assert client.get("/admin/", **HOST)["Location"].startswith(reverse("two-factor"))


def test_a_lost_phone_is_reset_by_another_administrator_and_ends_the_sessions(admin_alice, reviewer):
    client = Client()
    sign_in(client, reviewer, STAFF_PASSWORD)
    with pytest.raises(DomainError):
        reset_second_factor(reviewer, by=reviewer)
    assert reset_second_factor(reviewer, by=admin_alice) == 1
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert client.get(reverse("review-queue"), **HOST).status_code == 302  # signed out
    assert AuditEntry.objects.filter(action="accounts.otp.reset", target_id=str(reviewer.pk)).exists()


# --- Lockout ------------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_for_thirty_minutes(candidate):
    client = Client()
    for _ in range(4):
        assert sign_in_with_password(client, "13912345678", "wrong-Pass-1").status_code == 200
    # The fifth failure locks, whichever spelling of the account was typed.
    assert sign_in_with_password(client, "lisi@example.cn", "wrong-Pass-1").status_code == 429
    locked = sign_in_with_password(client, "13912345678", CANDIDATE_PASSWORD)
    assert locked.status_code == 429
    assert "30" in locked.content.decode()
    assert client.get(reverse("me"), **HOST).status_code == 302  # not signed in
    lockout = AuditEntry.objects.filter(action="accounts.lockout").first()
    assert lockout.target_id == str(candidate.pk) and lockout.outcome == "denied"
    assert AuditEntry.objects.filter(action="accounts.login.fail").count() >= 5
    assert "13912345678" not in str(lockout.data)

    with freeze_time(timezone.now() + timedelta(minutes=31)):
        assert sign_in_with_password(Client(), "13912345678", CANDIDATE_PASSWORD).status_code == 302


def test_an_unknown_username_locks_the_same_way(db):
    client = Client()
    answers = [
        sign_in_with_password(client, "nobody@example.cn", "wrong-Pass-1").status_code for _ in range(6)
    ]
    assert answers == [200, 200, 200, 200, 429, 429]
    assert AuditEntry.objects.filter(action="accounts.lockout").count() >= 1


def test_many_candidates_behind_one_exam_site_address_are_not_locked_together(candidate):
    others = [
        register_candidate_account(
            full_name=f"考生{i}",
            id_type="resident_id",
            id_number=number,
            phone=f"1390000000{i}",
            email="",
            password=CANDIDATE_PASSWORD,
        )
        for i, number in enumerate(["110101199003070011", "11010119900307002X"], start=1)
    ]
    site = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(5):
        sign_in_with_password(site, "13912345678", "wrong-Pass-1")
    for i, _person in enumerate(others, start=1):
        assert (
            sign_in_with_password(
                Client(REMOTE_ADDR="10.1.1.1"), f"1390000000{i}", CANDIDATE_PASSWORD
            ).status_code
            == 302
        )


# --- Sessions -----------------------------------------------------------------------------------------------


def test_a_staff_session_ends_after_fifteen_idle_minutes_on_the_server(reviewer):
    client = Client()
    sign_in(client, reviewer, STAFF_PASSWORD)
    key = client.session.session_key
    with freeze_time(timezone.now() + timedelta(minutes=14)):
        assert client.get(reverse("review-queue"), **HOST).status_code == 200
    with freeze_time(timezone.now() + timedelta(minutes=14 + 16)):
        response = client.get(reverse("review-queue"), **HOST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEntry.objects.filter(action="accounts.session.expire", data__reason="idle").exists()


def test_a_candidate_session_lasts_thirty_idle_minutes(candidate):
    client = Client()
    sign_in_with_password(client, "13912345678", CANDIDATE_PASSWORD)
    with freeze_time(timezone.now() + timedelta(minutes=25)):
        assert client.get(reverse("me"), **HOST).status_code == 200
    with freeze_time(timezone.now() + timedelta(minutes=25 + 31)):
        assert client.get(reverse("me"), **HOST).status_code == 302


def test_no_session_outlives_twelve_hours_however_busy(candidate):
    client = Client()
    sign_in_with_password(client, "13912345678", CANDIDATE_PASSWORD)
    start = timezone.now()
    for minutes in range(20, 12 * 60, 20):  # a click every 20 minutes all day
        with freeze_time(start + timedelta(minutes=minutes)):
            assert client.get(reverse("me"), **HOST).status_code == 200
    with freeze_time(start + timedelta(hours=12, minutes=10)):
        response = client.get(reverse("me"), **HOST)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="accounts.session.expire", data__reason="absolute").exists()


def test_logout_deletes_the_session_on_the_server(candidate):
    client = Client()
    sign_in_with_password(client, "13912345678", CANDIDATE_PASSWORD)
    key = client.session.session_key
    assert client.post(reverse("logout"), **HOST).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert "accounts.logout" in actions()


def test_deactivation_ends_every_session_of_the_user(admin_alice, reviewer):
    phone, desk = Client(), Client()
    sign_in(phone, reviewer, STAFF_PASSWORD)
    sign_in_with_password(desk, "wang.reviewer", STAFF_PASSWORD)
    keys = {phone.session.session_key, desk.session.session_key}
    deactivate_user(reviewer, by=admin_alice)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert phone.get(reverse("review-queue"), **HOST).status_code == 302
    assert AuditEntry.objects.get(action="accounts.sessions.end").data == {
        "count": 2,
        "reason": "deactivated",
    }


def test_a_password_change_signs_out_the_other_sessions(candidate):
    here, elsewhere = Client(), Client()
    sign_in_with_password(here, "13912345678", CANDIDATE_PASSWORD)
    sign_in_with_password(elsewhere, "13912345678", CANDIDATE_PASSWORD)
    other_key = elsewhere.session.session_key
    candidate.set_password("Another-pass-2026!")
    candidate.save()
    assert elsewhere.get(reverse("me"), **HOST).status_code == 302
    assert not Session.objects.filter(session_key=other_key).exists()


# --- Passwords ----------------------------------------------------------------------------------------------


def test_staff_passwords_have_twelve_characters_and_candidates_eight(reviewer, candidate):
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError) as caught:
        validate_password("Short-pw-26", user=reviewer)  # 11 characters, three classes
    assert "password_too_short_for_staff" in [e.code for e in caught.value.error_list]
    validate_password("Short-pw-26", user=candidate)  # fine for a candidate


def test_staff_change_their_password_after_ninety_days(reviewer):
    client = Client()
    sign_in(client, reviewer, STAFF_PASSWORD)
    User.objects.filter(pk=reviewer.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    response = client.get(reverse("review-queue"), **HOST)
    assert response.status_code == 302 and response["Location"] == reverse("admin:password_change")


# --- Headers ------------------------------------------------------------------------------------------------


def test_pages_carry_a_csp_without_inline_script_and_signed_in_pages_are_not_stored(candidate):
    public = Client().get(reverse("catalog"), **HOST)
    csp = public["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert public["X-Content-Type-Options"] == "nosniff" and public["X-Frame-Options"] == "DENY"
    assert "no-store" not in public.get("Cache-Control", "")

    client = Client()
    sign_in_with_password(client, "13912345678", CANDIDATE_PASSWORD)
    assert "no-store" in client.get(reverse("me"), **HOST)["Cache-Control"]
