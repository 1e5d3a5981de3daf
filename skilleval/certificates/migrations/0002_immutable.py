"""The database refuses to change an issued certificate except valid → revoked (with its reason) and its
collection record, and refuses to delete one (SECURITY.md "Audit and integrity").

PostgreSQL: a row trigger comparing OLD and NEW. SQLite: the same conditions with RAISE(ABORT).
"""

from django.db import migrations

FROZEN = ["number", "application_id", "person_id", "item_id", "level", "issued_on", "source", "statement",
          "signature", "tag"]

PG_UP = """
CREATE OR REPLACE FUNCTION certificate_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'certificates are never deleted; revoke instead';
    END IF;
    IF {changed} THEN
        RAISE EXCEPTION 'an issued certificate does not change';
    END IF;
    IF OLD.state = 'revoked' AND (NEW.state <> 'revoked' OR NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
        OR NEW.revoke_reason IS DISTINCT FROM OLD.revoke_reason) THEN
        RAISE EXCEPTION 'a revoked certificate stays revoked';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER certificate_no_update BEFORE UPDATE ON certificates_certificate
    FOR EACH ROW EXECUTE FUNCTION certificate_immutable();
CREATE TRIGGER certificate_no_delete BEFORE DELETE ON certificates_certificate
    FOR EACH ROW EXECUTE FUNCTION certificate_immutable();
""".format(changed=" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN))
PG_DOWN = """
DROP TRIGGER IF EXISTS certificate_no_update ON certificates_certificate;
DROP TRIGGER IF EXISTS certificate_no_delete ON certificates_certificate;
DROP FUNCTION IF EXISTS certificate_immutable();
"""
SQLITE_UP = [
    "CREATE TRIGGER certificate_no_update BEFORE UPDATE ON certificates_certificate WHEN "
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)
    + " OR (OLD.state = 'revoked' AND (NEW.state <> 'revoked' OR NEW.revoked_at IS NOT OLD.revoked_at"
    " OR NEW.revoke_reason IS NOT OLD.revoke_reason))"
    " BEGIN SELECT RAISE(ABORT, 'an issued certificate does not change'); END;",
    "CREATE TRIGGER certificate_no_delete BEFORE DELETE ON certificates_certificate "
    "BEGIN SELECT RAISE(ABORT, 'certificates are never deleted; revoke instead'); END;",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS certificate_no_update;", "DROP TRIGGER IF EXISTS certificate_no_delete;"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
