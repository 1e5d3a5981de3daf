"""Backup and restore of the database and the private files (SECURITY.md "Operations", issue 10).

The archive is one zip file:

- `tables/<table>.jsonl`: the rows of every table of every installed model, one JSON array of column values
  per line, in primary-key order. Values are the raw column values, read with the cursor: an encrypted field
  stays ciphertext (EncryptedTextField decrypts in `from_db_value`, which is never called here), so the
  archive holds no ID or phone number in clear. Dates, times and decimals are written in one portable form,
  so an archive made on SQLite restores into PostgreSQL and the other way round.
- `media/<path>`: every file under MEDIA_ROOT as stored (the private files are already sealed).
- `manifest.json`, written last: format and version, when (UTC), the migrations applied per app, per table its
  columns, rows and the sha256 of its member, per file its size and sha256, and a seal over all of it keyed
  with the field keyring's index secret, so an archive changed and re-hashed by someone without the keys is
  refused too.

Not in the archive: sessions, the job queue and lockout counters (TRANSIENT: short-lived, and restoring them
would revive logins and re-run jobs), and the keys (the field keys, the certificate signing key): they are
kept apart, and the restore machine must already have them.

Tables are read in one snapshot and streamed a chunk at a time. `skilleval.web.restore` streams them back
the same way (this module also holds what both sides share: the table order, the seal, the archive checks).
"""

import base64
import hashlib
import hmac
import json
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_microseconds
from django.utils.translation import gettext as _

from skilleval.audit.services import record
from skilleval.privacy.keys import keyring

FORMAT, VERSION = "skilleval-backup", 1
MANIFEST = "manifest.json"
CHUNK = 2000  # rows read, encoded or inserted at a time: memory stays flat whatever the table size
SEAL_PURPOSE = "web.backup.manifest"
# Short-lived state that a restore must not bring back: sessions (everyone signs in again), the job queue (a
# job would run twice), lockout counters (they expire within the hour).
TRANSIENT = frozenset(
    {
        "sessions.session",
        "django_tasks_database.dbtaskresult",
        "axes.accessattempt",
        "axes.accessattemptexpiration",
    }
)
# Rows that `migrate` itself writes into a new database; a restore replaces them with the archive's.
SEEDED = frozenset({"contenttypes.contenttype", "auth.permission", "auth.group", "audit.auditchainhead"})


class BackupError(Exception):
    """The archive or the target cannot be used: the message says why. Nothing was changed."""


# -- which tables, in which order ---------------------------------------------------------------------------


def all_models() -> list:
    seen, models = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in seen:
            seen.add(meta.db_table)
            models.append(model)
    return sorted(models, key=lambda m: m._meta.db_table)


def archived_models() -> list:
    """Every model whose rows go into the archive, parents before the rows that point at them."""
    models = [m for m in all_models() if m._meta.label_lower not in TRANSIENT]
    parents = {m: {f.related_model for f in table_columns(m) if f.is_relation} for m in models}
    waiting = {m: parents[m] & set(models) - {m} for m in models}
    ordered = []
    while waiting:
        ready = [m for m, needs in waiting.items() if not needs] or [
            next(iter(waiting))
        ]  # a cycle: FKs defer
        for model in ready:
            ordered.append(model)
            del waiting[model]
        for needs in waiting.values():
            needs.difference_update(ready)
    return ordered


def table_columns(model) -> list:
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


def _select_sql(connection, model) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in table_columns(model))
    # Names come from the models' metadata, never from input.
    return f"SELECT {columns} FROM {quote(model._meta.db_table)} ORDER BY {quote(model._meta.pk.column)}"  # noqa: S608


# -- values: raw column value <-> portable JSON --------------------------------------------------------------


def _plain(value):
    """A column value as the backend's own converters leave it, in a form JSON keeps exactly."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, timedelta):
        return duration_microseconds(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):  # a driver that parses JSON itself
        return json.dumps(value, ensure_ascii=False)
    return str(value)  # UUIDs, IP addresses


# Column types whose raw value is already a JSON value on both backends (JSON and inet come as text).
PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "JSONField",
        "GenericIPAddressField",
    }
)


def _reader(connection, model) -> list[Callable | None]:
    """Per column: raw value -> JSON value (None: as it is). Only the backend's converters run (SQLite keeps
    dates as text and booleans as 0/1), never a field's `from_db_value`: ciphertexts stay ciphertexts."""
    readers = []
    for f in table_columns(model):
        column = f.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column)
        if not converters and (f.target_field if f.is_relation else f).get_internal_type() in PLAIN:
            readers.append(None)
            continue

        def read(value, converters=converters, column=column):
            for convert in converters:
                value = convert(value, column, connection)
            return _plain(value)

        readers.append(read)
    return readers


# -- backup --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    sha256: str
    size: int
    tables: int
    rows: int
    files: int


def default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"skilleval-{stamp}.zip"


def make_backup(path: Path) -> BackupSummary:
    """Write the archive to `path` (never over an existing file) and record the bulk read in the audit trail.
    The archive appears under its name only once complete."""
    path = Path(path)
    if path.exists():
        raise BackupError(_("%(path)s already exists; choose another name.") % {"path": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        # Owner-only from the first byte: the archive holds password hashes and second-factor secrets.
        handle = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
        with handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with _snapshot(connection):
                manifest = _manifest_head(connection)
                manifest["tables"] = [_dump_table(archive, connection, m) for m in archived_models()]
            # After the rows: every file they name is there (stored files never change, only go).
            manifest["files"] = list(_dump_files(archive, skip=partial))
            manifest["seal"] = seal(manifest)
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        summary = BackupSummary(
            path=path,
            sha256=file_sha256(partial),
            size=partial.stat().st_size,
            tables=len(manifest["tables"]),
            rows=sum(t["rows"] for t in manifest["tables"]),
            files=len(manifest["files"]),
        )
        details = {
            "archive": path.name,
            "sha256": summary.sha256,
            "rows": summary.rows,
            "files": summary.files,
        }
        record(None, "ops.backup", None, details)  # personal data read in bulk; no record, no archive
        partial.rename(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


@contextmanager
def _snapshot(connection):
    """All tables as of one instant, without stopping the people who write meanwhile."""
    if connection.in_atomic_block:  # the caller's transaction is the snapshot
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        # SQLite: a deferred read transaction sees one state of the file (WAL) and leaves the write lock
        # free, where `atomic` would take it (settings: transaction_mode IMMEDIATE).
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                cursor.execute("COMMIT")


def _manifest_head(connection) -> dict:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "source": connection.vendor,
        "migrations": applied,
        "not_included": sorted(m._meta.db_table for m in all_models() if m._meta.label_lower in TRANSIENT),
    }


def _dump_table(archive, connection, model) -> dict:
    member, readers, rows = f"tables/{model._meta.db_table}.jsonl", _reader(connection, model), 0
    encode = json.JSONEncoder(ensure_ascii=False).encode
    digest = hashlib.sha256()
    with archive.open(member, "w", force_zip64=True) as out, connection.chunked_cursor() as cursor:
        cursor.execute(_select_sql(connection, model))
        while batch := cursor.fetchmany(CHUNK):
            lines = "".join(
                encode([v if r is None else r(v) for r, v in zip(readers, row, strict=True)]) + "\n"
                for row in batch
            ).encode()
            digest.update(lines)
            out.write(lines)
            rows += len(batch)
    return {
        "table": model._meta.db_table,
        "model": model._meta.label_lower,
        "member": member,
        "columns": [[f.column, f.get_internal_type()] for f in table_columns(model)],
        "rows": rows,
        "sha256": digest.hexdigest(),
    }


def _dump_files(archive, *, skip: Path) -> Iterator[dict]:
    root, skip = Path(settings.MEDIA_ROOT), skip.resolve()
    for directory, subdirectories, names in os.walk(root):
        subdirectories.sort()
        for name in sorted(names):
            source = Path(directory) / name
            if source.is_symlink() or not source.is_file() or source.resolve() == skip:
                continue
            relative = source.relative_to(root).as_posix()
            digest, size = hashlib.sha256(), 0
            try:
                handle = source.open("rb")
            except FileNotFoundError:  # deleted since the walk listed it: no row names it any more
                continue
            with handle, archive.open(f"media/{relative}", "w", force_zip64=True) as out:
                while block := handle.read(1 << 20):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
            yield {"path": relative, "size": size, "sha256": digest.hexdigest()}


def seal(manifest: dict) -> str:
    """A keyed digest of the manifest (all but the seal): whoever lacks the field keys cannot re-hash a
    changed archive into one that passes."""
    body = {k: v for k, v in manifest.items() if k != "seal"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return keyring().blind_index(text, purpose=SEAL_PURPOSE)


def file_sha256(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return _sha256(handle)


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    while block := handle.read(1 << 20):
        digest.update(block)
    return digest.hexdigest()


# -- checking an archive -------------------------------------------------------------------------------------


def check_archive(path: Path) -> dict:
    """Read the whole archive once: format, seal, and the sha256 of every member. Returns the manifest."""
    with open_archive(path) as archive:
        manifest = _read_manifest(archive, path)
        _require_keys(manifest)
        if not hmac.compare_digest(str(manifest.get("seal")), seal(manifest)):
            raise BackupError(
                _("The seal of the archive does not match: it was changed, or these keys are not its keys.")
            )
        expected = {t["member"]: t["sha256"] for t in manifest["tables"]}
        expected.update({f"media/{f['path']}": f["sha256"] for f in manifest["files"]})
        names = archive.namelist()
        if len(names) != len(set(names)) or set(names) != {*expected, MANIFEST}:
            raise BackupError(_("The archive holds other members than its manifest lists."))
        for member, sha256 in expected.items():
            with archive.open(member) as handle:
                if _sha256(handle) != sha256:
                    raise BackupError(
                        _("Archive member %(member)s does not match its checksum.") % {"member": member}
                    )
    return manifest


@contextmanager
def open_archive(path: Path):
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # a CRC or a deflate stream that fails
        raise BackupError(_("The archive is damaged: %(error)s.") % {"error": exc}) from None
    except OSError as exc:
        raise BackupError(_("The archive cannot be read: %(error)s.") % {"error": exc}) from None


def _read_manifest(archive, path) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        manifest = {}
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            _("%(path)s is not a skilleval backup of format version %(version)s.")
            % {"path": Path(path).name, "version": VERSION}
        )
    return manifest


def _require_keys(manifest: dict) -> None:
    """The keys are never in the archive. Without them here, the keyring or the signing key would be
    generated afresh, and nothing encrypted or signed would read back."""
    missing = []
    if not getattr(settings, "FIELD_KEYS_JSON", None) and not Path(settings.FIELD_KEYS_FILE).exists():
        missing.append("SKILLEVAL_FIELD_KEYS / SKILLEVAL_KEYS_FILE")
    tables = manifest.get("tables") or []
    issued = sum(t.get("rows", 0) for t in tables if t.get("model") == "certificates.certificate")
    if issued and not Path(settings.CERTIFICATE_SIGNING_KEY_FILE).exists():
        missing.append("SKILLEVAL_CERTIFICATE_KEY_FILE")
    if missing:
        raise BackupError(
            _("The keys are not on this machine (they are not in the archive): %(keys)s.")
            % {"keys": ", ".join(missing)}
        )
