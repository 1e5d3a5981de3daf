"""State changes for people and access; each writes its audit record (STYLE.md 2)."""

import hashlib
import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.models import ApiToken, Institution, User
from skilleval.accounts.roles import EXCLUSIVE_ADMIN_ROLES, STAFF_ROLES, Role
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
