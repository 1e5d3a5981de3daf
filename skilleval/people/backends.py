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
