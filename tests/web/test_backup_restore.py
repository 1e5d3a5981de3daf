"""Backup and restore (SECURITY.md "Operations", issue 10): one archive of the rows as stored and the files,
restored only into an empty, migrated database with the archive's migrations, then verified: row counts, the
audit chain, the integrity tags of scores, results and certificates, and every file's sha256.

The empty database is the test database itself, emptied inside the test's transaction to what `migrate`
leaves (content types, permissions, the role groups, the audit chain head at zero), so the same tests run on
SQLite and PostgreSQL and everything comes back when the test ends.
"""

import hashlib
import importlib
import io
import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from skilleval.accounts.models import User
from skilleval.audit.models import GENESIS_HASH, AuditEntry
from skilleval.audit.services import record, record_many, verify_chain
from skilleval.certificates import services as certificates
from skilleval.certificates.models import Certificate
from skilleval.core.context import acting_as
from skilleval.people.models import Person
from skilleval.results import services as results
from skilleval.results.models import Result, Score
from skilleval.web import backup
from tests.applications.conftest import PHOTO_JPEG, li_ming  # noqa: F401 - fixtures
from tests.certificates.conftest import passed  # noqa: F401
from tests.results.conftest import calendar, examiner_a, examiner_b, held, supervisor_s  # noqa: F401
from tests.scheduling.factories import id_number

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
LI_MING_ID, LI_MING_PHONE = "110105199003071239", "13912345678"


@pytest.fixture(autouse=True)
def in_english():
    """The refusals are read in English here (they are translated; the Chinese is checked by the catalog)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """A media directory of the test's own: the archive holds this test's files and no other's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def certified(passed, li_ming):  # noqa: F811 - the fixtures imported above
    """Three candidates marked and published, two certified; 李明 registered with his ID and phone number;
    two sign-ins from the web, from an IPv4 and an IPv6 address."""
    assert len(certificates.issue_certificates(by=None)) == 2
    for address in ("203.0.113.7", "2001:db8::1"):
        with acting_as(channel="web", client_ip=address):
            record(None, "test.web_request", ("accounts.user", 1), {"score": Decimal("99.5"), "名": "李明"})
    return passed


@pytest.fixture
def archive(certified, tmp_path):
    """The backup of that data, with the row counts and file contents as they were when it was made."""
    counts, files = table_counts(), media_files()
    path = tmp_path / "backup.zip"
    out = io.StringIO()
    call_command("backup", output=str(path), stdout=out)
    assert f"backup written: {path}" in out.getvalue()
    return path, counts, files


# -- helpers -------------------------------------------------------------------------------------------------


def archived_tables() -> list[str]:
    return [m._meta.db_table for m in backup.archived_models()]


def table_counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in archived_tables():
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def media_files() -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _no_delete_triggers() -> list[str]:
    statements = []
    for module in (
        "skilleval.audit.migrations.0002_append_only",
        "skilleval.certificates.migrations.0002_immutable",
    ):
        statements += [s for s in importlib.import_module(module).SQLITE_UP if "no_delete" in s]
    return statements


def empty_database() -> None:
    """What `migrate` leaves in a new database: no rows but the content types, permissions, role groups and
    the audit chain head at zero. Inside the test's transaction, so it all comes back afterwards."""
    seeded = backup.SEEDED
    tables = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in seeded
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred checks
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in sorted(set(tables)))} RESTART IDENTITY")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            # The triggers that refuse DELETE of audit rows and certificates step aside, in this transaction.
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
            cursor.execute("DROP TRIGGER certificate_no_delete")
            for table in set(tables):
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
            cursor.execute("DELETE FROM sqlite_sequence")
            for statement in _no_delete_triggers():
                cursor.execute(statement)
        cursor.execute("UPDATE audit_auditchainhead SET seq = 0, last_hash = %s", [GENESIS_HASH])
    assert Person.objects.count() == AuditEntry.objects.count() == User.objects.count() == 0


def restore(path, **options) -> str:
    out = io.StringIO()
    call_command("restore", str(path), stdout=out, **options)
    return out.getvalue()


def rewrite(path: Path, member: str, change, *, checksum=True, reseal=True) -> Path:
    """A copy of the archive with `member` changed; with `checksum` and `reseal` its manifest is updated too,
    as if the source database had held the change when the backup was made."""
    changed = path.with_name("changed.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target:
        manifest = json.loads(source.read(backup.MANIFEST))
        for name in source.namelist():
            if name == backup.MANIFEST:
                continue
            data = source.read(name)
            if name == member:
                data = change(data)
                if checksum:
                    for entry in manifest["tables"]:
                        if entry["member"] == member:
                            entry["sha256"] = hashlib.sha256(data).hexdigest()
            target.writestr(name, data)
        if reseal:
            manifest["seal"] = backup.seal(manifest)
        target.writestr(backup.MANIFEST, json.dumps(manifest))
    return changed


def edit_rows(path: Path, table: str, where, **values):
    """A change to the rows of `table` in the archive that match `where` (a dict of column values)."""
    with zipfile.ZipFile(path) as source:
        manifest = json.loads(source.read(backup.MANIFEST))
    columns = [c for c, _ in next(t for t in manifest["tables"] if t["table"] == table)["columns"]]

    def change(data: bytes) -> bytes:
        lines = []
        for line in data.decode().splitlines():
            row = dict(zip(columns, json.loads(line), strict=True))
            if all(row[k] == v for k, v in where.items()):
                row.update(values)
            lines.append(json.dumps([row[c] for c in columns], ensure_ascii=False) + "\n")
        return "".join(lines).encode()

    return change


def member_text(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# -- the drill -----------------------------------------------------------------------------------------------


def test_a_restore_into_an_empty_database_brings_back_every_row_and_file_and_verifies_them(
    archive, tmp_path, settings
):
    path, counts, files = archive
    people = {p.pk: (p.id_number, p.phone) for p in Person.objects.all()}
    tags = {c.pk: c.tag for c in Certificate.objects.all()}
    empty_database()
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")

    out = restore(path)

    assert table_counts() == {**counts, "audit_auditentry": counts["audit_auditentry"] + 1}  # + the restore
    assert {p.pk: (p.id_number, p.phone) for p in Person.objects.all()} == people
    assert people and (LI_MING_ID, LI_MING_PHONE) in people.values()
    assert {c.pk: c.tag for c in Certificate.objects.all()} == tags
    assert all(certificates.trustworthy(c) for c in Certificate.objects.all())
    assert all(results.trustworthy(r) for r in Result.objects.all()) and Result.objects.count() == 3
    assert all(results.trustworthy(s) for s in Score.objects.filter(state=Score.State.PUBLISHED))
    assert verify_chain() is None
    assert media_files() == files and len(files) == 2  # the two photos, still sealed
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.outcome) == ("ops.restore", "success")
    assert entry.data["archive"] == "backup.zip" and entry.data["failed"] == []
    assert not AuditEntry.objects.filter(action="ops.backup").exists()  # written after the archive was made
    for line in (
        f"row counts match the manifest: {len(counts)} tables, {sum(counts.values())} rows",
        f"audit chain intact: {counts['audit_auditentry']} rows",
        "integrity tags match: 6 published scores, 3 results, 2 certificates",
        "files match their sha256: 2",
        "restore verified",
    ):
        assert line in out


def test_new_rows_after_a_restore_take_fresh_ids(archive):
    path, *_ = archive
    highest = User.objects.order_by("-pk").first().pk
    empty_database()
    restore(path)
    user = User.objects.create_user(username="after_restore", password="After-restore-2026!")
    assert user.pk > highest
    record(None, "test.after_restore", user)
    assert verify_chain() is None


def test_the_archive_holds_ciphertexts_and_never_an_id_or_phone_number_in_clear(archive):
    path, _, files = archive
    members = member_text(path)
    everything = b"".join(members.values())
    for secret in (LI_MING_ID, LI_MING_PHONE, *(id_number(n) for n in range(3))):
        assert secret.encode() not in everything
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_person WHERE full_name = %s", ["李明"])
        stored_id, stored_phone = cursor.fetchone()
    assert stored_id.encode() in members["tables/people_person.jsonl"]
    assert stored_phone.encode() in members["tables/people_person.jsonl"]
    assert PHOTO_JPEG[:4] not in b"".join(v for k, v in members.items() if k.startswith("media/"))
    assert {k.removeprefix("media/"): v for k, v in members.items() if k.startswith("media/")} == files


def test_the_manifest_names_format_time_migrations_counts_and_checksums_and_the_backup_is_audited(archive):
    path, counts, files = archive
    manifest = json.loads(member_text(path)[backup.MANIFEST])
    assert (manifest["format"], manifest["version"], manifest["source"]) == (
        "skilleval-backup",
        1,
        connection.vendor,
    )
    assert manifest["created_at"].endswith("Z")
    assert "0002_append_only" in manifest["migrations"]["audit"]
    assert {t["table"]: t["rows"] for t in manifest["tables"]} == counts
    assert {"django_session", "django_tasks_database_dbtaskresult"} <= set(manifest["not_included"])
    assert "django_session" not in counts
    assert sorted(f["path"] for f in manifest["files"]) == sorted(files)
    assert manifest["seal"] == backup.seal(manifest)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_label, entry.channel) == ("ops.backup", "system", "command")
    assert entry.data == {
        "archive": "backup.zip",
        "sha256": backup.file_sha256(path),
        "rows": sum(counts.values()),
        "files": len(files),
    }
    assert os.stat(path).st_mode & 0o077 == 0  # owner-only: password hashes and second-factor secrets


def test_check_only_reads_the_archive_and_changes_nothing(archive):
    path, *_ = archive
    before = table_counts()
    out = restore(path, check=True)
    assert "archive verified: seal and sha256" in out
    assert table_counts() == before


# -- refusals ------------------------------------------------------------------------------------------------


def test_a_database_that_is_not_empty_is_refused_naming_a_table(archive):
    path, *_ = archive
    before = table_counts()
    with pytest.raises(CommandError, match="is not empty: table accounts_"):
        restore(path)
    assert table_counts() == before

    empty_database()
    User.objects.create_user(username="early_bird", password="Early-bird-2026!")
    with pytest.raises(CommandError, match="is not empty: table accounts_user has rows"):
        restore(path)
    assert Person.objects.count() == AuditEntry.objects.count() == 0
    assert list(User.objects.values_list("username", flat=True)) == ["early_bird"]


def test_a_database_with_other_migrations_is_refused(archive):
    path, *_ = archive
    empty_database()
    MigrationRecorder(connection).record_applied("people", "9999_later")
    with pytest.raises(CommandError, match=r"differ from the archive's .*-people\.9999_later"):
        restore(path)
    assert Person.objects.count() == 0


def _flip_a_byte(path: Path, member: str) -> Path:
    """One byte changed in the middle of the member's compressed data, as on a failing disk."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    name_length = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    data[at] ^= 0x01
    damaged = path.with_name("damaged.zip")
    damaged.write_bytes(bytes(data))
    return damaged


def _renamed(data: bytes) -> bytes:
    return data.replace("考生1".encode(), "考生9".encode())


@pytest.mark.parametrize(
    ("tamper", "refusal"),
    [
        (lambda p: _flip_a_byte(p, "tables/people_person.jsonl"), "damaged|does not match its checksum"),
        (
            lambda p: rewrite(p, "tables/people_person.jsonl", _renamed, checksum=False, reseal=False),
            "member tables/people_person.jsonl does not match its checksum",
        ),
        (
            lambda p: rewrite(p, "tables/people_person.jsonl", _renamed, checksum=True, reseal=False),
            "seal of the archive does not match",
        ),
    ],
    ids=["a byte flipped on disk", "a member rewritten", "a member rewritten with its checksum"],
)
def test_a_changed_archive_is_refused_and_nothing_is_restored(archive, tmp_path, settings, tamper, refusal):
    path, *_ = archive
    changed = tamper(path)
    empty_database()
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    with pytest.raises(CommandError, match=refusal):
        restore(changed)
    assert Person.objects.count() == AuditEntry.objects.count() == Certificate.objects.count() == 0
    assert media_files() == {}


def test_a_file_already_there_with_other_content_is_refused(archive):
    path, _, files = archive
    empty_database()
    name = next(iter(files))
    (Path(settings.MEDIA_ROOT) / name).write_bytes(b"other")
    with pytest.raises(CommandError, match=f"The file {name} exists under MEDIA_ROOT with other content"):
        restore(path)
    assert Person.objects.count() == 0


# -- what the verification reports --------------------------------------------------------------------------


def test_an_audit_row_edited_before_the_backup_is_restored_and_reported_as_a_broken_chain(archive):
    path, counts, _ = archive
    changed = rewrite(
        path, "tables/audit_auditentry.jsonl", edit_rows(path, "audit_auditentry", {"seq": 3}, action="x")
    )
    empty_database()
    with pytest.raises(CommandError, match=r"audit chain broken in lane 1 at row #3 \(content\)"):
        restore(changed)
    assert Person.objects.count() == counts["people_person"]  # restored, and flagged
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.outcome, entry.data["failed"]) == ("ops.restore", "failure", ["audit chain"])


def test_a_result_edited_before_the_backup_is_reported_by_its_integrity_tag(archive):
    path, *_ = archive
    failed = Result.objects.filter(passed=False).get()
    changed = rewrite(
        path, "tables/results_result.jsonl", edit_rows(path, "results_result", {"id": failed.pk}, passed=True)
    )
    empty_database()
    out = io.StringIO()
    with pytest.raises(CommandError, match=rf"integrity tags do not match: results #{failed.pk}$"):
        call_command("restore", str(changed), stdout=out)
    assert "OK    audit chain intact" in out.getvalue()
    assert f"FAIL  integrity tags do not match: results #{failed.pk}" in out.getvalue()
    assert not results.trustworthy(Result.objects.get(pk=failed.pk))


# -- across processes and databases ------------------------------------------------------------------------


SOURCE_PERSON = """
from skilleval.people.services import register_person
from skilleval.privacy.files import store_private

p = register_person(
    full_name="王芳", id_type="resident_id", id_number="110105199003071239", phone="13912345678", by=None
)
p.photo_name = store_private(b"photo", purpose="people.person.photo")
p.save(update_fields=["photo_name"])
"""


def test_an_archive_made_by_the_commands_on_sqlite_restores_here(tmp_path):
    """The drill as an operator runs it: a system on SQLite (its own process, data directory and database)
    backs up; this database (SQLite or PostgreSQL) restores. The keys travel apart from the archive."""
    from skilleval.certificates import signing
    from skilleval.privacy.keys import keyring

    keyring(), signing.private_key()  # the keys this side holds; the source is given the same ones
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SKILLEVAL_FIELD_KEYS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TASKS_BACKEND="immediate",
        SKILLEVAL_DATA_DIR=str(tmp_path / "source"),
        SKILLEVAL_KEYS_FILE=settings.FIELD_KEYS_FILE,
        SKILLEVAL_CERTIFICATE_KEY_FILE=settings.CERTIFICATE_SIGNING_KEY_FILE,
    )

    def manage(*args) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    manage("migrate", "--verbosity", "0")
    manage("bootstrap")
    manage("shell", "-c", SOURCE_PERSON)
    path = tmp_path / "source.zip"
    assert "backup written" in manage("backup", "--output", str(path))

    empty_database()
    out = restore(path)

    assert "restore verified" in out
    person = Person.objects.get()
    assert (person.full_name, person.id_number, person.phone) == ("王芳", LI_MING_ID, LI_MING_PHONE)
    from skilleval.privacy.files import read_private

    assert read_private(person.photo_name, purpose="people.person.photo") == b"photo"
    assert User.objects.filter(username="admin").exists()
    assert verify_chain() is None
    assert AuditEntry.objects.filter(action="ops.backup").count() == 0  # the source's, after its archive


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_backup_reads_one_snapshot_and_the_restore_commits(tmp_path, settings):
    """Autocommit, as the commands run in production: the backup reads in one REPEATABLE READ transaction
    through a server-side cursor; the restore commits with its sequences moved past the restored ids."""
    from tests.applications.conftest import make_candidate

    call_command("load_notice", str(ROOT / "skilleval" / "seed" / "notice-2026.json"), stdout=io.StringIO())
    person = make_candidate()
    rows = 2 * backup.CHUNK + 1  # more than one chunk of the server-side cursor
    record_many(None, "test.snapshot", [("test.row", n) for n in range(rows)])
    counts, path = table_counts(), tmp_path / "autocommit.zip"
    call_command("backup", output=str(path), stdout=io.StringIO())

    empty_database()
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    out = restore(path)

    assert "restore verified" in out
    assert table_counts() == {**counts, "audit_auditentry": counts["audit_auditentry"] + 1}
    assert Person.objects.get(pk=person.pk).id_number == LI_MING_ID
    assert record(None, "test.after", None).pk > max(
        AuditEntry.objects.exclude(action="test.after").values_list("pk", flat=True)
    )
