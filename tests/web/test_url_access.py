"""Deny by default (SECURITY.md "Access"): every URL is public by an explicit mark, or needs a named role.

A new view without a decision fails here, so nobody ships an open page by forgetting a decorator.
"""

from django.urls import URLPattern, URLResolver, get_resolver
from ninja.constants import NOT_SET

from skilleval.web.api import api

# Django's own views that are meant for everyone.
DJANGO_PUBLIC = {"django.views.i18n.set_language"}
# API operations anyone may call; every other operation must name an auth.
# The payment callback is public by design: the provider's signature, checked per request, is its guard.
# Certificate verification is public by rule (SECURITY.md "Public certificate verification"): its guards are
# the two identifiers, the per-client limit and the proof of work.
PUBLIC_API = {
    "/catalog",
    "/cycles",
    "/eligibility/check",
    "/payments/callback/{provider_name}",
    "/certificates/verify",
    "/certificates/public-key",
}


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace or ""
            if namespace == "admin" or namespace.startswith("api-v1"):
                continue  # the admin guards itself; the API is checked operation by operation below
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def decision(callback) -> str | None:
    if getattr(callback, "is_public", False):
        return "public"
    if getattr(callback, "required_roles", None):
        return "roles"
    if getattr(callback, "requires_candidate", False):
        return "candidate"
    if getattr(callback, "staff_only", False):
        return "staff"
    if getattr(callback, "requires_sign_in", False):
        return "signed in, scoped per object in the view"
    if f"{callback.__module__}.{callback.__name__}" in DJANGO_PUBLIC:
        return "public"
    return None


def test_every_url_is_public_by_choice_or_protected():
    undecided = [route for route, callback in walk(get_resolver().url_patterns) if decision(callback) is None]
    assert undecided == [], f"views with no access decision: {undecided}"


def effective_auth(operation, router):
    """The operation's own auth, else its router's, else the API's (ninja resolves it in that order)."""
    for auth in (operation.auth_param, router.auth, api.auth):
        if auth is not NOT_SET:
            return auth
    return None


def test_every_api_operation_is_public_by_choice_or_authenticated():
    undecided = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                public = (prefix + path) in PUBLIC_API
                if not public and not effective_auth(operation, router):
                    undecided.append(prefix + path)
    assert undecided == [], f"API operations with no auth: {undecided}"


def test_the_check_itself_catches_an_unmarked_view():
    def naked(request):
        return None

    assert decision(naked) is None
