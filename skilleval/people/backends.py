"""Candidates sign in with their mobile number or e-mail; staff with their username."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from skilleval.core.validators import InvalidValue, validate_mobile
from skilleval.people.models import PHONE_INDEX_PURPOSE
from skilleval.privacy.fields import blind_index


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = self._find(username.strip())
        if user is None:
            # Spend the same time as a real check so a miss cannot be told from a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def _find(self, identifier: str):
        users = get_user_model().objects
        if "@" in identifier:
            return users.filter(email__iexact=identifier).first()
        try:
            mobile = validate_mobile(identifier)
        except InvalidValue:
            return users.filter(username=identifier).first()
        return users.filter(person__phone_index=blind_index(mobile, purpose=PHONE_INDEX_PURPOSE)).first()


LOCKOUT_INDEX_PURPOSE = "accounts.login.identifier"


def lockout_key(request, credentials) -> str:
    """What django-axes counts failures against: the account, never the address (SECURITY.md).

    A typed mobile number, e-mail and username of one account give one key, so an attacker gains nothing by
    switching spellings. An identifier that names no account gets a keyed hash of itself, so it locks the
    same way (the same answer as for a real account) and no typed phone number is stored in clear.
    """
    identifier = (credentials or {}).get("username")
    if identifier is None and request is not None:
        identifier = request.POST.get("username")
    identifier = (identifier or "").strip()
    user = IdentifierBackend()._find(identifier) if identifier else None
    if user is not None:
        return f"user:{user.pk}"
    return "unknown:" + blind_index(identifier.lower(), purpose=LOCKOUT_INDEX_PURPOSE)[:32]
