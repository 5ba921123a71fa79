from django.db import migrations

from renraku.feeds.defaults import add_heavy_rain_emergency_rule


def add_rule(apps, schema_editor):
    add_heavy_rain_emergency_rule(apps.get_model("feeds", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0006_safety_alert_beside_callup"),
    ]

    operations = [migrations.RunPython(add_rule, migrations.RunPython.noop)]
