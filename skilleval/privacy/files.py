"""Private files (photos, evidence, generated forms): encrypted at rest under server-chosen names.

The stored name is random and says nothing of the owner; the content is sealed with the field keyring and
bound to its purpose, so a photo copied over an evidence file does not decrypt. Files are read back only
through views that check who may see them; nothing under MEDIA_ROOT/private is served directly.
"""

import hashlib
import secrets
from pathlib import Path

from django.conf import settings

from skilleval.privacy.keys import keyring

PRIVATE_DIR = "private"


def _path(name: str) -> Path:
    if not name.isalnum():
        raise ValueError("not a private file name")
    return Path(settings.MEDIA_ROOT) / PRIVATE_DIR / name[:2] / name


def store_private(content: bytes, *, purpose: str) -> str:
    """Seal and store `content`; return the name to keep on the row."""
    name = secrets.token_hex(16)
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    token = keyring().encrypt(content, purpose=purpose)
    path.write_text(token, encoding="ascii")
    return name


def read_private(name: str, *, purpose: str) -> bytes:
    return keyring().decrypt(_path(name).read_text(encoding="ascii"), purpose=purpose)


def delete_private(name: str) -> None:
    _path(name).unlink(missing_ok=True)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
