"""The database itself refuses UPDATE and DELETE on the audit log, on SQLite and PostgreSQL.

The ORM refuses too (audit.models), but raw SQL and a misbehaving migration would not be
stopped by Python; these triggers stop them.
"""

from django.db import migrations

from renraku.audit import triggers


def forwards(apps, schema_editor):
    triggers.install(schema_editor.connection)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
