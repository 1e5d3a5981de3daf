"""A provider for tests and demonstrations: JSON callbacks signed with HMAC-SHA256 over the raw body."""

import hashlib
import hmac
import json
from datetime import date

from skilleval.core.money import to_money
from skilleval.payments.providers import InvalidCallback, Settlement


class SignedJsonProvider:
    def __init__(self, *, name: str, secret: str):
        self.name = name
        self._secret = secret.encode()

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def verify(self, body: bytes, headers) -> Settlement:
        signature = headers.get("X-Signature", "")
        if not hmac.compare_digest(signature, self.sign(body)):
            raise InvalidCallback("bad_signature", "signature does not match")
        try:
            data = json.loads(body)
            return Settlement(
                transaction_id=str(data["transaction_id"])[:80],
                payment_code=str(data["payment_code"])[:12],
                amount=to_money(str(data["amount"])),
                paid_on=date.fromisoformat(data["paid_on"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidCallback("malformed", f"malformed callback: {type(exc).__name__}") from None
