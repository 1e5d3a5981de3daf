"""The public certificate pages (DOMAIN.md §11, SECURITY.md "Public certificate verification", "Personal
data"): the lookup form by POST only, the answer on the page, the ID number never in a URL, a log line or the
page; the landing page of a scanned QR code; the public key and the offline check page."""

import logging
import re
from datetime import date

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.urls import resolve
from django.utils import translation

from skilleval.certificates import signing
from skilleval.certificates.models import Verification
from skilleval.certificates.services import issue_certificates, revoke
from skilleval.certificates.verification import solve
from skilleval.organization.services import set_policy

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def certificate(passed):
    return sorted(issue_certificates(by=None), key=lambda c: c.number)[0]


def look_up(client, ip="203.0.113.7", url="/en/verify/", **fields):
    return client.post(url, fields, REMOTE_ADDR=ip, **HOST)


def answer_of(response) -> str:
    """The answer section alone, the part verify.js swaps into the page."""
    html = response.content.decode()
    return re.search(r'<section id="verify-answer".*?</section>', html, re.S).group(0)


def test_anyone_can_open_the_lookup_form_and_a_get_looks_nothing_up(client, certificate):
    person = certificate.person
    response = client.get(f"/en/verify/?number={certificate.number}&name={person.full_name}", **HOST)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'method="post"' in html and 'action="/en/verify/"' in html
    assert 'name="name"' in html and 'name="number"' in html and 'name="id_number"' in html
    assert "certificates/verify.js" in html
    assert response.context["answer"] is None and not Verification.objects.exists()
    assert client.get("/verify/", **HOST).status_code == 200  # Chinese, at the root


def test_number_and_name_show_the_certificate_as_valid(client, certificate):
    person = certificate.person
    response = look_up(client, number=certificate.number, name=person.full_name)
    answer = answer_of(response)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "cert-valid" in answer and "Valid certificate" in answer
    for shown in (certificate.number, person.full_name, person.id_number_masked, "四级/中级工"):
        assert shown in answer
    logged = Verification.objects.get()
    assert (logged.channel, logged.outcome, logged.certificate) == ("page", "hit", certificate)


def test_the_id_number_is_posted_never_in_a_url_a_log_line_or_the_page(client, certificate, caplog):
    caplog.set_level(logging.DEBUG)
    person = certificate.person
    response = look_up(client, id_number=person.id_number, name=person.full_name)
    html = response.content.decode()
    assert "cert-valid" in answer_of(response) and person.id_number_masked in html
    assert person.id_number not in html  # not in a link, an action, nor written back into the field
    assert response.request["PATH_INFO"] == "/en/verify/" and not response.request.get("QUERY_STRING")
    assert person.id_number not in caplog.text
    assert all(person.id_number not in str(r.args) for r in caplog.records)


def test_a_revoked_certificate_shows_red_as_revoked(client, certificate, admin_alice):
    revoke(certificate, reason="冒名顶替（附件 2 第 4.4 条）", by=admin_alice)
    answer = answer_of(look_up(client, number=certificate.number, name=certificate.person.full_name))
    assert "cert-revoked" in answer and "Revoked" in answer and "cert-valid" not in answer


def test_every_miss_shows_one_neutral_sentence(client, certificate):
    person = certificate.person
    misses = [
        look_up(client, number=certificate.number, name="王五"),
        look_up(client, number="S000031400054264999999", name=person.full_name),
        look_up(client, id_number="110105199003071239", name=person.full_name),
    ]
    answers = {answer_of(m) for m in misses}
    assert len(answers) == 1 and "No certificate matches what you entered." in answers.pop()
    assert {m.status_code for m in misses} == {200}


def test_both_identifiers_or_none_is_a_form_error_and_no_lookup(client, certificate):
    person = certificate.person
    both = look_up(client, number=certificate.number, id_number=person.id_number, name=person.full_name)
    assert "one of the two" in answer_of(both) and both.context["answer"] is None
    assert person.id_number not in both.content.decode()
    neither = look_up(client, name=person.full_name)
    assert "one of the two" in answer_of(neither)
    assert not Verification.objects.exists()


def test_after_repeated_misses_the_page_asks_for_the_proof_of_work_and_accepts_it(
    client, certificate, admin_alice
):
    set_policy("verify.misses_before_challenge", 2, effective_from=date(2026, 1, 1), by=admin_alice)
    set_policy("verify.challenge_bits", 8, effective_from=date(2026, 1, 1), by=admin_alice)
    for _ in range(2):
        look_up(client, number="S000031400054264999999", name="某某")
    question = {"number": certificate.number, "name": certificate.person.full_name}
    asked = look_up(client, **question)
    answer = answer_of(asked)
    assert asked.status_code == 429 and asked["Retry-After"] == "0"
    assert "This check needs JavaScript" in answer  # what a browser without JavaScript shows
    seed = re.search(r'data-seed="([0-9a-f]+)"', answer).group(1)
    challenge = re.search(r'data-challenge="([^"]+)"', answer).group(1)
    assert 'data-bits="8"' in answer
    solved = look_up(client, **question, challenge=challenge, nonce=solve(seed, 8))
    assert solved.status_code == 200 and "cert-valid" in answer_of(solved)


def test_a_client_over_its_limit_is_told_to_wait(client, certificate, admin_alice):
    set_policy("verify.requests_per_minute", 1, effective_from=date(2026, 1, 1), by=admin_alice)
    question = {"number": certificate.number, "name": certificate.person.full_name}
    assert look_up(client, **question).status_code == 200
    limited = look_up(client, **question)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert "Too many lookups" in answer_of(limited)


# -- the scanned QR code ----------------------------------------------------------------------------------


def statement_path(certificate, prefix="/en"):
    return f"{prefix}/v/{signing.payload(certificate.statement, certificate.signature)}"


def test_the_qr_link_resolves_at_the_root_for_chinese_and_under_en(certificate):
    payload = signing.payload(certificate.statement, certificate.signature)
    assert signing.qr_url(certificate.statement, certificate.signature).endswith(f"/v/{payload}")
    with translation.override("zh-hans"):  # what LocaleMiddleware activates for an unprefixed path
        assert resolve(f"/v/{payload}").url_name == "certificate-statement"
    with translation.override("en"):
        assert resolve(f"/en/v/{payload}").kwargs == {"payload": payload}


def test_a_scanned_code_shows_the_signed_statement_and_the_current_state(client, certificate):
    person = certificate.person
    response = client.get(statement_path(certificate), REMOTE_ADDR="203.0.113.7", **HOST)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Signature valid" in html and "cert-valid" in html and "Valid certificate" in html
    for shown in (person.full_name, person.id_number_masked, certificate.number, "Computer programmer"):
        assert shown in html
    assert certificate.issued_on.isoformat() in html
    assert person.id_number not in html
    logged = Verification.objects.get()
    assert (logged.channel, logged.outcome, logged.certificate) == ("qr", "hit", certificate)
    assert client.get(statement_path(certificate, prefix=""), **HOST).status_code == 200


def test_a_tampered_code_is_said_to_be_not_ours(client, certificate):
    path_ = statement_path(certificate)
    flipped = path_[:-3] + ("B" if path_[-3] == "A" else "A") + path_[-2:]
    for bad in (flipped, "/en/v/not-a-statement", "/en/v/" + "A" * 3000):
        html = client.get(bad, **HOST).content.decode()
        assert "This code was not issued by us or was altered." in html and "Signature valid" not in html
        assert certificate.person.full_name not in html


def test_a_revoked_certificates_code_shows_it_revoked(client, certificate, admin_alice):
    revoke(certificate, reason="冒名顶替（附件 2 第 4.4 条）", by=admin_alice)
    html = client.get(statement_path(certificate), **HOST).content.decode()
    assert "Signature valid" in html and "cert-revoked" in html and "Revoked" in html


def test_a_phone_gets_a_page_that_fits(client, certificate):
    html = client.get(statement_path(certificate), **HOST).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "certificates/verify.css" in html


# -- the public key and the offline check -----------------------------------------------------------------


def test_the_public_key_is_served_as_text_and_checks_a_certificate(client, certificate):
    response = client.get("/certificates/public-key.pem", **HOST)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert response.content == signing.public_key_pem()
    key = load_pem_public_key(response.content)
    key.verify(signing._unb64(certificate.signature), certificate.statement.encode())  # raises if not


def test_the_offline_page_embeds_the_key_and_the_labels_for_the_browsers_check(client, db, notice_2026):
    response = client.get("/en/verify/offline/", **HOST)
    html = response.content.decode()
    assert response.status_code == 200
    assert signing.public_key_pem().decode().strip() in html
    assert "certificates/verify.js" in html and "<script>" not in html  # no inline script (CSP)
    labels = response.context["labels"]
    assert labels["levels"]["4"] == "Level 4 / Intermediate worker"
    assert labels["occupations"]["4-04-05-01"] == "Computer programmer"
    assert 'id="offline-labels" type="application/json"' in html
    assert "cannot check Ed25519 signatures" in html  # shown by verify.js when the browser lacks it
    assert 'data-base="/en/v/"' in html


def test_every_certificate_page_is_public_by_choice():
    from skilleval.certificates.urls_public import urlpatterns as pages

    assert {p.name: getattr(p.callback, "is_public", False) for p in pages} == {
        "certificate-verify": True,
        "certificate-verify-offline": True,
        "certificate-statement": True,
        "certificate-public-key": True,
    }
