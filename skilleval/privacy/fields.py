"""Model fields for personal data: encrypted at rest, decrypted on load, never queryable by value."""

from django.core.exceptions import FieldError
from django.db import models

from skilleval.privacy.keys import keyring


class EncryptedTextField(models.TextField):
    """Stores `key_id:base64(nonce|ciphertext|tag)`; the Python value is the plain string.

    `purpose` (e.g. `people.person.id_number`) is bound into each ciphertext. Equality lookups are refused:
    query the blind-index column beside it instead.
    """

    def __init__(self, *args, purpose: str, **kwargs):
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return keyring().decrypt(value, purpose=self.purpose).decode()

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return keyring().encrypt(str(value).encode(), purpose=self.purpose)

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull"}:
            raise FieldError(f"{self.purpose} is encrypted; look it up through its blind index")
        return super().get_lookup(lookup_name)


def blind_index(value: str, *, purpose: str) -> str:
    return keyring().blind_index(value, purpose=purpose)
