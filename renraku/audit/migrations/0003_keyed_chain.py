"""The chain becomes an HMAC keyed with a secret outside the database (audit.keys), and
the database refuses any INSERT but the next entry.

Entries hashed before are checked under plain SHA-256 first (a broken chain is refused,
not laundered), then re-hashed under the key; from then on only keyed hashes verify.
"""

from django.db import migrations

from renraku.audit.chain import rechain
from renraku.audit.keys import audit_key


def forwards(apps, schema_editor):
    entries = apps.get_model("audit", "AuditEntry")
    rechain(schema_editor.connection, entries, old_key=None, new_key=audit_key())


def backwards(apps, schema_editor):
    entries = apps.get_model("audit", "AuditEntry")
    rechain(schema_editor.connection, entries, old_key=audit_key(), new_key=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
