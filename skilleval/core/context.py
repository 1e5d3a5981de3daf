"""Who is acting, from where, in which request: set once at the edge, read by the audit trail.

Plain contextvars so the lowest layers can read them without importing the web layer; a background job or a
management command sets its own context with `acting_as`.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    client_ip: str | None = None
    user_id: int | None = None
    channel: str = "web"  # web | api | job | command


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "skilleval_ctx", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def set_context(ctx: RequestContext | None) -> contextvars.Token:
    return _current.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


@contextmanager
def acting_as(*, channel: str, user_id: int | None = None, client_ip: str | None = None):
    token = _current.set(
        RequestContext(request_id=new_request_id(), client_ip=client_ip, user_id=user_id, channel=channel)
    )
    try:
        yield
    finally:
        _current.reset(token)
