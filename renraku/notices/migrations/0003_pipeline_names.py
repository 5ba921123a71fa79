"""The pipeline's tables, columns and indexes take its own names (broadcast_recipient →
notices_recipient, broadcast_delivery → notices_delivery, alert_id → notice_id), and a
notice no longer defaults to being an alert: whoever issues one says whose it is and how
urgent. Renames only: no row is copied."""

from django.db import migrations, models

TABLES = ("notices_recipient", "notices_delivery")
OLD_TO_NEW = {"broadcast_recipient": "notices_recipient", "broadcast_delivery": "notices_delivery"}


def _named(connection, prefixes):
    """(kind, table, name) of the indexes, constraints and sequences of the pipeline's
    tables whose names begin with one of `prefixes`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 'index', tablename, indexname FROM pg_indexes"
                " WHERE tablename = ANY(%s)"
                " UNION SELECT 'constraint', conrelid::regclass::text, conname"
                " FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) AND conindid = 0"
                " UNION SELECT 'sequence', '', sequencename FROM pg_sequences",
                [list(TABLES), list(TABLES)],
            )
        else:
            cursor.execute(
                "SELECT 'index', tbl_name, name FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name IN (%s, %s) AND sql IS NOT NULL",
                list(TABLES),
            )
        return [row for row in cursor.fetchall() if row[2].startswith(tuple(prefixes))]


def rename_leftovers(apps, schema_editor, old_to_new=OLD_TO_NEW):
    """Django renames tables and columns, not the indexes, constraints and sequences made
    with them: those would keep "broadcast_…" names, unlike on a new database."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name

    def renamed(name):
        old = next(o for o in old_to_new if name.startswith(o))
        return quote(old_to_new[old] + name[len(old) :])

    for kind, table, name in _named(connection, old_to_new):
        if connection.vendor == "sqlite":  # cannot rename an index: made again
            with connection.cursor() as cursor:
                cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [name])
                (sql,) = cursor.fetchone()
            schema_editor.execute(f"DROP INDEX {quote(name)}")
            schema_editor.execute(sql.replace(quote(name), renamed(name), 1))
        elif kind == "constraint":
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} TO {renamed(name)}"
            )
        else:  # an index (with the constraint it backs), or a sequence
            schema_editor.execute(f"ALTER {kind.upper()} {quote(name)} RENAME TO {renamed(name)}")


def rename_back(apps, schema_editor):
    rename_leftovers(apps, schema_editor, {new: old for old, new in OLD_TO_NEW.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0002_pipeline_moved_here"),
        ("broadcast", "0010_pipeline_moved_to_notices"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notice",
            name="owner",
            field=models.CharField(max_length=20, verbose_name="from"),
        ),
        migrations.AlterField(
            model_name="notice",
            name="urgency",
            field=models.CharField(
                choices=[("high", "Urgent"), ("normal", "Normal")],
                max_length=10,
                verbose_name="urgency",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="issued_at",
            field=models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="issued at"),
        ),
        migrations.AlterModelTable(name="recipient", table=None),
        migrations.AlterModelTable(name="delivery", table=None),
        migrations.AlterField(
            model_name="recipient",
            name="notice",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="recipients",
                to="notices.notice",
            ),
        ),
        migrations.RenameIndex(
            model_name="recipient",
            new_name="recipient_unanswered_idx",
            old_name="broadcast_r_alert_i_6834ff_idx",
        ),
        migrations.RunPython(rename_leftovers, rename_back),
    ]
