"""Recipients and deliveries now belong to renraku.notices (same tables): state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("broadcast", "0009_alerts_are_notices"),
        ("notices", "0002_pipeline_moved_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="recipient",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="notices.recipient",
                    ),
                ),
                migrations.DeleteModel(name="Delivery"),
                migrations.DeleteModel(name="Recipient"),
            ]
        ),
    ]
