"""Alerts become notices (renraku.notices): each alert gets the notice row with its own id,
the alert's id column becomes the link to it, and recipients point at notices. No row of
recipients or deliveries is rewritten: their alert ids are the notices' ids."""

import django.db.models.deletion
from django.db import migrations, models


def give_each_alert_its_notice(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notices_notice (id, owner, urgency, channel_order, issued_at, finished_at)"
            " SELECT id, 'alert', 'high', channels, created_at, closed_at FROM broadcast_alert"
        )
        if connection.vendor == "postgresql":
            # New notices (and so new alerts) continue after the alerts' ids.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('notices_notice', 'id'),"
                " COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM notices_notice"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("broadcast", "0008_unanswered_by_department"),
        ("notices", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(give_each_alert_its_notice, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="alert",
            name="id",
            field=models.OneToOneField(
                db_column="id",
                on_delete=django.db.models.deletion.CASCADE,
                parent_link=True,
                primary_key=True,
                related_name="alert",
                serialize=False,
                to="notices.notice",
            ),
        ),
        migrations.RenameField(model_name="alert", old_name="id", new_name="notice_ptr"),
        migrations.RemoveConstraint(model_name="recipient", name="one_per_person"),
        migrations.RemoveIndex(model_name="recipient", name="broadcast_r_alert_i_6834ff_idx"),
        migrations.AlterField(
            model_name="recipient",
            name="alert",
            field=models.ForeignKey(
                db_column="alert_id",
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="recipients",
                to="notices.notice",
            ),
        ),
        migrations.RenameField(model_name="recipient", old_name="alert", new_name="notice"),
        migrations.AddConstraint(
            model_name="recipient",
            constraint=models.UniqueConstraint(fields=("notice", "staff"), name="one_per_person"),
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                fields=["notice", "answered_at", "department", "id"],
                name="broadcast_r_alert_i_6834ff_idx",
            ),
        ),
    ]
