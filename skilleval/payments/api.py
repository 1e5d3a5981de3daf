"""Callbacks of online payment providers: public (the provider signs them), never trusted unsigned."""

from ninja import Router, Schema
from ninja import Status as Reply

from skilleval.payments.services import settle_callback

router = Router(tags=["payments"])
REFUSED = {"bad_signature", "malformed"}


class CallbackOut(Schema):
    outcome: str


@router.post(
    "/payments/callback/{provider_name}",
    response={200: CallbackOut, 400: CallbackOut, 404: CallbackOut},
    summary="A payment provider's signed notification",
)
def callback(request, provider_name: str):
    try:
        outcome = settle_callback(provider_name, request.body, request.headers)
    except LookupError:
        return Reply(404, CallbackOut(outcome="unknown_provider"))
    return Reply(400 if outcome in REFUSED else 200, CallbackOut(outcome=outcome))
