"""Password composition per 等保 2.0 (GB/T 22239 8.1.4.1 a): at least three character classes."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    classes_required = 3

    def validate(self, password, user=None):
        classes = [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.classes_required:
            raise ValidationError(
                _(
                    "The password must mix at least three of: lower-case letters, upper-case letters, "
                    "digits, symbols."
                ),
                code="password_character_classes",
            )

    def get_help_text(self):
        return _("Mix at least three of: lower-case letters, upper-case letters, digits, symbols.")


class StaffLengthValidator:
    """Staff passwords are longer (SECURITY.md: at least 8 characters, staff 12)."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password, user=None):
        if user is not None and (user.is_staff or user.is_superuser) and len(password) < self.min_length:
            raise ValidationError(
                _("Staff passwords must be at least %(min_length)d characters long."),
                code="password_too_short_for_staff",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return _("Staff passwords have at least %(min_length)d characters.") % {"min_length": self.min_length}
