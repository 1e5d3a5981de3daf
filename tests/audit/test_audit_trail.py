"""The audit trail (SECURITY.md "Audit and integrity"; issue 2 item 9)."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from skilleval.audit.models import GENESIS_HASH, AuditEntry
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
    with pytest.raises(CommandError, match=rf"row #{rows[2].seq}: row content does not match"):
        call_command("verify_audit")


def test_verify_audit_notices_a_removed_row(admin_alice):
    rows = [record(admin_alice, f"test.row{i}", None) for i in range(4)]
    _drop_append_only_triggers()
    AuditEntry.objects.filter(pk=rows[1].pk).delete()
    with pytest.raises(CommandError, match=rf"row #{rows[1].seq}: row missing"):
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
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads_count * per_thread + 1))
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
