"""Give every request an id and a client address the audit trail and the logs can read."""

import dataclasses
import functools
import time

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from skilleval.accounts.access import needs_second_factor, password_expired
from skilleval.accounts.auth_events import SESSION_SEEN, SESSION_STARTED
from skilleval.audit.services import record
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
        # Left set until the request is finished (web/apps.py clears it then): Django logs a 4xx or 5xx after
        # the middleware has returned, and that line should carry the id too.
        context.set_context(
            context.RequestContext(request_id=request_id, client_ip=client_ip(request), channel=channel)
        )
        response = self.get_response(request)
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


class ApiLanguageMiddleware:
    """The API answers in the language of `Accept-Language` (Simplified Chinese by default).

    Pages take their language from the URL prefix (/en/…); with an unprefixed default language Django gives
    every unprefixed path the default, which would leave API clients no way to ask for English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        return response


def axes_client_ip(request) -> str | None:
    """django-axes reads the client address the same way the audit trail does (trusted proxies only)."""
    return client_ip(request)


class SessionLimitsMiddleware:
    """Sessions end after 30 minutes idle (staff 15) and 12 hours in all (SECURITY.md; 等保 8.1.4.1 b).

    The times live in the session itself (set at login, accounts/auth_events.py); an expired session is
    flushed on the server, not only forgotten by the browser. A session whose user has gone (deactivated,
    or signed out by a password change elsewhere) is flushed too. Pages for a signed-in user carry
    `Cache-Control: no-store`: they hold personal data, and no shared or back-button cache should keep them.
    """

    TOUCH_EVERY = 60  # seconds: the last-seen time is written at most once a minute, not on every click

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None:
            if user.is_authenticated:
                expired = self._expired(request, session, user)
                if expired:
                    record(user, "accounts.session.expire", user, {"reason": expired})
                    logout(request)
                    messages.info(
                        request,
                        _("You were signed out after a period without activity.")
                        if expired == "idle"
                        else _("You were signed out: a session lasts %(hours)d hours at most. Sign in again.")
                        % {"hours": settings.SESSION_ABSOLUTE_SECONDS // 3600},
                    )
                    return redirect_to_login(request.get_full_path())
            elif SESSION_KEY in session:
                session.flush()  # the account behind it can no longer sign in: end the session for good
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True)
        return response

    def _expired(self, request, session, user) -> str | None:
        now = int(time.time())
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None or seen is None:
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
            return None
        idle = settings.SESSION_IDLE_SECONDS_STAFF if user.is_staff else settings.SESSION_IDLE_SECONDS
        if now - started > settings.SESSION_ABSOLUTE_SECONDS:
            return "absolute"
        if now - seen > idle:
            return "idle"
        if now - seen >= self.TOUCH_EVERY:
            session[SESSION_SEEN] = now
        return None


def _second_factor_paths() -> set[str]:
    return {reverse("two-factor"), reverse("logout"), reverse("admin:logout")}


class SecondFactorMiddleware:
    """Staff and institution users reach nothing but the second-factor page until a TOTP code is verified.

    Enforced here, for every page including the admin, rather than per view, so no page can forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_second_factor(user)
            and not user.is_verified()
            and request.path not in _second_factor_paths()
            and not request.path.startswith(("/static/", "/i18n/", "/api/"))
        ):
            return redirect_to_login(request.get_full_path(), login_url=reverse("two-factor"))
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user holding a one-time password (the first administrator), or staff whose password is older than
    STAFF_PASSWORD_MAX_AGE_DAYS, change it before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and self._must_change(user):
            allowed = {
                reverse("admin:password_change"),
                reverse("admin:password_change_done"),
                reverse("admin:logout"),
                reverse("logout"),
                reverse("two-factor"),  # the second factor comes first, then the new password
            }
            if request.path not in allowed and not request.path.startswith(("/static/", "/i18n/")):
                return redirect("admin:password_change")
        return self.get_response(request)

    @staticmethod
    def _must_change(user) -> bool:
        return user.must_change_password or password_expired(
            user, max_age_days=settings.STAFF_PASSWORD_MAX_AGE_DAYS, now=timezone.now()
        )


# What a view may set on a response, or a template on the request, to change the policy of one response.
_CSP_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


@functools.lru_cache(maxsize=4)
def _csp_header(_policy_id: int) -> str:
    return build_policy()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, with the header built once. Our policy uses no nonce and no view changes it, yet the stock
    middleware builds the same string again for every response (about 0.15 ms, a tenth of a certificate
    verification). Anything that makes one response's policy differ goes through django-csp unchanged."""

    def process_response(self, request, response):
        varies = getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _CSP_PER_RESPONSE
        )
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        special = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or policy.get(
            "EXCLUDE_URL_PREFIXES"
        )
        if varies or special or settings.DEBUG:
            return super().process_response(request, response)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = _csp_header(id(policy))
        return response
