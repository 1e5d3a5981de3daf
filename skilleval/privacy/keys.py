"""Where the field keys come from: apart from SECRET_KEY and from the database (SECURITY.md).

Production passes the keyring through the environment (`SKILLEVAL_FIELD_KEYS`, the JSON that
`manage.py rotate_keys --new-key` prints) or a file mounted from a secret store (`SKILLEVAL_KEYS_FILE`). The
embedded setup generates one file once under the data directory, beside but not inside the database.
"""

import json
import os
from functools import cache
from pathlib import Path

from django.conf import settings

from skilleval.core.crypto import AES_256_GCM, Keyring, keyring_from_dict, keyring_to_dict, new_key


@cache
def keyring() -> Keyring:
    inline = getattr(settings, "FIELD_KEYS_JSON", None)
    if inline:
        return keyring_from_dict(json.loads(inline))
    path = Path(settings.FIELD_KEYS_FILE)
    if not path.exists():
        _write_new_keyring(path, cipher=getattr(settings, "FIELD_CIPHER", AES_256_GCM))
    return keyring_from_dict(json.loads(path.read_text()))


def _write_new_keyring(path: Path, *, cipher: str) -> None:
    ring = Keyring(keys={"k1": new_key("k1", cipher)}, current="k1", index_secret=os.urandom(32))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create with owner-only permissions from the start; never world-readable even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keyring_to_dict(ring), handle)


def reset_keyring_cache() -> None:
    keyring.cache_clear()
