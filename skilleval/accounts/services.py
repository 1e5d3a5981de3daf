"""State changes for people and access; each writes its audit record (STYLE.md 2)."""

import hashlib
import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.models import ApiToken, Institution, User
from skilleval.accounts.roles import EXCLUSIVE_ADMIN_ROLES, STAFF_ROLES, Role
from skilleval.audit.models import Outcome
from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.core.validators import InvalidValue, validate_uscc


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def grant_role(user: User, role: Role | str, *, by: User | None) -> None:
    role = Role(role)
    if by is not None and by.pk == user.pk:
        raise DomainError(_("Nobody may grant a role to themselves."), code="self_grant")
    held = set(user.groups.values_list("name", flat=True))
    if role in held:
        return
    if role in EXCLUSIVE_ADMIN_ROLES and held & EXCLUSIVE_ADMIN_ROLES:
        raise DomainError(
            _("System, security and audit administration must be held by different people."),
            code="exclusive_admin_roles",
        )
    if role == Role.INSTITUTION and user.institution_id is None:
        raise DomainError(_("An institution user must belong to an institution."), code="no_institution")
    with transaction.atomic():
        user.groups.add(Group.objects.get(name=role.value))
        if role in STAFF_ROLES and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        record(by, "accounts.role.grant", user, {"role": role.value})


def revoke_role(user: User, role: Role | str, *, by: User | None) -> None:
    role = Role(role)
    if by is not None and by.pk == user.pk:
        raise DomainError(_("Nobody may change their own roles."), code="self_grant")
    with transaction.atomic():
        user.groups.remove(Group.objects.get(name=role.value))
        record(by, "accounts.role.revoke", user, {"role": role.value})


def create_institution(*, name: str, uscc: str, by: User | None, **details) -> Institution:
    try:
        code = validate_uscc(uscc)
    except InvalidValue as exc:
        raise DomainError(exc.message_zh, code=exc.code, field="uscc") from exc
    if Institution.objects.filter(uscc=code).exists():
        raise DomainError(_("An institution with this credit code exists already."), code="duplicate")
    with transaction.atomic():
        institution = Institution.objects.create(name=name.strip(), uscc=code, **details)
        record(by, "accounts.institution.create", institution, {"name": institution.name})
    return institution


def ensure_first_admin(*, username: str = "admin") -> str | None:
    """Create the first system administrator with a one-time password; None if one exists already.

    The password is returned once (for `make run` to print) and must be changed at first login.
    """
    if User.objects.filter(is_superuser=True).exists():
        return None
    ensure_role_groups()
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3)) + "-A1"
    with transaction.atomic():
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])
        user.groups.add(Group.objects.get(name=Role.SYSTEM_ADMIN))
        record(None, "accounts.admin.bootstrap", user, {"role": Role.SYSTEM_ADMIN.value})
    return password


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(user: User, *, name: str, by: User) -> tuple[ApiToken, str]:
    """A new token for an institution user's programs; the raw value is shown once and never stored."""
    if user.institution_id is None or not user.has_role(Role.INSTITUTION):
        raise DomainError(_("API tokens are for institution users."), code="not_institution")
    raw = "sk_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            institution_id=user.institution_id,
            name=name[:100],
            prefix=raw[:8],
            token_hash=token_hash(raw),
        )
        record(by, "accounts.api_token.issue", token, {"name": token.name})
    return token, raw


def revoke_api_token(token: ApiToken, *, by: User) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(by, "accounts.api_token.revoke", token)


# --- Second factor (TOTP, SECURITY.md "Accounts and sessions"; 等保 8.1.4.1 d) ------------------------------


def pending_totp_device(user: User):
    """The unconfirmed authenticator a user is enrolling: made once, shown as a QR code until confirmed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def confirmed_totp_device(user: User):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def check_totp(user: User, token: str):
    """Return the device that accepts `token`, or None; enrol the pending device on its first good code.

    The device row is locked while the code is checked, so one code used twice at once passes once: the
    device remembers the last time step it accepted and refuses that step and earlier ones (no replay).
    Wrong codes slow down (django-otp's throttling) and each outcome is audited.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    token = (token or "").strip().replace(" ", "")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).order_by("-confirmed", "pk").first()
        if device is None:
            return None
        allowed, _details = device.verify_is_allowed()
        accepted = allowed and token.isdigit() and device.verify_token(token)
        if not accepted:
            if not allowed:
                record(user, "accounts.otp.throttled", user, outcome=Outcome.DENIED)
            else:
                device.refresh_from_db()  # verify_token saved the failure count
                record(user, "accounts.otp.fail", user, outcome=Outcome.FAILURE)
            return None
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record(user, "accounts.otp.enrol", user)
        record(user, "accounts.otp.verify", user)
    return device


def reset_second_factor(user: User, *, by: User) -> int:
    """A lost phone: the security administrator removes the user's authenticators; they enrol again."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if by.pk == user.pk:
        raise DomainError(_("Nobody may reset their own second factor."), code="self_reset")
    with transaction.atomic():
        removed, _details = TOTPDevice.objects.filter(user=user).delete()
        record(by, "accounts.otp.reset", user, {"removed": removed})
    end_sessions(user, by=by, reason="second factor reset")
    return removed


# --- Sessions end on the server (SECURITY.md: logout, deactivation and password change end them) ------------


def end_sessions(user: User, *, by: User | None, reason: str) -> int:
    """Delete every live session of `user` from the session store; they are signed out on their next click."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=500):
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            session.delete()
            ended += 1
    record(by, "accounts.sessions.end", user, {"count": ended, "reason": reason})
    return ended


def deactivate_user(user: User, *, by: User) -> None:
    if by.pk == user.pk:
        raise DomainError(_("Nobody may deactivate themselves."), code="self_deactivate")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(by, "accounts.user.deactivate", user)
    end_sessions(user, by=by, reason="deactivated")
