"""Recipients and deliveries move here from broadcast, keeping their tables: state only."""

import django.db.models.deletion
from django.db import migrations, models

BULK = {"db_constraint": False}


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_pushsubscription"),
        ("notices", "0001_initial"),
        ("broadcast", "0009_alerts_are_notices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Recipient",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                        ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                        ("answer", models.CharField(blank=True, choices=[("ack", "Acknowledged"), ("safe", "Safe"), ("minor", "Minor injury"), ("serious", "Serious injury")], max_length=20, verbose_name="answer")),
                        ("attendance", models.CharField(blank=True, choices=[("can", "Can come to work"), ("late", "Can come, later"), ("cannot", "Cannot come")], max_length=10, verbose_name="attendance")),
                        ("reach", models.CharField(choices=[("pending", "Being sent"), ("sent", "Reached"), ("failed", "Every channel failed"), ("none", "No channel reaches them"), ("app", "In the app only, by their choice")], default="pending", max_length=10, verbose_name="reach")),
                        ("reached_via", models.CharField(blank=True, max_length=10, verbose_name="reached via")),
                        ("notice", models.ForeignKey(db_column="alert_id", db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="recipients", to="notices.notice")),
                        ("staff", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="directory.staff", **BULK)),
                        ("department", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="directory.department", **BULK)),
                        ("site", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="directory.site", **BULK)),
                    ],
                    options={
                        "db_table": "broadcast_recipient",
                        "verbose_name": "recipient",
                        "verbose_name_plural": "recipients",
                        "constraints": [models.UniqueConstraint(fields=("notice", "staff"), name="one_per_person")],
                        "indexes": [models.Index(fields=["notice", "answered_at", "department", "id"], name="broadcast_r_alert_i_6834ff_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("channel", models.CharField(max_length=10, verbose_name="channel")),
                        ("attempt", models.PositiveSmallIntegerField(default=1, verbose_name="attempt")),
                        ("tries", models.PositiveSmallIntegerField(default=0, verbose_name="tries")),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed, will retry"), ("permanent", "Failed")], default="queued", max_length=10, verbose_name="status")),
                        ("claim", models.CharField(blank=True, max_length=32)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("not_before", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                        ("provider_id", models.CharField(blank=True, max_length=100)),
                        ("error", models.CharField(blank=True, max_length=300, verbose_name="error")),
                        ("recipient", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="notices.recipient", **BULK)),
                    ],
                    options={
                        "db_table": "broadcast_delivery",
                        "verbose_name": "delivery",
                        "verbose_name_plural": "deliveries",
                        "constraints": [models.UniqueConstraint(fields=("recipient", "channel", "attempt"), name="one_delivery_per_attempt")],
                    },
                ),
            ]
        ),
    ]
