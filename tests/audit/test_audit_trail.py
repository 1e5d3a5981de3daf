"""The audit trail (SECURITY.md "Audit and integrity"; issue 2 item 9)."""

import importlib
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from skilleval.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry, lane_genesis
from skilleval.audit.services import record, verify_chain
from skilleval.core.context import acting_as
from skilleval.organization.models import PolicySetting
from skilleval.organization.services import set_policy

pytestmark = pytest.mark.django_db


def _drop_append_only_triggers():
    # Only to simulate someone with raw database access; the test transaction restores them.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


def test_each_row_links_to_the_one_before(admin_alice):
    first = record(admin_alice, "test.first", None, {"n": 1})
    second = record(None, "test.second", admin_alice, {"n": 2})
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert second.target_type == "accounts.user" and second.target_id == str(admin_alice.pk)
    assert second.actor_label == "system" and first.actor_label == "alice"
    assert verify_chain() is None


def test_it_records_who_from_where_in_which_request(admin_alice):
    with acting_as(channel="command", user_id=admin_alice.pk, client_ip="10.1.2.3"):
        entry = record(admin_alice, "test.ctx", None)
    entry.refresh_from_db()
    assert entry.client_ip == "10.1.2.3"
    assert entry.channel == "command"
    assert len(entry.request_id) == 16
    assert entry.role == "superuser"
    assert entry.at.utcoffset().total_seconds() == 0


def test_the_database_refuses_to_update_or_delete_an_entry(admin_alice):
    entry = record(admin_alice, "test.immutable", None)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.immutable"


def test_verify_audit_names_the_first_edited_row(admin_alice, capsys):
    rows = [record(admin_alice, f"test.row{i}", None, {"i": i}) for i in range(5)]
    call_command("verify_audit")
    assert "audit chain intact: 5 rows" in capsys.readouterr().out

    _drop_append_only_triggers()
    AuditEntry.objects.filter(pk=rows[2].pk).update(data={"i": 99})
    with pytest.raises(CommandError, match=rf"lane 1 at row #{rows[2].seq}: row content does not match"):
        call_command("verify_audit")


def test_verify_audit_notices_a_removed_row(admin_alice):
    rows = [record(admin_alice, f"test.row{i}", None) for i in range(4)]
    _drop_append_only_triggers()
    AuditEntry.objects.filter(pk=rows[1].pk).delete()
    with pytest.raises(CommandError, match=rf"lane 1 at row #{rows[1].seq}: row missing"):
        call_command("verify_audit")


def test_verify_audit_notices_the_newest_rows_cut_off(admin_alice):
    rows = [record(admin_alice, f"test.row{i}", None) for i in range(3)]
    _drop_append_only_triggers()
    AuditEntry.objects.filter(pk=rows[-1].pk).delete()
    broken = verify_chain()
    assert broken is not None and broken.seq == rows[-1].seq and broken.reason == "missing"


def test_a_change_that_rolls_back_leaves_no_audit_row(admin_alice):
    from datetime import date

    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        set_policy("test.key", 1, effective_from=date(2026, 1, 1), by=admin_alice)
        raise RuntimeError("the service failed after its audit write")
    assert AuditEntry.objects.count() == before
    assert not PolicySetting.objects.filter(key="test.key").exists()


def test_if_the_audit_write_fails_the_change_rolls_back(admin_alice, monkeypatch):
    from datetime import date

    import skilleval.audit.services as audit_services

    def broken_hash(self):
        raise DatabaseError("audit store unavailable")

    monkeypatch.setattr(audit_services.AuditEntry, "compute_hash", broken_hash)
    with pytest.raises(DatabaseError):
        set_policy("test.key", 1, effective_from=date(2026, 1, 1), by=admin_alice)
    assert not PolicySetting.objects.filter(key="test.key").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_make_one_unbroken_chain():
    """Twenty threads appending at once on PostgreSQL: no two rows share a parent, no gap in the sequence."""
    from django.db import connections

    threads_count, per_thread = 20, 5
    barrier = threading.Barrier(threads_count)
    errors = []

    def writer(n):
        try:
            barrier.wait()
            for i in range(per_thread):
                record(None, "test.concurrent", None, {"thread": n, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    lanes: dict[int, list[int]] = {}
    for lane, seq in AuditEntry.objects.order_by("lane", "seq").values_list("lane", "seq"):
        lanes.setdefault(lane, []).append(seq)
    assert sum(len(seqs) for seqs in lanes.values()) == threads_count * per_thread
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in lanes.values())  # no gap in any lane
    assert len(lanes) > 1  # writers that met a held lane took another
    assert verify_chain() is None


def test_many_rows_at_once_make_the_same_unbroken_chain(admin_alice):
    from skilleval.audit.services import record_many

    record(admin_alice, "test.before", None)
    written = record_many(
        admin_alice, "test.bulk", [("x.y", i) for i in range(250)], [{"i": i} for i in range(250)]
    )
    record(admin_alice, "test.after", None)
    assert written == 250
    assert AuditEntry.objects.filter(action="test.bulk").count() == 250
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 253))
    assert verify_chain() is None
    assert record_many(admin_alice, "test.none", []) == 0


def _hold_a_lane(started: threading.Event, release: threading.Event, held: list) -> None:
    """A transaction that writes an audit row and stays open (a long group import) until `release`."""
    from django.db import connections

    try:
        with transaction.atomic():
            held.append(record(None, "test.long", None).lane)
            started.set()
            release.wait(10)
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writer_takes_a_free_lane_instead_of_waiting_for_a_held_one():
    started, release, held = threading.Event(), threading.Event(), []
    holder = threading.Thread(target=_hold_a_lane, args=(started, release, held))
    holder.start()
    try:
        assert started.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting would fail the test, not hang it
            entry = record(None, "test.meanwhile", None)
        assert entry.lane != held[0]
    finally:
        release.set()
        holder.join()
    assert verify_chain() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_every_lane_is_held_a_writer_waits_for_one_and_then_chains_on_it():
    AuditChainHead.objects.filter(pk__gt=2).delete()  # two lanes, so two open transactions hold them all
    releases = [threading.Event(), threading.Event()]
    starts, held = [threading.Event(), threading.Event()], []
    holders = [
        threading.Thread(target=_hold_a_lane, args=(s, r, held))
        for s, r in zip(starts, releases, strict=True)
    ]
    for holder, start in zip(holders, starts, strict=True):
        holder.start()
        assert start.wait(10)
    assert sorted(held) == [1, 2]
    written = []

    def waits():
        from django.db import connections

        try:
            written.append(record(None, "test.waited", None))
        finally:
            connections.close_all()

    waiter = threading.Thread(target=waits)
    waiter.start()
    waiter.join(1)
    assert waiter.is_alive() and written == []  # it waits: no lane is free
    for release in releases:
        release.set()
    for thread in (*holders, waiter):
        thread.join(10)
    assert (
        written[0].seq == 2
        and written[0].prev_hash == AuditEntry.objects.get(lane=written[0].lane, seq=1).hash
    )
    assert verify_chain() is None


def test_each_lane_starts_at_its_own_genesis_and_a_row_moved_to_another_lane_breaks_the_chain(admin_alice):
    assert AuditChainHead.objects.count() == 8
    assert {h.pk: h.last_hash for h in AuditChainHead.objects.all()} == {
        n: lane_genesis(n) for n in range(1, 9)
    }
    assert lane_genesis(1) == GENESIS_HASH and len({lane_genesis(n) for n in range(1, 9)}) == 8
    rows = [record(admin_alice, f"test.row{i}", None) for i in range(3)]
    assert len({r.lane for r in rows}) == 1  # one connection keeps to its lane
    _drop_append_only_triggers()
    other = 2 if rows[0].lane != 2 else 3
    AuditEntry.objects.filter(pk=rows[2].pk).update(lane=other, seq=1)  # as if written first in `other`
    broken = verify_chain()
    assert broken is not None and broken.reason in {"link", "missing"}
    assert (broken.lane, broken.seq) in {(rows[0].lane, 3), (other, 1)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_0003_keeps_the_older_trail_as_lane_1_and_the_database_still_refuses_edits():
    """Forwards and backwards on either database: SQLite rebuilds the table for the new columns, which
    drops its triggers, and the migration has to put them back."""
    from django.db.migrations.executor import MigrationExecutor

    from skilleval.audit.models import HASHED_FIELDS, canonical, chain_hash

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.migrate([("audit", target)])
        return executor.loader.project_state([("audit", target)]).apps

    def refuses_edits():
        for change in ("UPDATE audit_auditentry SET action = 'x'", "DELETE FROM audit_auditentry"):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(change)
        return True

    try:
        old = migrate("0002_append_only")
        entry, head = old.get_model("audit", "AuditEntry"), old.get_model("audit", "AuditChainHead")
        prev = GENESIS_HASH
        for seq in (1, 2, 3):  # the trail as the one-chain code wrote it
            row = entry(seq=seq, at=timezone.now(), action=f"test.old{seq}", data={"n": seq}, prev_hash=prev)
            row.hash = chain_hash(prev, canonical({f: getattr(row, f) for f in HASHED_FIELDS}))
            row.save()
            prev = row.hash
        head.objects.filter(pk=1).update(seq=3, last_hash=prev)

        migrate("0003_lanes")
        assert list(AuditEntry.objects.order_by("seq").values_list("lane", "seq")) == [(1, 1), (1, 2), (1, 3)]
        assert verify_chain() is None and refuses_edits()

        migrate("0002_append_only")  # back: the trail is all lane 1, so one chain holds it
        assert refuses_edits()
    finally:
        migrate("0003_lanes")
    assert verify_chain() is None and AuditChainHead.objects.count() == 8 and refuses_edits()
    if connection.vendor == "sqlite":  # the test runner empties tables with DELETE there, which is refused
        lanes = importlib.import_module("skilleval.audit.migrations.0003_lanes")
        _drop_append_only_triggers()
        AuditEntry.objects.all().delete()
        with connection.cursor() as cursor:
            for statement in lanes.SQLITE_TRIGGERS:
                cursor.execute(statement)


def test_without_any_lane_a_write_fails_saying_what_to_do(admin_alice):
    AuditChainHead.objects.all().delete()
    with pytest.raises(AuditChainHead.DoesNotExist, match=r"run manage\.py migrate"):
        record(admin_alice, "test.nowhere", None)
    assert not AuditEntry.objects.filter(action="test.nowhere").exists()
