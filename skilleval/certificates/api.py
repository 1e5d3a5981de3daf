"""Certificate verification over the API (DOMAIN.md §11, SECURITY.md "Public certificate verification").

`POST /api/v1/certificates/verify` takes two identifiers in the body, never in the URL: the certificate number
and the name, or the ID number and the name. The answer is the minimum (ID number masked), one identical body
for every miss, 429 with `Retry-After` when the client is limited or owes a proof of work first.
`GET /api/v1/certificates/public-key` publishes the Ed25519 key that signs the certificates' QR statements.
"""

from typing import Literal

import pydantic
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import model_validator

from skilleval.certificates import signing
from skilleval.certificates.verification import verify as verify_certificate
from skilleval.core import context

router = Router(tags=["certificates"])


class VerifyIn(Schema):
    name: str = Field(
        ..., min_length=1, max_length=100, description="The holder's name as on the certificate."
    )
    number: str = Field(
        "",
        max_length=32,
        description="The 22-character certificate number. Give it, or `id_number`, not both.",
        examples=["S000031400054264000001"],
    )
    id_number: str = Field(
        "", max_length=32, description="The holder's ID number. Give it, or `number`, not both."
    )
    challenge: str = Field(
        "", max_length=600, description="The `challenge` of an earlier `challenge_required` answer."
    )
    nonce: str = Field(
        "",
        max_length=64,
        description="Makes SHA-256(seed + nonce), both as UTF-8 text, start with `bits` zero bits.",
    )

    @model_validator(mode="after")
    def one_identifier(self):
        # The shape, not the data: which identifier is present says nothing about any certificate.
        if bool(self.number.strip()) == bool(self.id_number.strip()):
            raise ValueError(_("Give the certificate number or the ID number, one of the two."))
        return self


class VerifyOut(Schema):
    result: Literal["valid", "revoked", "not_found", "under_verification"] = Field(
        ...,
        description="`not_found` is the one answer to every miss, whatever was wrong; `under_verification` "
        "means the stored record failed its integrity check: ask the organization.",
    )
    number: str | None = None
    name: str | None = None
    id_number: str | None = Field(None, description="Masked: 310101********1234.")
    occupation: str | None = None
    work_type: str | None = Field(None, description="`--` when the occupation has no work type.")
    level: str | None = Field(None, description="As printed on the certificate, e.g. 四级/中级工.")
    issued_on: str | None = Field(None, description="YYYY-MM-DD.")
    organization: str | None = None


class RefusedOut(Schema):
    result: Literal["too_many_requests", "challenge_required"]
    retry_after: int | None = Field(None, description="Seconds to wait (also in the Retry-After header).")
    challenge: str | None = Field(None, description="Send back unchanged with the nonce.")
    seed: str | None = None
    bits: int | None = Field(None, description="Leading zero bits SHA-256(seed + nonce) must have.")


class PublicKeyOut(Schema):
    algorithm: Literal["Ed25519"]
    format: Literal["spki-pem"]
    pem: str


@router.post(
    "/certificates/verify",
    response={200: VerifyOut, 429: RefusedOut},
    exclude_none=True,
    summary="Verify a certificate by number and name, or by ID number and name",
    description="Each client may ask a limited number of times a minute (429 `too_many_requests` with "
    "Retry-After). After repeated misses it must first solve a proof of work: the 429 `challenge_required` "
    "answer carries `challenge`, `seed` and `bits`; send the same question again with `challenge` and a "
    "`nonce` such that SHA-256(seed + nonce) starts with `bits` zero bits. Every lookup is logged without "
    "the query in clear.",
    # The body is read by the operation itself (below); the document still describes it.
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": VerifyIn.model_json_schema()}},
            "required": True,
        }
    },
)
def verify(request):
    # Pydantic reads the JSON itself, in one pass: ninja's own body handling (parse, wrap in a model of the
    # parameters, validate through its Schema hooks) cost ~30 µs of a ~450 µs request. A wrong body is the
    # same 422 as anywhere else in the API (web.api.on_validation_error).
    try:
        payload = VerifyIn.model_validate_json(request.body or b"{}")
    except pydantic.ValidationError as error:
        errors = error.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise HttpError(400, "Cannot parse request body") from None  # ninja's words, as it would say
        raise ValidationError(errors) from None
    ctx = context.current()
    answer = verify_certificate(
        name=payload.name,
        number=payload.number,
        id_number=payload.id_number,
        client_ip=ctx.client_ip if ctx else "",
        channel="api",
        challenge=payload.challenge,
        nonce=payload.nonce,
    )
    # The body is built here rather than by ninja from the declared schemas (which still document it): the
    # answers are our own fixed dicts, and re-validating them cost ~25 µs of a ~600 µs request.
    reply = JsonResponse(answer.body, status=answer.status, json_dumps_params={"ensure_ascii": False})
    if answer.status == 429:
        reply["Retry-After"] = str(answer.body.get("retry_after", 0))
    return reply


@router.get(
    "/certificates/public-key",
    response=PublicKeyOut,
    summary="The public key that checks the signed statement in a certificate's QR code",
    description="The QR code holds `<statement>.<signature>` (base64url), the statement "
    "`C1|number|name|masked ID|occupation code|work type or --|level|YYYYMMDD` in UTF-8, signed with "
    "Ed25519. The same key is at /certificates/public-key.pem.",
)
def public_key(request):
    return {"algorithm": "Ed25519", "format": "spki-pem", "pem": signing.public_key_pem().decode("ascii")}
