"""The audit chain in lanes (issue 11): eight heads instead of one, each row numbered within its lane.

The rows written so far become lane 1, whose genesis is the original one, so their hashes and links stand
unchanged. On SQLite, changing the table's columns and constraints rebuilds the table, which drops its
triggers: the append-only triggers of migration 0002 are put back at the end.
"""

import hashlib

from django.db import migrations, models

LANES = 8
GENESIS_HASH = "0" * 64
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;",
]


def _genesis(lane: int) -> str:
    # Frozen here, as models.lane_genesis had it when this migration was written.
    return GENESIS_HASH if lane == 1 else hashlib.sha256(f"skilleval.audit.lane:{lane}".encode()).hexdigest()


def add_lanes(apps, schema_editor):
    head = apps.get_model("audit", "AuditChainHead")
    head.objects.get_or_create(pk=1)
    for lane in range(2, LANES + 1):
        head.objects.get_or_create(pk=lane, defaults={"seq": 0, "last_hash": _genesis(lane)})
    sqlite_triggers_back(apps, schema_editor)


def remove_lanes(apps, schema_editor):
    head, entry = apps.get_model("audit", "AuditChainHead"), apps.get_model("audit", "AuditEntry")
    if entry.objects.exclude(lane=1).exists():
        raise RuntimeError("the audit trail has rows in lanes other than 1: one chain cannot hold them")
    head.objects.filter(pk__gt=1).delete()


def sqlite_triggers_back(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        # Backwards, the table is rebuilt after this runs; its reverse, which runs last, puts them back.
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers_back),
        migrations.AddField(
            model_name="auditentry",
            name="lane",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="lane"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(verbose_name="sequence"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("lane", "seq"), name="audit_lane_seq"),
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": ["-at", "-id"],
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit entries",
            },
        ),
        migrations.RunPython(add_lanes, remove_lanes),
    ]
