"""The rules a ward starts with; administrators change them in the admin."""

from django.db import migrations

from renraku.feeds.defaults import create_default_rules


def create(apps, schema_editor):
    create_default_rules(apps.get_model("feeds", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
