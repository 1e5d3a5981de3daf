"""Certificate verification over the API (DOMAIN.md §11, SECURITY.md "Public certificate verification"): two
identifiers by POST, the minimum in the answer, one body for every miss, 429 with Retry-After when limited or
when a proof of work is due, 422 for a body of the wrong shape, the public key, and the OpenAPI contract."""

import json
import logging
from datetime import date

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from skilleval.certificates import signing
from skilleval.certificates.models import Verification
from skilleval.certificates.services import issue_certificates, revoke
from skilleval.certificates.verification import solve
from skilleval.organization.services import set_policy

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
URL = "/api/v1/certificates/verify"
ANSWER = {
    "result",
    "number",
    "name",
    "id_number",
    "occupation",
    "work_type",
    "level",
    "issued_on",
    "organization",
}


@pytest.fixture
def certificate(passed):
    return sorted(issue_certificates(by=None), key=lambda c: c.number)[0]


def ask(client, body, ip="203.0.113.7", **headers):
    return client.post(
        URL, json.dumps(body), content_type="application/json", REMOTE_ADDR=ip, **HOST, **headers
    )


def test_number_and_name_find_the_certificate_with_the_minimum_and_log_the_lookup(client, certificate):
    person = certificate.person
    response = ask(client, {"number": certificate.number, "name": person.full_name})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == ANSWER and body["result"] == "valid" and body["number"] == certificate.number
    assert body["id_number"] == person.id_number_masked and body["level"] == "四级/中级工"
    assert person.id_number not in response.content.decode()
    assert "\\u" not in response.content.decode()  # Chinese as Chinese
    logged = Verification.objects.get()
    assert (logged.channel, logged.outcome, logged.certificate) == ("api", "hit", certificate)


def test_the_id_number_and_name_find_it_too_and_never_reach_a_log_line(client, certificate, caplog):
    caplog.set_level(logging.DEBUG)
    person = certificate.person
    response = ask(client, {"id_number": person.id_number.lower(), "name": person.full_name})
    assert response.status_code == 200 and response.json()["number"] == certificate.number
    assert person.id_number not in caplog.text
    assert all(person.id_number not in str(r.args) for r in caplog.records)


def test_every_miss_gets_the_same_bytes_whatever_was_wrong(client, certificate):
    person = certificate.person
    misses = [
        {"number": certificate.number, "name": "王五"},
        {"number": certificate.number[:-1] + "9", "name": person.full_name},
        {"number": "not a number at all", "name": person.full_name},
        {"id_number": "110105199003071239", "name": person.full_name},
    ]
    answers = [ask(client, body) for body in misses]
    assert {(a.status_code, a.content) for a in answers} == {(200, b'{"result": "not_found"}')}
    assert set(Verification.objects.values_list("outcome", flat=True)) == {"miss"}


def test_a_revoked_certificate_says_so(client, certificate, admin_alice):
    revoke(certificate, reason="冒名顶替（附件 2 第 4.4 条）", by=admin_alice)
    response = ask(client, {"number": certificate.number, "name": certificate.person.full_name})
    assert response.status_code == 200 and response.json()["result"] == "revoked"


def test_a_client_over_its_limit_gets_429_with_retry_after_and_others_do_not(
    client, certificate, admin_alice
):
    set_policy("verify.requests_per_minute", 2, effective_from=date(2026, 1, 1), by=admin_alice)
    question = {"number": certificate.number, "name": certificate.person.full_name}
    assert [ask(client, question).status_code for _ in range(2)] == [200, 200]
    limited = ask(client, question)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert limited.json() == {"result": "too_many_requests", "retry_after": 60}
    assert ask(client, question, ip="198.51.100.1").status_code == 200
    assert list(Verification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "hit",
        "hit",
        "limited",
        "hit",
    ]


def test_after_repeated_misses_a_solved_challenge_gets_the_answer(client, certificate, admin_alice):
    set_policy("verify.misses_before_challenge", 2, effective_from=date(2026, 1, 1), by=admin_alice)
    set_policy("verify.challenge_bits", 8, effective_from=date(2026, 1, 1), by=admin_alice)
    for _ in range(2):
        ask(client, {"number": "S000031400054264999999", "name": "某某"})
    question = {"number": certificate.number, "name": certificate.person.full_name}
    asked = ask(client, question)
    challenge = asked.json()
    assert asked.status_code == 429 and asked["Retry-After"] == "0"
    assert challenge["result"] == "challenge_required" and challenge["bits"] == 8
    assert set(challenge) == {"result", "challenge", "seed", "bits"}
    nonce = solve(challenge["seed"], challenge["bits"])
    wrong = ask(client, {**question, "challenge": challenge["challenge"], "nonce": nonce + "x"})
    assert wrong.status_code == 429 and wrong.json()["result"] == "challenge_required"
    solved = ask(client, {**question, "challenge": challenge["challenge"], "nonce": nonce})
    assert solved.status_code == 200 and solved.json()["result"] == "valid"
    assert list(Verification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "miss",
        "miss",
        "challenged",
        "challenged",
        "hit",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "S000031400054264000001"}, "name"),
        ({"number": "S000031400054264000001", "name": ""}, "name"),
        ({"number": "S000031400054264000001", "name": "李" * 101}, "name"),
        ({"number": 42, "name": "李明"}, "number"),
        ({"name": "李明"}, "__all__"),
        ({"number": "S000031400054264000001", "id_number": "110105199003071239", "name": "李明"}, "__all__"),
        ({"number": "S000031400054264000001", "name": "李明", "nonce": "9" * 65}, "nonce"),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_422_naming_the_field_and_looks_nothing_up(client, db, body, field):
    response = ask(client, body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Verification.objects.exists()


def test_one_identifier_of_the_two_is_asked_for_in_the_requests_language(client, db):
    errors = ask(client, {"name": "李明"}, HTTP_ACCEPT_LANGUAGE="en").json()["errors"]
    assert errors == {"__all__": ["Give the certificate number or the ID number, one of the two."]}


def test_the_public_key_is_published_and_checks_a_certificates_signature(client, certificate):
    body = client.get("/api/v1/certificates/public-key", **HOST).json()
    assert body["algorithm"] == "Ed25519" and body["pem"].encode() == signing.public_key_pem()
    key = load_pem_public_key(body["pem"].encode())
    key.verify(signing._unb64(certificate.signature), certificate.statement.encode())  # raises if not


def test_the_openapi_document_describes_both_operations(client, db):
    schema = client.get("/api/v1/openapi.json", **HOST).json()
    verify = schema["paths"]["/api/v1/certificates/verify"]["post"]
    assert {"200", "429"} <= set(verify["responses"])
    body = verify["requestBody"]["content"]["application/json"]["schema"]  # inline: the operation reads it
    assert verify["requestBody"]["required"] is True and body["required"] == ["name"]
    assert {"name", "number", "id_number", "challenge", "nonce"} == set(body["properties"])
    assert body["properties"]["nonce"]["maxLength"] == 64
    assert "get" in schema["paths"]["/api/v1/certificates/public-key"]


def test_every_kind_of_answer_is_what_the_openapi_document_declares(client, certificate, admin_alice):
    # The view writes its JSON itself (ninja no longer re-validates it): each answer is checked here against
    # the schemas the OpenAPI document publishes, with nothing undeclared in it.
    from skilleval.certificates.api import RefusedOut, VerifyOut

    def conforms(response, schema):
        body = response.json()
        assert set(body) <= set(schema.model_fields), body
        schema.model_validate(body)
        return body["result"]

    question = {"number": certificate.number, "name": certificate.person.full_name}
    assert conforms(ask(client, question), VerifyOut) == "valid"
    assert conforms(ask(client, {**question, "name": "某某"}), VerifyOut) == "not_found"
    set_policy("verify.misses_before_challenge", 1, effective_from=date(2026, 1, 1), by=admin_alice)
    assert conforms(ask(client, question), RefusedOut) == "challenge_required"
    set_policy("verify.requests_per_minute", 1, effective_from=date(2026, 1, 1), by=admin_alice)
    assert conforms(ask(client, question), RefusedOut) == "too_many_requests"
    revoke(certificate, reason="冒名顶替（附件 2 第 4.4 条）", by=admin_alice)
    assert conforms(ask(client, question, ip="198.51.100.9"), VerifyOut) == "revoked"


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"{not json", 400, "The body is not valid JSON."),
        ('{"name": "李"'.encode(), 400, "The body is not valid JSON."),
        (b"\xff\xfe", 400, "The body is not valid JSON."),
        (b"[1, 2]", 422, "This field is required."),  # an object without a name, as ninja read it
        (b"", 422, "This field is required."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_in_the_requests_language(
    client, db, raw, status, message
):
    response = client.post(
        URL,
        raw,
        content_type="application/json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_ACCEPT_LANGUAGE="en",
        **HOST,
    )
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors == ({"name": [message]} if status == 422 else {"__all__": [message]})
    assert not Verification.objects.exists()
