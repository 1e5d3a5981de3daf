"""The integrity tag now covers the signature too (certificates.services.certificate_tag), so a lookup checks
one keyed hash instead of the hash and an Ed25519 signature.

Each existing row is re-tagged only when it is still trustworthy by the old rule (its old tag matches and its
signature checks against the public key); a row that was already "under verification" keeps its old tag
and stays so. The immutability trigger of 0002 is lifted for the update and put back in the same
transaction.
"""

import importlib
from contextlib import contextmanager

from django.db import migrations

OLD_PURPOSE = NEW_PURPOSE = "certificates.integrity"
immutable = importlib.import_module("skilleval.certificates.migrations.0002_immutable")


def _old_tag(c, blind_index):
    text = f"{c.number}|{c.application_id}|{c.person_id}|{c.item_id}|{c.level}|{c.issued_on}|{c.statement}"
    return blind_index(text, purpose=OLD_PURPOSE)


def _new_tag(c, blind_index):
    text = (
        f"{c.number}|{c.application_id}|{c.person_id}|{c.item_id}|{c.level}|{c.issued_on}|{c.statement}"
        f"|{c.signature}"
    )
    return blind_index(text, purpose=NEW_PURPOSE)


@contextmanager
def trigger_lifted(schema_editor):
    """0002's refusal to change a certificate, lifted for the block and put back after it."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Deferred foreign-key checks still pending in this transaction would make ALTER TABLE refuse.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE certificates_certificate DISABLE TRIGGER certificate_no_update")
    elif vendor == "sqlite":
        for statement in immutable.SQLITE_DOWN:
            schema_editor.execute(statement)
    yield
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE certificates_certificate ENABLE TRIGGER certificate_no_update")
    elif vendor == "sqlite":
        for statement in immutable.SQLITE_UP:
            schema_editor.execute(statement)


def _retag(apps, schema_editor, *, forward: bool):
    from skilleval.certificates import signing
    from skilleval.privacy.fields import blind_index

    Certificate = apps.get_model("certificates", "Certificate")
    if not Certificate.objects.exists():
        return
    (was, becomes) = (_old_tag, _new_tag) if forward else (_new_tag, _old_tag)
    fields = ["id", "number", "application_id", "person_id", "item_id", "level", "issued_on", "statement",
              "signature", "tag"]
    changed = []
    with trigger_lifted(schema_editor):
        for c in Certificate.objects.only(*fields).order_by("pk").iterator(chunk_size=2000):
            if c.tag == was(c, blind_index) and signing.check(signing.payload(c.statement, c.signature)):
                c.tag = becomes(c, blind_index)
                changed.append(c)
            if len(changed) >= 2000:
                Certificate.objects.bulk_update(changed, ["tag"])
                changed = []
        Certificate.objects.bulk_update(changed, ["tag"])


def forwards(apps, schema_editor):
    _retag(apps, schema_editor, forward=True)


def backwards(apps, schema_editor):
    _retag(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("certificates", "0002_immutable")]
    operations = [migrations.RunPython(forwards, backwards)]
