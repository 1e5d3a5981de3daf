"""Rotating the field keys (issue 10; SECURITY.md "Personal data": each ciphertext names its key).

A rotation has three steps, each a `manage.py rotate_keys` option:

1. a new key joins the keyring and becomes the one new writes use; the old keys stay for reading;
2. every encrypted column value and private file still under an old key is sealed again under the current
   one, a chunk of rows per transaction; what is done stays done, so an interrupted run is simply run again;
3. an old key leaves the keyring, refused while any value or file still names it.

The blind-index secret is not rotated: the indexes are unique keys and the integrity tags depend on it.

Encrypted columns are found by introspection (every `EncryptedTextField` of every installed model). A private
file does not record its purpose, and the purpose is bound into its ciphertext, so `FILE_COLUMNS` names
each column that holds a file's name with the purpose its file was sealed for. The privacy layer may not
import the areas above it, so models are named by label; a test checks the list against every
`store_private` call. Files that no row names (a photo zip waiting for its job, an import report named in a
session) are found by sweeping the directory and opened with the purposes they may have.
"""

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Count, TextField, Value
from django.db.models.functions import Cast, Left, StrIndex

from skilleval.core.crypto import AES_256_GCM, Keyring, TamperedCiphertext, keyring_to_dict, new_key
from skilleval.privacy.fields import EncryptedTextField
from skilleval.privacy.files import private_key_id, private_names, reseal_private
from skilleval.privacy.keys import keyring, reset_keyring_cache

CHUNK = 500


@dataclass(frozen=True)
class FileColumn:
    model: str  # app_label.ModelName
    field: str
    purpose: str

    @property
    def label(self) -> str:
        return f"{self.model.lower()}.{self.field}"


FILE_COLUMNS = (
    FileColumn("people.Person", "photo_name", "people.person.photo"),
    FileColumn("applications.Evidence", "file_name", "applications.evidence"),
    FileColumn("payments.Payment", "proof_name", "payments.proof"),
    FileColumn("payments.Invoice", "file_name", "payments.invoice"),
    FileColumn("scheduling.Ticket", "pdf_name", "scheduling.ticket.pdf"),
    FileColumn("discipline.Evidence", "file_name", "discipline.evidence"),
)
# Files kept for the length of a job or a session, which no column names.
TRANSIENT_FILE_PURPOSES = ("applications.photo_zip", "applications.import_report")


def file_purposes() -> tuple[str, ...]:
    return tuple(c.purpose for c in FILE_COLUMNS) + TRANSIENT_FILE_PURPOSES


# -- the keyring ---------------------------------------------------------------------------------------------


class RotationRefused(Exception):
    """The keyring change would lose data or is not possible; the message says why."""


def keys_from_environment() -> bool:
    """True when the keyring comes from SKILLEVAL_FIELD_KEYS: the command prints, the operator installs."""
    return bool(getattr(settings, "FIELD_KEYS_JSON", None))


def next_key_id(ring: Keyring) -> str:
    numbers = [int(m.group(1)) for k in ring.keys if (m := re.fullmatch(r"k(\d+)", k))]
    return f"k{max(numbers, default=0) + 1}"


def with_new_key(ring: Keyring, *, cipher: str = AES_256_GCM, activate: bool = True) -> Keyring:
    key = new_key(next_key_id(ring), cipher)
    return Keyring(
        keys={**ring.keys, key.key_id: key},
        current=key.key_id if activate else ring.current,
        index_secret=ring.index_secret,
    )


def with_current(ring: Keyring, key_id: str) -> Keyring:
    if key_id not in ring.keys:
        raise RotationRefused(f"{key_id} is not in the keyring ({', '.join(ring.keys)})")
    return Keyring(keys=ring.keys, current=key_id, index_secret=ring.index_secret)


def without_key(ring: Keyring, key_id: str, *, usage: "Usage") -> Keyring:
    if key_id not in ring.keys:
        raise RotationRefused(f"{key_id} is not in the keyring ({', '.join(ring.keys)})")
    if key_id == ring.current:
        raise RotationRefused(f"{key_id} is the current key; add and activate another first")
    in_use = usage.using(key_id)
    if in_use:
        counts = ", ".join(f"{label}: {n}" for label, n in in_use.items())
        raise RotationRefused(f"{key_id} still seals {counts}; run rotate_keys --reencrypt first")
    return Keyring(
        keys={k: v for k, v in ring.keys.items() if k != key_id},
        current=ring.current,
        index_secret=ring.index_secret,
    )


def keyring_json(ring: Keyring) -> str:
    return json.dumps(keyring_to_dict(ring))


def write_keyring(path: Path, ring: Keyring) -> None:
    """Replace the keys file in one rename; the new file is owner-only from its first byte."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(keyring_json(ring))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    reset_keyring_cache()


# -- where the ciphertexts are -------------------------------------------------------------------------------


def encrypted_columns() -> list[tuple[type, EncryptedTextField]]:
    return [
        (model, f)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


def _column_label(model, f) -> str:
    return f"{model._meta.label_lower}.{f.name}"


def _raw(f) -> Cast:
    """The stored ciphertext as plain text, without the field decrypting it."""
    return Cast(f.name, output_field=TextField())


def _sealed_rows(model, f):
    return model._base_manager.alias(raw=_raw(f)).exclude(raw__isnull=True).exclude(raw="")


@dataclass
class Usage:
    """How many column values and private files each key seals."""

    columns: dict[str, Counter] = field(default_factory=dict)
    files: Counter = field(default_factory=Counter)

    def using(self, key_id: str) -> dict[str, int]:
        found = {label: keys[key_id] for label, keys in self.columns.items() if keys[key_id]}
        if self.files[key_id]:
            found["private files"] = self.files[key_id]
        return found


def usage() -> Usage:
    result = Usage()
    for model, f in encrypted_columns():
        raw = _raw(f)
        counts = (
            _sealed_rows(model, f)
            .annotate(key_id=Left(raw, StrIndex(raw, Value(":")) - 1))
            .values("key_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        result.columns[_column_label(model, f)] = Counter({row["key_id"]: row["n"] for row in counts})
    for name in private_names():
        result.files[private_key_id(name) or "missing"] += 1
    return result


# -- sealing again under the current key ---------------------------------------------------------------------


@dataclass
class Report:
    """Per column or kind of file: how many were sealed again, and how many could not be."""

    counts: dict[str, Counter] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, label: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(label, Counter())[outcome] += n

    def problem(self, text: str) -> None:
        if len(self.problems) < 100:
            self.problems.append(text)


def reencrypt(*, chunk: int = CHUNK, report: Report | None = None) -> Report:
    report = report or Report()
    for model, f in encrypted_columns():
        _reencrypt_column(model, f, chunk=chunk, report=report)
    for column in FILE_COLUMNS:
        _reencrypt_file_column(column, chunk=chunk, report=report)
    _reencrypt_unnamed_files(report)
    return report


def _reencrypt_column(model, f, *, chunk: int, report: Report) -> None:
    """Each stale value is decrypted and written back through the field, which seals it under the current
    key; the update applies only if the row still holds the ciphertext read, so an edit made meanwhile (sealed
    under the current key already) is never overwritten with the old value."""
    ring = keyring()
    label = _column_label(model, f)
    report.add(label, "re-encrypted", 0)
    prefix = f"{ring.current}:"
    stale = _sealed_rows(model, f).alias(head=Left(_raw(f), len(prefix))).exclude(head=prefix)
    last = None
    while True:
        page = stale.filter(pk__gt=last) if last is not None else stale
        rows = list(page.annotate(ciphertext=_raw(f)).order_by("pk").values_list("pk", "ciphertext")[:chunk])
        if not rows:
            return
        with transaction.atomic():
            for pk, ciphertext in rows:
                try:
                    plain = ring.decrypt(ciphertext, purpose=f.purpose).decode()
                except TamperedCiphertext as exc:
                    report.add(label, "failed")
                    report.problem(f"{label} row {pk}: {exc}")
                    continue
                written = (
                    model._base_manager.filter(pk=pk)
                    .alias(raw=_raw(f))
                    .filter(raw=ciphertext)
                    .update(**{f.name: plain})
                )
                report.add(label, "re-encrypted" if written else "changed meanwhile")
        last = rows[-1][0]


def _reencrypt_file_column(column: FileColumn, *, chunk: int, report: Report) -> None:
    model = apps.get_model(column.model)
    label = f"{column.label} (files)"
    report.add(label, "re-encrypted", 0)
    named = model._base_manager.exclude(**{column.field: ""}).order_by("pk")
    last = None
    while True:
        page = named.filter(pk__gt=last) if last is not None else named
        rows = list(page.values_list("pk", column.field)[:chunk])
        if not rows:
            return
        for pk, name in rows:
            _reseal(name, column.purpose, label=label, where=f"row {pk}", report=report)
        last = rows[-1][0]


def _reseal(name: str, purpose: str, *, label: str, where: str, report: Report) -> None:
    try:
        resealed = reseal_private(name, purpose=purpose)
    except FileNotFoundError:
        report.add(label, "missing")
        report.problem(f"{label} {where}: file {name} is missing")
    except TamperedCiphertext as exc:
        report.add(label, "failed")
        report.problem(f"{label} {where}: file {name}: {exc}")
    else:
        if resealed:
            report.add(label, "re-encrypted")


def _reencrypt_unnamed_files(report: Report) -> None:
    """What the columns did not reach: files of a job or a session, and leftovers. A file opens only under
    the purpose it was sealed for, so each known purpose is tried; one that opens under none stays as it is,
    is reported, and keeps its key from being retired."""
    current = keyring().current
    purposes = TRANSIENT_FILE_PURPOSES + tuple(c.purpose for c in FILE_COLUMNS)
    for name in private_names():
        if private_key_id(name) in (current, None):
            continue
        for purpose in purposes:
            try:
                reseal_private(name, purpose=purpose)
            except TamperedCiphertext:
                continue
            except FileNotFoundError:
                break
            report.add(f"{purpose} (files named by no row)", "re-encrypted")
            break
        else:
            report.add("private files of no known purpose", "failed")
            report.problem(f"private file {name} opens under no known purpose")
