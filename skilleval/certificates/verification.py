"""Public certificate verification (SECURITY.md "Public certificate verification", DOMAIN.md §11).

Two identifiers are needed: the certificate number and the name, or the ID number and the name, sent by POST.
The answer is the minimum, with the ID number masked; every miss, whatever was wrong, gets one identical
answer. Each client (its address, as a keyed digest) may ask `verify.requests_per_minute` times a minute
(policy); after `verify.misses_before_challenge` misses in ten minutes it must first solve a proof-of-work
challenge (`verify.challenge_bits` leading zero bits of SHA-256: 16 bits take a browser about a quarter of a
second, and anyone enumerating that much per guess). Every lookup is logged without the query in clear.

The counters live in the shared cache (Redis when REDIS_URL is set), not in the log table: counting log rows
on every request cost more than the lookup itself (bench/certificate_verify.py). The policies, the catalog
names and the organization's name are remembered in the process for a minute.
"""

import functools
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.core import signing as django_signing
from django.utils import timezone, translation

from skilleval.catalog.models import CatalogItem, Level
from skilleval.certificates import signing, tally
from skilleval.certificates.models import Certificate, Verification
from skilleval.certificates.services import trustworthy
from skilleval.core.validators import normalize_id_number
from skilleval.dbtools import fetch_one_prepared
from skilleval.organization.models import Organization
from skilleval.organization.policy import cached_policy
from skilleval.people.models import DocumentType
from skilleval.people.services import id_index
from skilleval.privacy.fields import blind_index

CLIENT_PURPOSE = "certificates.verification.client"
QUERY_PURPOSE = "certificates.verification.query"
CHALLENGE_SALT = "certificates.verification.challenge"
CHALLENGE_SECONDS = 600
MISS = {"result": "not_found"}


@dataclass(frozen=True)
class Answer:
    status: int  # 200, or 429 when limited or a challenge is due
    body: dict


def _digest(text: str, purpose: str) -> str:
    return blind_index(text, purpose=purpose)


def new_challenge(client: str, bits: int) -> dict:
    seed = secrets.token_hex(16)
    token = django_signing.dumps({"s": seed, "b": bits, "c": client}, salt=CHALLENGE_SALT)
    return {"challenge": token, "seed": seed, "bits": bits}


def solves(token: str, nonce: str, client: str) -> bool:
    """The nonce makes sha256(seed + nonce) start with the asked zero bits, for this client, in time."""
    try:
        data = django_signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_SECONDS)
    except django_signing.BadSignature:
        return False
    if data.get("c") != client or not nonce or len(nonce) > 64:
        return False
    digest = int.from_bytes(hashlib.sha256((data["s"] + nonce).encode()).digest(), "big")
    return digest >> (256 - int(data["b"])) == 0


def solve(seed: str, bits: int) -> str:
    """What a client does (for tests and scripts): find a nonce."""
    n = 0
    while True:
        nonce = str(n)
        if int.from_bytes(hashlib.sha256((seed + nonce).encode()).digest(), "big") >> (256 - bits) == 0:
            return nonce
        n += 1


def verify(
    *,
    name: str,
    number: str = "",
    id_number: str = "",
    client_ip: str,
    channel: str,
    challenge: str = "",
    nonce: str = "",
) -> Answer:
    client = _digest(client_ip or "unknown", CLIENT_PURPOSE)
    name, number, id_number = name.strip(), number.strip().upper(), id_number.strip()
    query = _digest(f"{number}|{normalize_id_number(id_number) if id_number else ''}|{name}", QUERY_PURPOSE)
    now = timezone.now()
    today = timezone.localdate(now)
    limits = tally.Limits(
        per_minute=int(cached_policy("verify.requests_per_minute", on=today)),
        misses=int(cached_policy("verify.misses_before_challenge", on=today)),
        challenge_solved=bool(challenge) and solves(challenge, nonce, client),
    )
    # The lookup runs before the limits are applied, so counting, deciding and logging take one round trip
    # to Redis; a refused request never sees what the lookup found.
    certificate = _find(name=name, number=number, id_number=id_number)
    outcome = tally.decide(
        client=client,
        query=query,
        channel=channel,
        found=certificate is not None,
        certificate_id=getattr(certificate, "id", None),
        limits=limits,
        at=now,
    )
    if outcome == Verification.Outcome.LIMITED:
        return Answer(429, {"result": "too_many_requests", "retry_after": 60})
    if outcome == Verification.Outcome.CHALLENGED:
        bits = int(cached_policy("verify.challenge_bits", on=today))
        return Answer(429, {"result": "challenge_required", **new_challenge(client, bits)})
    if certificate is None:
        return Answer(200, dict(MISS))
    return Answer(200, describe(certificate))


class Found(NamedTuple):
    """What a lookup reads: the certificate's columns its integrity tag and the answer rest on, with the
    holder's name and masked ID number. A tuple rather than model instances: building a Certificate and a
    Person cost more Python than the rest of the lookup (bench/certificate_verify.py). The names are the
    model's, so `trustworthy()` checks it as it checks a Certificate."""

    id: int
    number: str
    application_id: int
    person_id: int
    item_id: int
    level: int
    issued_on: date
    state: str
    statement: str
    signature: str
    tag: str
    full_name: str
    id_number_masked: str


# One statement, written out: the ORM spent more time composing this query than PostgreSQL spent running it.
# Column names come from Found, never from input; the values are parameters.
_FIND_SQL = (
    "SELECT "  # noqa: S608
    + ", ".join(f"c.{column}" for column in Found._fields[:-2])
    + ", p.full_name, p.id_number_masked"
    " FROM certificates_certificate c JOIN people_person p ON p.id = c.person_id"
    " WHERE {condition} ORDER BY c.issued_on DESC, c.id DESC LIMIT 1"
)


def _find(*, name: str, number: str, id_number: str) -> Found | None:
    if not name or bool(number) == bool(id_number):
        return None
    if number:
        condition, params = "c.number = %s AND p.full_name = %s", [number, name]
    else:
        normalised = normalize_id_number(id_number)
        indexes = [id_index(t, normalised) for t in DocumentType.values]
        condition = f"p.id_number_index IN ({', '.join(['%s'] * len(indexes))}) AND p.full_name = %s"
        params = [*indexes, name]
    row = fetch_one_prepared(_FIND_SQL.format(condition=condition), params)
    return None if row is None else Found._make(row)


def describe(certificate: Found) -> dict:
    """The minimum a verifier needs, the ID number masked."""
    if not trustworthy(certificate):
        return {"result": "under_verification", "number": certificate.number}
    occupation, work_type = _item_names(certificate.item_id)
    return {
        "result": "revoked" if certificate.state == Certificate.State.REVOKED else "valid",
        "number": certificate.number,
        "name": certificate.full_name,
        "id_number": certificate.id_number_masked,
        "occupation": occupation,
        "work_type": work_type,
        "level": _level_label(certificate.level),
        "issued_on": certificate.issued_on.isoformat(),
        "organization": _organization_name(),
    }


def check_statement(token: str, *, client_ip: str) -> dict | None:
    """A scanned QR: the signed statement's fields (checked against our public key) and, when the
    certificate is here, whether it is still valid. Logged like a lookup."""
    fields = signing.check(token)
    outcome = Verification.Outcome.MISS
    certificate = None
    if fields is not None:
        certificate = Certificate.objects.filter(number=fields["number"]).first()
        outcome = Verification.Outcome.HIT if certificate else Verification.Outcome.MISS
    Verification.objects.create(
        client=_digest(client_ip or "unknown", CLIENT_PURPOSE),
        query=_digest(token[:200], QUERY_PURPOSE),
        channel="qr",
        outcome=outcome,
        certificate=certificate,
    )
    if fields is None:
        return None
    state = "unknown"
    if certificate is not None:
        if (
            not trustworthy(certificate)
            or signing.payload(certificate.statement, certificate.signature) not in token
        ):
            state = "under_verification"  # the row, or the statement held for it, is not what was signed
        else:
            state = "revoked" if certificate.state == Certificate.State.REVOKED else "valid"
    return {**fields, "state": state}


_NAMES: dict = {}


def _item_names(item_id: int) -> tuple[str, str]:
    """An item's occupation and work type names, remembered for a minute (they change by notice only)."""
    now = time.monotonic()
    hit = _NAMES.get(("item", item_id))
    if hit is None or hit[1] < now:
        item = CatalogItem.objects.select_related("occupation", "work_type").get(pk=item_id)
        hit = ((item.occupation.name, item.work_type.name if item.work_type_id else "--"), now + 60)
        _NAMES[("item", item_id)] = hit
    return hit[0]


@functools.cache
def _level_label(level: int) -> str:
    """As printed on the certificate, in Chinese whatever the request's language (a fixed text per level)."""
    with translation.override("zh-hans"):
        return str(Level(level).label)


def _organization_name() -> str:
    now = time.monotonic()
    hit = _NAMES.get("organization")
    if hit is None or hit[1] < now:
        hit = (Organization.objects.values_list("name", flat=True).first() or "", now + 60)
        _NAMES["organization"] = hit
    return hit[0]
