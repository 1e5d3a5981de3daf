"""Restoring an archive of `skilleval.web.backup` (SECURITY.md "Operations", issue 10): into a migrated and
empty database only, in one transaction, then verified: row counts, the audit chain, the integrity tags and
the files. What fails is reported, not hidden; a damaged archive or a database in use is refused before
anything changes.
"""

import base64
import io
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from skilleval.audit.models import AuditEntry
from skilleval.audit.services import record, verify_chain
from skilleval.certificates import services as certificates
from skilleval.certificates.models import Certificate
from skilleval.results import services as results
from skilleval.results.models import Result, Score
from skilleval.web.backup import (
    CHUNK,
    SEEDED,
    BackupError,
    all_models,
    archived_models,
    check_archive,
    file_sha256,
    open_archive,
    table_columns,
)


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
        with transaction.atomic(using=connection.alias), open_archive(path) as archive:
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
        archived = {c for c, _ in entries[model._meta.db_table]["columns"]}
        if archived != {f.column for f in table_columns(model)}:
            raise BackupError(
                _("Table %(table)s has other columns here than in the archive.")
                % {"table": model._meta.db_table}
            )
    return [(model, entries[model._meta.db_table]) for model in models]


def _require_empty(connection) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in all_models():
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
        for model in all_models():
            if model._meta.label_lower in SEEDED:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608


def _load_table(archive, connection, model, entry) -> int:
    by_column = {f.column: f for f in table_columns(model)}
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
        return Check(
            "audit chain",
            False,
            f"audit chain broken in lane {broken.lane} at row #{broken.seq} ({broken.reason})",
        )
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
