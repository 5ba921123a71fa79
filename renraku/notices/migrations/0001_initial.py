import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Notice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("owner", models.CharField(default="alert", max_length=20, verbose_name="from")),
                ("urgency", models.CharField(choices=[("high", "Urgent"), ("normal", "Normal")], default="high", max_length=10, verbose_name="urgency")),
                ("channel_order", models.JSONField(default=list, verbose_name="channels in order")),
                ("issued_at", models.DateTimeField(auto_now_add=True, verbose_name="issued at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
            ],
            options={"verbose_name": "notice", "verbose_name_plural": "notices"},
        ),
        migrations.CreateModel(
            name="QuietHours",
            fields=[
                ("staff", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="quiet_hours", serialize=False, to="directory.staff")),
                ("start", models.TimeField(verbose_name="from")),
                ("end", models.TimeField(verbose_name="until")),
            ],
            options={"verbose_name": "quiet hours", "verbose_name_plural": "quiet hours"},
        ),
        migrations.CreateModel(
            name="Preference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("topic", models.CharField(max_length=40)),
                ("choice", models.CharField(choices=[("push", "Push notification"), ("email", "E-mail"), ("app", "Only in the app")], max_length=10, verbose_name="tell me by")),
                ("staff", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notice_preferences", to="directory.staff")),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("staff", "topic"), name="one_choice_per_topic")]},
        ),
    ]
