"""Public verification (SECURITY.md "Public certificate verification"): two identifiers, the minimum in the
answer, one answer for every miss, a limit per client, a challenge after repeated misses, logs without the
query in clear, and the signed QR statement."""

from datetime import date

import pytest

from skilleval.certificates import signing
from skilleval.certificates.models import Verification
from skilleval.certificates.services import issue_certificates, revoke
from skilleval.certificates.verification import check_statement, solve, verify
from skilleval.organization.services import set_policy

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"


@pytest.fixture
def certificate(passed):
    return sorted(issue_certificates(by=None), key=lambda c: c.number)[0]


def ask(**kwargs):
    return verify(**{"client_ip": IP, "channel": "api", **kwargs})


def test_number_and_name_give_the_minimum_with_the_id_masked(certificate):
    answer = ask(number=certificate.number.lower(), name=certificate.person.full_name)
    assert answer.status == 200 and answer.body["result"] == "valid"
    assert answer.body["id_number"] == certificate.person.id_number_masked
    assert set(answer.body) == {
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
    assert answer.body["level"] == "四级/中级工" and answer.body["work_type"] == "--"
    assert certificate.person.id_number not in str(answer.body)


def test_id_number_and_name_find_it_too(certificate):
    answer = ask(id_number=certificate.person.id_number.lower(), name=certificate.person.full_name)
    assert answer.body["number"] == certificate.number


def test_every_miss_gets_the_same_answer(certificate):
    name, number, id_number = certificate.person.full_name, certificate.number, certificate.person.id_number
    misses = [
        ask(number=number, name="王五"),
        ask(number=number[:-1] + "9", name=name),
        ask(id_number="110105199003071239", name=name),
        ask(number=number, id_number=id_number, name=name),  # one identifier with the name, not two
        ask(number=number, name=""),
    ]
    assert {(m.status, tuple(sorted(m.body.items()))) for m in misses} == {(200, (("result", "not_found"),))}


def test_a_revoked_certificate_shows_as_revoked(certificate, admin_alice):
    revoke(certificate, reason="冒名顶替（附件 2 第 4.4 条）", by=admin_alice)
    assert ask(number=certificate.number, name=certificate.person.full_name).body["result"] == "revoked"


def test_each_client_is_limited_and_the_log_holds_no_query_in_clear(certificate, admin_alice):
    set_policy("verify.requests_per_minute", 3, effective_from=date(2026, 1, 1), by=admin_alice)
    for _ in range(3):
        assert ask(number=certificate.number, name=certificate.person.full_name).status == 200
    limited = ask(number=certificate.number, name=certificate.person.full_name)
    assert limited.status == 429 and limited.body["result"] == "too_many_requests"
    assert (
        verify(
            number=certificate.number,
            name=certificate.person.full_name,
            client_ip="198.51.100.1",
            channel="api",
        ).status
        == 200
    )  # another client is not held back
    logged = " ".join(f"{v.client} {v.query}" for v in Verification.objects.all())
    for secret in (certificate.number, certificate.person.full_name, IP):
        assert secret not in logged
    assert list(Verification.objects.values_list("outcome", flat=True)).count("limited") == 1


def test_repeated_misses_need_a_proof_of_work_first(certificate, admin_alice):
    set_policy("verify.misses_before_challenge", 2, effective_from=date(2026, 1, 1), by=admin_alice)
    set_policy("verify.challenge_bits", 8, effective_from=date(2026, 1, 1), by=admin_alice)
    for _ in range(2):
        ask(number="S000031400054264999999", name="某某")
    asked = ask(number=certificate.number, name=certificate.person.full_name)
    assert asked.status == 429 and asked.body["result"] == "challenge_required"
    nonce = solve(asked.body["seed"], asked.body["bits"])
    wrong = ask(
        number=certificate.number,
        name=certificate.person.full_name,
        challenge=asked.body["challenge"],
        nonce=nonce + "x",
    )
    assert wrong.status == 429
    elsewhere = verify(
        number=certificate.number,
        name=certificate.person.full_name,
        client_ip="198.51.100.9",
        channel="api",
        challenge=asked.body["challenge"],
        nonce=nonce,
    )
    assert elsewhere.body["result"] != "challenge_required"  # that client owes no challenge at all
    solved = ask(
        number=certificate.number,
        name=certificate.person.full_name,
        challenge=asked.body["challenge"],
        nonce=nonce,
    )
    assert solved.status == 200 and solved.body["result"] == "valid"


def test_the_qr_statement_is_checked_against_the_public_key(certificate):
    url = signing.qr_url(certificate.statement, certificate.signature)
    fields = check_statement(url, client_ip=IP)
    assert fields["number"] == certificate.number and fields["state"] == "valid"
    flipped = url[:-3] + ("B" if url[-3] == "A" else "A") + url[-2:]  # one character of the signature
    assert check_statement(flipped, client_ip=IP) is None
    assert b"BEGIN PUBLIC KEY" in signing.public_key_pem()


@pytest.mark.redis
def test_with_redis_the_lookup_log_goes_in_batches_and_nothing_is_lost(certificate, settings):
    import io

    from django.core.cache import caches
    from django.core.management import call_command

    from skilleval.certificates.tally import _redis

    assert _redis(caches["default"]) is not None  # the Redis pass: counters and the log buffer live in Redis
    settings.VERIFICATION_LOG_BATCH = 3
    before = Verification.objects.count()
    for _ in range(2):
        ask(number=certificate.number, name=certificate.person.full_name)
    assert Verification.objects.count() == before  # still buffered
    ask(number=certificate.number, name="王五")  # the third fills the batch
    assert Verification.objects.count() == before + 3
    ask(number=certificate.number, name=certificate.person.full_name)
    out = io.StringIO()
    call_command("flush_verification_log", stdout=out)
    assert "1 lookups moved" in out.getvalue() and Verification.objects.count() == before + 4
    assert list(Verification.objects.order_by("-pk").values_list("outcome", flat=True)[:2]) == ["hit", "miss"]
    redis = _redis(caches["default"])
    counters = redis.keys(caches["default"].make_key("verify:*:*"))
    assert {k.decode().split(":")[-3] for k in counters} == {"req", "miss"}
    assert all(0 < redis.ttl(k) <= 1200 for k in counters)  # each got its expiry when it was created


@pytest.mark.redis
def test_buffered_lines_keep_every_field_and_rows_queued_by_the_older_format_still_land(
    certificate, settings, admin_alice
):
    import json

    from django.core.cache import caches

    from skilleval.certificates.tally import LOG_KEY, _redis, flush_log

    settings.VERIFICATION_LOG_BATCH = 1000
    backend = caches["default"]
    redis, key = _redis(backend), backend.make_key(LOG_KEY)
    redis.delete(key)
    old = {"at": "2026-01-05T08:00:00+00:00", "client": "c" * 64, "query": "q" * 64, "channel": "page"}
    redis.rpush(key, "hit|" + json.dumps({**old, "certificate_id": certificate.pk}))  # outcome|JSON
    redis.rpush(key, json.dumps({**old, "outcome": "miss"}))  # JSON with the outcome inside
    set_policy("verify.requests_per_minute", 1, effective_from=date(2026, 1, 1), by=admin_alice)
    ask(number=certificate.number, name=certificate.person.full_name)  # allowed: a hit
    ask(number=certificate.number, name=certificate.person.full_name)  # found, but limited
    before = Verification.objects.count()
    assert flush_log() == 4 and Verification.objects.count() == before + 4
    rows = list(
        Verification.objects.order_by("-pk").values("outcome", "channel", "certificate_id", "client", "at")[
            :4
        ]
    )[::-1]
    assert [(r["outcome"], r["channel"], r["certificate_id"]) for r in rows] == [
        ("hit", "page", certificate.pk),
        ("miss", "page", None),
        ("hit", "api", certificate.pk),
        ("limited", "api", None),  # a refused request never names what the lookup found
    ]
    assert rows[0]["client"] == "c" * 64 and rows[0]["at"].isoformat() == "2026-01-05T08:00:00+00:00"
    assert len(rows[2]["client"]) == 64 and rows[2]["client"] != "c" * 64
