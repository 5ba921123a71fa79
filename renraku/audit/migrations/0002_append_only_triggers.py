"""The database itself refuses UPDATE and DELETE on the audit log, on SQLite and PostgreSQL.

The ORM refuses too (audit.models), but raw SQL and a misbehaving migration would not be
stopped by Python; these triggers stop them.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_no_update;", "DROP TRIGGER audit_no_delete;"]

POSTGRES = [
    """CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;""",
    """CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_no_truncate ON audit_auditentry;",
    "DROP TRIGGER audit_no_change ON audit_auditentry;",
    "DROP FUNCTION audit_refuse_change();",
]


def forwards(apps, schema_editor):
    _run(schema_editor, SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES)


def backwards(apps, schema_editor):
    _run(schema_editor,
         SQLITE_REVERSE if schema_editor.connection.vendor == "sqlite" else POSTGRES_REVERSE)


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
