"""An alert's channels, when it went and when it closed were kept twice: on the alert
(channels, created_at, closed_at) and on its notice (channel_order, issued_at,
finished_at). The notice keeps them; the alert's copies go, after their values are
written to the notice (the alert's are what pages showed, so they win)."""

from django.db import migrations


def alert_values_to_notice(apps, schema_editor):
    schema_editor.execute(
        "UPDATE notices_notice SET"
        " channel_order = (SELECT channels FROM broadcast_alert a WHERE a.id = notices_notice.id),"
        " issued_at = (SELECT created_at FROM broadcast_alert a WHERE a.id = notices_notice.id),"
        " finished_at = (SELECT closed_at FROM broadcast_alert a WHERE a.id = notices_notice.id)"
        " WHERE id IN (SELECT id FROM broadcast_alert)"
    )


def notice_values_to_alert(apps, schema_editor):
    schema_editor.execute(
        "UPDATE broadcast_alert SET"
        " channels = (SELECT channel_order FROM notices_notice n WHERE n.id = broadcast_alert.id),"
        " created_at = (SELECT issued_at FROM notices_notice n WHERE n.id = broadcast_alert.id),"
        " closed_at = (SELECT finished_at FROM notices_notice n WHERE n.id = broadcast_alert.id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("broadcast", "0010_pipeline_moved_to_notices"),
        ("notices", "0003_pipeline_names"),
    ]

    operations = [
        migrations.RunPython(alert_values_to_notice, notice_values_to_alert),
        migrations.AlterModelOptions(
            name="alert",
            options={
                "ordering": ["-issued_at"],
                "verbose_name": "alert",
                "verbose_name_plural": "alerts",
            },
        ),
        migrations.RemoveField(model_name="alert", name="channels"),
        migrations.RemoveField(model_name="alert", name="created_at"),
        migrations.RemoveField(model_name="alert", name="closed_at"),
    ]
