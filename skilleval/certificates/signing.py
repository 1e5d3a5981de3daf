"""The signed statement a certificate's QR code carries (issue 8): checkable offline with the public key.

Statement: `C1|number|name|masked ID|occupation code|work type or --|level|issued YYYYMMDD`, UTF-8, signed
with Ed25519. The QR code holds `{PUBLIC_URL}/v/<statement, base64url>.<signature, base64url>`: scanned by a
phone it opens the verification page; a verifier with the published public key can check it without us.
The private key lives beside the field keys (settings.CERTIFICATE_SIGNING_KEY_FILE), generated once for the
embedded setup with owner-only permissions.
"""

import base64
import os
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

VERSION = "C1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def private_key() -> Ed25519PrivateKey:
    path = Path(settings.CERTIFICATE_SIGNING_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        except FileExistsError:  # another process made it first
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def public_key_pem() -> bytes:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def statement(*, number, name, id_masked, occupation_code, work_type, level, issued_on) -> str:
    fields = [
        VERSION,
        number,
        name,
        id_masked,
        occupation_code,
        work_type or "--",
        str(level),
        f"{issued_on:%Y%m%d}",
    ]
    if any("|" in f for f in fields):
        raise ValueError("a statement field holds '|'")
    return "|".join(fields)


def sign(text: str) -> str:
    return _b64(private_key().sign(text.encode("utf-8")))


def payload(text: str, signature: str) -> str:
    return f"{_b64(text.encode('utf-8'))}.{signature}"


def qr_url(text: str, signature: str) -> str:
    return f"{settings.PUBLIC_URL}/v/{payload(text, signature)}"


def check(token: str, public: Ed25519PublicKey | None = None) -> dict | None:
    """The statement's fields when the signature holds, else None. `token` is the payload or the whole URL."""
    token = token.strip().rsplit("/v/", 1)[-1]
    try:
        encoded, signature = token.split(".", 1)
        text = _unb64(encoded).decode("utf-8")
        (public or private_key().public_key()).verify(_unb64(signature), text.encode("utf-8"))
    except (ValueError, InvalidSignature, UnicodeDecodeError):
        return None
    parts = text.split("|")
    if len(parts) != 8 or parts[0] != VERSION:
        return None
    keys = ["version", "number", "name", "id_masked", "occupation_code", "work_type", "level", "issued_on"]
    return dict(zip(keys, parts, strict=True))
