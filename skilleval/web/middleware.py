"""Give every request an id and a client address the audit trail and the logs can read."""

import dataclasses

from django.conf import settings

from skilleval.core import context


def client_ip(request) -> str | None:
    # Behind a proxy that the deployment names, take the address it saw; otherwise the socket's peer.
    # A client-supplied X-Forwarded-For is never trusted on its own (it would defeat per-IP limits).
    remote = request.META.get("REMOTE_ADDR")
    if remote and remote in getattr(settings, "TRUSTED_PROXIES", ()):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1]
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = context.new_request_id()
        request.request_id = request_id
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_context(
            context.RequestContext(request_id=request_id, client_ip=client_ip(request), channel=channel)
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset_context(token)
        response["X-Request-ID"] = request_id
        return response


class AuditActorMiddleware:
    """After authentication: remember who is acting, for audit rows written below the views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = context.current()
        user = getattr(request, "user", None)
        if ctx is not None and user is not None and user.is_authenticated:
            context.set_context(dataclasses.replace(ctx, user_id=user.pk))
        return self.get_response(request)
