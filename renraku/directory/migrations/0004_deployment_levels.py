"""The four deployment levels a ward starts with (administrators edit them in the admin)."""

from django.db import migrations

# (number, name, what starts it); the demo ward shows the same.
LEVELS = [
    (1, "警戒配備", "大雨・洪水・暴風・大雪警報の発表、区内で震度4を観測したとき"),
    (
        2,
        "第1次非常配備",
        "土砂災害警戒情報・記録的短時間大雨情報の発表、区内で局地的な災害が起きたとき",
    ),
    (3, "第2次非常配備", "区内で震度5弱を観測したとき、特別警報の発表、広い範囲で災害が起きたとき"),
    (
        4,
        "全職員配備",
        "区内で震度5強以上を観測したとき（自動参集：呼び出しを待たずに参集する）、"
        "区長が全職員の参集を指示したとき",
    ),
]


def create_levels(apps, schema_editor):
    DeploymentLevel = apps.get_model("directory", "DeploymentLevel")
    for number, name, started_by in LEVELS:
        DeploymentLevel.objects.get_or_create(
            number=number, defaults={"name": name, "started_by": started_by}
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_callup")]

    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
