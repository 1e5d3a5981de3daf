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

Tables are read in one snapshot and streamed a chunk at a time; a restore streams them back in the same way,
in one transaction, into a migrated and empty database only, then verifies row counts, the audit chain, the
integrity tags and the files, and says what failed.
"""

import base64
import hashlib
import hmac
import io
import json
import os
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_microseconds
from django.utils.translation import gettext as _

from skilleval.audit.models import AuditEntry
from skilleval.audit.services import record, verify_chain
from skilleval.certificates import services as certificates
from skilleval.certificates.models import Certificate
from skilleval.privacy.keys import keyring
from skilleval.results import services as results
from skilleval.results.models import Result, Score

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


def _all_models() -> list:
    seen, models = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in seen:
            seen.add(meta.db_table)
            models.append(model)
    return sorted(models, key=lambda m: m._meta.db_table)


def archived_models() -> list:
    """Every model whose rows go into the archive, parents before the rows that point at them."""
    models = [m for m in _all_models() if m._meta.label_lower not in TRANSIENT]
    waiting = {m: {f.related_model for f in _columns(m) if f.is_relation} & set(models) - {m} for m in models}
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


def _columns(model) -> list:
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


def _select_sql(connection, model) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _columns(model))
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
    for f in _columns(model):
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


def _writer(connection, f) -> Callable:
    """JSON value -> what this backend's driver takes for the column, without the field's `get_prep_value`
    (which would encrypt a ciphertext a second time)."""
    ops, kind = connection.ops, f.get_internal_type()
    native_uuid = connection.features.has_native_uuid_field
    native_duration = connection.features.has_native_duration_field
    convert = {
        "DateTimeField": lambda v: ops.adapt_datetimefield_value(datetime.fromisoformat(v)),
        "DateField": lambda v: ops.adapt_datefield_value(date.fromisoformat(v)),
        "TimeField": lambda v: ops.adapt_timefield_value(time.fromisoformat(v)),
        "DecimalField": lambda v: ops.adapt_decimalfield_value(Decimal(v), f.max_digits, f.decimal_places),
        "DurationField": lambda v: timedelta(microseconds=v) if native_duration else v,
        "UUIDField": lambda v: uuid.UUID(v) if native_uuid else uuid.UUID(v).hex,
        "BinaryField": lambda v: base64.b64decode(v),
        "BooleanField": bool,
    }.get(kind)
    if convert is None:
        return lambda v: v
    return lambda v: None if v is None else convert(v)


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
        "not_included": sorted(m._meta.db_table for m in _all_models() if m._meta.label_lower in TRANSIENT),
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
        "columns": [[f.column, f.get_internal_type()] for f in _columns(model)],
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
    with _open_archive(path) as archive:
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
def _open_archive(path: Path):
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


# -- restore -------------------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class RestoreReport:
    manifest: dict
    rows: int = 0
    files: int = 0
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def restore_backup(path: Path) -> RestoreReport:
    """Restore the archive into this empty, migrated database and MEDIA_ROOT, then verify it. Refuses (with
    BackupError, changing nothing) a damaged archive, a database that is not empty or has other migrations,
    and a file that exists with other content. Verification failures are reported, not raised: the rows
    are what the source held, and the report names what in them cannot be trusted."""
    path = Path(path)
    manifest = check_archive(path)
    connection = connections[DEFAULT_DB_ALIAS]
    _require_same_migrations(manifest, connection)
    plan = _plan(manifest)
    report = RestoreReport(manifest=manifest)
    written: list[Path] = []
    try:
        with transaction.atomic(using=connection.alias), _open_archive(path) as archive:
            _require_empty(connection)
            files = _files_to_write(manifest)
            _clear_seeded(connection)
            for model, entry in plan:
                report.rows += _load_table(archive, connection, model, entry)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in plan]):
                    cursor.execute(sql)
            connection.check_constraints()  # foreign keys were deferred; any broken one raises here
            for entry in files:
                written.append(_write_file(archive, entry))
    except BaseException:
        for written_path in written:
            written_path.unlink(missing_ok=True)
        raise
    report.files = len(manifest["files"])
    ContentType.objects.clear_cache()  # ids are the archive's now
    report.checks = verify_restored(manifest)
    record(
        None,
        "ops.restore",
        None,
        {
            "archive": path.name,
            "sha256": file_sha256(path),
            "created_at": manifest["created_at"],
            "rows": report.rows,
            "files": report.files,
            "failed": [c.name for c in report.failed],
        },
        outcome="failure" if report.failed else "success",
    )
    return report


def _require_same_migrations(manifest: dict, connection) -> None:
    here = {f"{a}.{n}" for a, n in MigrationRecorder(connection).applied_migrations()}
    there = {f"{a}.{n}" for a, names in manifest["migrations"].items() for n in names}
    if here != there:
        differences = [f"+{m}" for m in sorted(there - here)] + [f"-{m}" for m in sorted(here - there)]
        shown = ", ".join(differences[:10]) + (" …" if len(differences) > 10 else "")
        raise BackupError(
            _("The migrations here differ from the archive's (+ only there, - only here): %(differences)s.")
            % {"differences": shown}
        )


def _plan(manifest: dict) -> list[tuple]:
    """The archive's tables matched to this code's models, in insert order."""
    entries = {t["table"]: t for t in manifest["tables"]}
    models = archived_models()
    unknown = set(entries) - {m._meta.db_table for m in models}
    missing = [m._meta.db_table for m in models if m._meta.db_table not in entries]
    for table in sorted(unknown) + missing:
        raise BackupError(_("Table %(table)s is in the archive or here, not in both.") % {"table": table})
    for model in models:
        if {c for c, _ in entries[model._meta.db_table]["columns"]} != {f.column for f in _columns(model)}:
            raise BackupError(
                _("Table %(table)s has other columns here than in the archive.")
                % {"table": model._meta.db_table}
            )
    return [(model, entries[model._meta.db_table]) for model in models]


def _require_empty(connection) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in _all_models():
            table = model._meta.db_table
            if model._meta.label_lower == "audit.auditchainhead":
                cursor.execute(f"SELECT 1 FROM {quote(table)} WHERE seq <> 0")  # noqa: S608
            elif model._meta.label_lower in SEEDED:
                continue
            else:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                raise BackupError(
                    _("The database is not empty: table %(table)s has rows.") % {"table": table}
                )


def _clear_seeded(connection) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in _all_models():
            if model._meta.label_lower in SEEDED:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608


def _load_table(archive, connection, model, entry) -> int:
    by_column = {f.column: f for f in _columns(model)}
    columns = [by_column[c] for c, _ in entry["columns"]]
    writers = [_writer(connection, f) for f in columns]
    with archive.open(entry["member"]) as raw:
        values = (
            tuple(w(v) for w, v in zip(writers, json.loads(line), strict=True))
            for line in io.TextIOWrapper(raw, encoding="utf-8")
        )
        return _insert(connection, model._meta.db_table, [f.column for f in columns], values)


def _insert(connection, table: str, columns: list[str], values: Iterable[tuple]) -> int:
    """COPY on PostgreSQL, executemany in chunks elsewhere; the rows keep their primary keys. Inserts pass
    the triggers that keep audit rows and certificates from changing (they refuse UPDATE and DELETE only)."""
    quote, count = connection.ops.quote_name, 0
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        batch = []
        for row in values:
            batch.append(row)
            if len(batch) == CHUNK:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _media_path(relative: str) -> Path:
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise BackupError(_("The archive names an unsafe file path: %(path)s.") % {"path": relative})
    return Path(settings.MEDIA_ROOT).joinpath(*parts)


def _files_to_write(manifest: dict) -> list[dict]:
    """The archive's files not already here; one that is here with other content stops the restore."""
    todo = []
    for entry in manifest["files"]:
        target = _media_path(entry["path"])
        if not target.exists():
            todo.append(entry)
        elif file_sha256(target) != entry["sha256"]:
            raise BackupError(
                _("The file %(path)s exists under MEDIA_ROOT with other content.") % {"path": entry["path"]}
            )
    return todo


def _write_file(archive, entry: dict) -> Path:
    target = _media_path(entry["path"])
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(f"media/{entry['path']}") as source, target.open("xb") as out:
        while block := source.read(1 << 20):
            out.write(block)
    return target


# -- verification --------------------------------------------------------------------------------------------


def verify_restored(manifest: dict) -> list[Check]:
    """Row counts against the manifest, the audit chain, the integrity tags, the files' sha256."""
    return [_check_counts(manifest), _check_chain(), _check_tags(), _check_files(manifest)]


def _check_counts(manifest: dict) -> Check:
    connection, wrong = connections[DEFAULT_DB_ALIAS], []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for entry in manifest["tables"]:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(entry['table'])}")  # noqa: S608
            count = cursor.fetchone()[0]
            if count != entry["rows"]:
                wrong.append(f"{entry['table']} {count} (manifest {entry['rows']})")
    rows = sum(t["rows"] for t in manifest["tables"])
    if wrong:
        return Check("row counts", False, "row counts differ: " + ", ".join(wrong))
    return Check(
        "row counts", True, f"row counts match the manifest: {len(manifest['tables'])} tables, {rows} rows"
    )


def _check_chain() -> Check:
    broken = verify_chain()
    if broken is not None:
        return Check("audit chain", False, f"audit chain broken at row #{broken.seq} ({broken.reason})")
    return Check("audit chain", True, f"audit chain intact: {AuditEntry.objects.count()} rows")


def _check_tags() -> Check:
    groups = [
        ("published scores", Score.objects.filter(state=Score.State.PUBLISHED), results.trustworthy),
        ("results", Result.objects.all(), results.trustworthy),
        ("certificates", Certificate.objects.all(), certificates.trustworthy),
    ]
    counted, bad = [], []
    for label, rows, trustworthy in groups:
        total = 0
        for row in rows.order_by("pk").iterator(chunk_size=CHUNK):
            total += 1
            if not trustworthy(row):
                bad.append(f"{label} #{row.pk}")
        counted.append(f"{total} {label}")
    if bad:
        shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        return Check("integrity tags", False, f"integrity tags do not match: {shown}")
    return Check("integrity tags", True, "integrity tags match: " + ", ".join(counted))


def _check_files(manifest: dict) -> Check:
    wrong = [
        f["path"]
        for f in manifest["files"]
        if not _media_path(f["path"]).is_file() or file_sha256(_media_path(f["path"])) != f["sha256"]
    ]
    if wrong:
        return Check("files", False, "files missing or changed: " + ", ".join(wrong[:10]))
    return Check("files", True, f"files match their sha256: {len(manifest['files'])}")
