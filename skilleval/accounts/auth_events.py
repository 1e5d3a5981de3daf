"""Sign-in events become audit rows (SECURITY.md "Audit and integrity": every login and lockout).

Django and django-axes announce these events as signals; they are the framework's own hooks, so listening to
them is the one place this can be written once for the sign-in page, the admin's and any other.
Nothing the person typed is recorded: a typed identifier may be a mobile number.
"""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from skilleval.audit.models import Outcome
from skilleval.audit.services import record

SESSION_STARTED = "skilleval_started"
SESSION_SEEN = "skilleval_seen"


def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now
    record(user, "accounts.login", user)


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, "accounts.logout", user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    record(None, "accounts.login.fail", None, outcome=Outcome.FAILURE)


def on_locked_out(sender, request=None, username=None, **kwargs):
    # `username` is our lockout key (people/backends.py `lockout_key`): `user:<pk>` or a keyed hash.
    target = (
        ("accounts.user", username.split(":", 1)[1]) if username and username.startswith("user:") else None
    )
    record(None, "accounts.lockout", target, {"key": (username or "")[:48]}, outcome=Outcome.DENIED)


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_login, dispatch_uid="skilleval.accounts.login")
    user_logged_out.connect(on_logout, dispatch_uid="skilleval.accounts.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="skilleval.accounts.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="skilleval.accounts.locked_out")
