"""Online payment providers (WeChat Pay, Alipay, UnionPay …) plug in behind one small interface.

A provider turns a callback's raw body and headers into a `Settlement` it has verified (signature, format),
or raises `InvalidCallback`. Everything after that (finding the payment, amounts, replays, confirmation and
logging) is the same for every provider and lives in `payments.services.settle_callback`."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class InvalidCallback(ValueError):
    def __init__(self, outcome: str, detail: str):
        super().__init__(detail)
        self.outcome = outcome


@dataclass(frozen=True)
class Settlement:
    transaction_id: str
    payment_code: str
    amount: Decimal
    paid_on: date


class Provider(Protocol):
    name: str

    def verify(self, body: bytes, headers) -> Settlement: ...


def provider(name: str) -> Provider:
    """The provider configured under `PAYMENT_PROVIDERS[name]` (a dotted path and its options)."""
    config = getattr(settings, "PAYMENT_PROVIDERS", {}).get(name)
    if config is None:
        raise LookupError(name)
    return import_string(config["class"])(name=name, **config.get("options", {}))
