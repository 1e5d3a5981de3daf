"""Rotate the field keys: add one, seal everything again under it, retire the old (privacy/rotation.py).

    manage.py rotate_keys                      how many values and files each key seals
    manage.py rotate_keys --new-key [--cipher sm4-gcm] [--stage]
    manage.py rotate_keys --activate k2        make a staged key current
    manage.py rotate_keys --reencrypt [--chunk 500]
    manage.py rotate_keys --retire k1

With a keys file (SKILLEVAL_KEYS_FILE) the file is replaced; with SKILLEVAL_FIELD_KEYS the new keyring is
printed for the operator to install in the secret store, and nothing changes here. Running processes read
the keyring once: restart them all before --reencrypt.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from skilleval.audit.services import record
from skilleval.core.crypto import AES_256_GCM, KEY_BYTES
from skilleval.privacy import rotation
from skilleval.privacy.keys import keyring


class Command(BaseCommand):
    help = "Add a field key, re-encrypt personal data under the current key, or retire an old key."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--new-key", action="store_true", help="add a key and make it current")
        action.add_argument("--activate", metavar="KEY_ID", help="make a key of the keyring current")
        action.add_argument("--reencrypt", action="store_true", help="seal every value under the current key")
        action.add_argument("--retire", metavar="KEY_ID", help="remove a key that nothing uses any more")
        parser.add_argument("--cipher", choices=sorted(KEY_BYTES), default=AES_256_GCM)
        parser.add_argument(
            "--stage",
            action="store_true",
            help="with --new-key: add the key without making it current (activate once every process has it)",
        )
        parser.add_argument("--chunk", type=int, default=rotation.CHUNK, help="rows per transaction")

    def handle(self, *args, **options):
        try:
            if options["new_key"]:
                self._new_key(cipher=options["cipher"], activate=not options["stage"])
            elif options["activate"]:
                self._activate(options["activate"])
            elif options["reencrypt"]:
                self._reencrypt(chunk=max(1, options["chunk"]))
            elif options["retire"]:
                self._retire(options["retire"])
            else:
                self._status()
        except rotation.RotationRefused as exc:
            raise CommandError(str(exc)) from None

    def _new_key(self, *, cipher: str, activate: bool) -> None:
        before = keyring()
        added = rotation.next_key_id(before)
        ring = rotation.with_new_key(before, cipher=cipher, activate=activate)
        self._install(ring, f"added {added} ({cipher})" + ("" if activate else ", not current yet"))
        record(
            None,
            "privacy.keys.rotate",
            None,
            {"added": added, "cipher": cipher, **self._describe(ring)},
        )

    def _activate(self, key_id: str) -> None:
        ring = rotation.with_current(keyring(), key_id)
        self._install(ring, f"{key_id} is current")
        record(None, "privacy.keys.activate", None, self._describe(ring))

    def _retire(self, key_id: str) -> None:
        ring = rotation.without_key(keyring(), key_id, usage=rotation.usage())
        self._install(ring, f"retired {key_id}")
        record(None, "privacy.keys.retire", None, {"retired": key_id, **self._describe(ring)})

    def _reencrypt(self, *, chunk: int) -> None:
        current = keyring().current
        report = rotation.reencrypt(chunk=chunk)
        for label, counts in report.counts.items():
            details = ", ".join(
                f"{n} {outcome}" for outcome, n in counts.items() if n or outcome == "re-encrypted"
            )
            self.stdout.write(f"{label}: {details}")
        for problem in report.problems:
            self.stderr.write(problem)
        summary = {label: dict(counts) for label, counts in report.counts.items()}
        record(None, "privacy.keys.reencrypt", None, {"current": current, "counts": summary})
        failed = sum(c["failed"] + c["missing"] for c in report.counts.values())
        if failed:
            raise CommandError(f"{failed} values or files could not be re-encrypted (listed above)")
        self.stdout.write(f"everything is sealed under {current}")

    def _status(self) -> None:
        ring = keyring()
        self.stdout.write(f"current key: {ring.current}; keys: {', '.join(ring.keys)}")
        found = rotation.usage()
        for label, counts in found.columns.items():
            self.stdout.write(f"{label}: {self._counts(counts)}")
        self.stdout.write(f"private files: {self._counts(found.files)}")

    @staticmethod
    def _counts(counts) -> str:
        return ", ".join(f"{key_id} {n}" for key_id, n in sorted(counts.items())) or "none"

    @staticmethod
    def _describe(ring) -> dict:
        return {
            "current": ring.current,
            "keys": {k.key_id: k.cipher for k in ring.keys.values()},
            "source": "environment" if rotation.keys_from_environment() else "file",
        }

    def _install(self, ring, what: str) -> None:
        if rotation.keys_from_environment():
            self.stderr.write(
                f"{what}. The keyring comes from SKILLEVAL_FIELD_KEYS: install the JSON below in the secret "
                "store, then restart every web process and worker. Nothing was changed here."
            )
            self.stdout.write(rotation.keyring_json(ring))
            return
        path = Path(settings.FIELD_KEYS_FILE)
        rotation.write_keyring(path, ring)
        self.stdout.write(f"{what}; wrote {path}. Restart every web process and worker to use it.")
