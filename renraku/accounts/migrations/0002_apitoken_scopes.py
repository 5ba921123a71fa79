import django.db.models
from django.db import migrations

import renraku.accounts.models


class Migration(migrations.Migration):
    """Tokens get scopes. Every token made before this read the directory and nothing
    else, so the default (["directory"]) is what AddField writes into the existing rows:
    they keep working as they did and gain nothing."""

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=django.db.models.JSONField(
                default=renraku.accounts.models.default_api_scopes, verbose_name="scopes"
            ),
        ),
    ]
