"""Private files (photos, evidence, generated forms): encrypted at rest under server-chosen names.

The stored name is random and says nothing of the owner; the content is sealed with the field keyring and
bound to its purpose, so a photo copied over an evidence file does not decrypt. Files are read back only
through views that check who may see them; nothing under MEDIA_ROOT/private is served directly.
"""

import hashlib
import os
import secrets
from collections.abc import Iterator
from datetime import datetime
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


def private_key_id(name: str) -> str | None:
    """The id of the key that sealed a stored file (read from its first bytes), or None if it is gone."""
    try:
        with _path(name).open("rb") as handle:
            head = handle.read(32)
    except FileNotFoundError:
        return None
    return head.partition(b":")[0].decode("ascii", "replace")


def reseal_private(name: str, *, purpose: str) -> bool:
    """Seal a stored file again under the current key, keeping its name; False if it already was (or went).

    The new content replaces the old in one rename, so a reader sees either one, both readable while the old
    key is in the keyring. A file deleted meanwhile (a photo replaced) is not brought back. The file keeps
    its modification time: its content is as old as it was (retention reads the age from it)."""
    ring = keyring()
    path = _path(name)
    token = path.read_text(encoding="ascii")
    if ring.key_id_of(token) == ring.current:
        return False
    sealed = ring.encrypt(ring.decrypt(token, purpose=purpose), purpose=purpose)
    written = path.stat()
    temporary = path.with_name(f".{name}.{secrets.token_hex(4)}.tmp")  # not alphanumeric: no private name
    temporary.write_text(sealed, encoding="ascii")
    os.utime(temporary, ns=(written.st_atime_ns, written.st_mtime_ns))
    if not path.exists():
        temporary.unlink()
        return False
    os.replace(temporary, path)
    return True


def private_names() -> Iterator[str]:
    """Every stored file's name, one directory at a time (the key rotation's sweep)."""
    root = Path(settings.MEDIA_ROOT) / PRIVATE_DIR
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if folder.is_dir():
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file() and entry.name.isalnum():
                    yield entry.name


def names_older_than(moment: datetime) -> Iterator[list[str]]:
    """Names of the stored files last written before `moment`, one directory (1/256 of them) at a time."""
    root = Path(settings.MEDIA_ROOT) / PRIVATE_DIR
    if not root.is_dir():
        return
    limit = moment.timestamp()
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        names = sorted(
            entry.name
            for entry in directory.iterdir()
            if entry.is_file() and entry.name.isalnum() and entry.stat().st_mtime < limit
        )
        if names:
            yield names


def sealed_for(name: str, purpose: str) -> bool:
    """Whether the file was sealed for `purpose` (the purpose is bound into the ciphertext, so a file of
    another purpose fails authentication)."""
    try:
        read_private(name, purpose=purpose)
    except (FileNotFoundError, ValueError):
        return False
    return True


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
