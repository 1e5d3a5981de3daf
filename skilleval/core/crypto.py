"""Field encryption and blind indexes for personal data (SECURITY.md "Personal data"; DOMAIN.md §14).

A ciphertext names the key that sealed it (`k2:…`), so keys rotate: new writes use the current key, old rows
stay readable until re-encrypted. Each key carries its cipher, AES-256-GCM by default or SM4-GCM (国密).
The associated data binds a ciphertext to its purpose (`people.person.id_number`), so a value copied into
another column does not decrypt. A tampered ciphertext raises; it never returns garbage.

Lookup and de-duplication use a blind index: HMAC-SHA256 under its own key over the normalised value, so
equal ID numbers give equal index values without the database ever holding the number.
"""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AES_256_GCM = "aes-256-gcm"
SM4_GCM = "sm4-gcm"
KEY_BYTES = {AES_256_GCM: 32, SM4_GCM: 16}
NONCE_BYTES = 12
TAG_BYTES = 16


class TamperedCiphertext(ValueError):
    """The ciphertext fails authentication, names an unknown key, or is not one of ours."""


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    cipher: str
    secret: bytes = field(repr=False)

    def __post_init__(self):
        if self.cipher not in KEY_BYTES:
            raise ValueError(f"unknown cipher {self.cipher!r}; use {AES_256_GCM} or {SM4_GCM}")
        if len(self.secret) != KEY_BYTES[self.cipher]:
            raise ValueError(f"key {self.key_id} must be {KEY_BYTES[self.cipher]} bytes for {self.cipher}")
        if not self.key_id.isalnum():
            raise ValueError("key ids are letters and digits")


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, FieldKey]
    current: str
    index_secret: bytes = field(repr=False)

    def __post_init__(self):
        if self.current not in self.keys:
            raise ValueError(f"current key {self.current!r} is not in the keyring")
        if len(self.index_secret) < 32:
            raise ValueError("the blind-index key must be at least 32 bytes")

    def encrypt(self, plaintext: bytes, *, purpose: str) -> str:
        key = self.keys[self.current]
        nonce = os.urandom(NONCE_BYTES)
        sealed = _seal(key, nonce, plaintext, purpose.encode())
        return f"{key.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, purpose: str) -> bytes:
        key_id, sep, body = token.partition(":")
        key = self.keys.get(key_id)
        if not sep or key is None:
            raise TamperedCiphertext(f"ciphertext names no known key ({key_id[:8]!r})")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
        except ValueError:
            raise TamperedCiphertext("ciphertext is not base64") from None
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise TamperedCiphertext("ciphertext is too short")
        try:
            return _open(key, raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
        except InvalidTag:
            raise TamperedCiphertext(f"ciphertext for {purpose} fails authentication") from None

    def key_id_of(self, token: str) -> str:
        return token.partition(":")[0]

    def blind_index(self, value: str, *, purpose: str) -> str:
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(self.index_secret, message, hashlib.sha256).hexdigest()


def _seal(key: FieldKey, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if key.cipher == AES_256_GCM:
        return AESGCM(key.secret).encrypt(nonce, plaintext, aad)
    encryptor = Cipher(algorithms.SM4(key.secret), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _open(key: FieldKey, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if key.cipher == AES_256_GCM:
        return AESGCM(key.secret).decrypt(nonce, sealed, aad)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key.secret), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def new_key(key_id: str, cipher: str = AES_256_GCM) -> FieldKey:
    return FieldKey(key_id=key_id, cipher=cipher, secret=os.urandom(KEY_BYTES[cipher]))


def keyring_to_dict(ring: Keyring) -> dict:
    return {
        "current": ring.current,
        "keys": {
            k.key_id: {"cipher": k.cipher, "secret": base64.b64encode(k.secret).decode()}
            for k in ring.keys.values()
        },
        "index_secret": base64.b64encode(ring.index_secret).decode(),
    }


def keyring_from_dict(data: dict) -> Keyring:
    keys = {
        key_id: FieldKey(key_id=key_id, cipher=spec["cipher"], secret=base64.b64decode(spec["secret"]))
        for key_id, spec in data["keys"].items()
    }
    return Keyring(keys=keys, current=data["current"], index_secret=base64.b64decode(data["index_secret"]))
