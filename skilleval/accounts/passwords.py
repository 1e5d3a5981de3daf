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
