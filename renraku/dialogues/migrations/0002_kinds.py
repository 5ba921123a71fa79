"""The kinds of dialogue the ward runs, as data administrators can change."""

from django.db import migrations

KINDS = [
    # code, name, open sign-up, seats, break time, guests, upcoming per host, order
    ("lunch", "お昼ザツダン", True, 6, True, False, 1, 1),
    ("evening", "お夕ザツダン", True, 8, False, False, 1, 2),
    ("director_visit", "部長のお部屋訪問", False, 1, False, False, 0, 3),
    ("hosts_chat", "副区長ザツダン", False, 3, False, False, 0, 4),
    ("council", "区議会議員との意見交換", False, 20, False, True, 0, 5),
]
DESCRIPTIONS = {
    "lunch": "昼休みに副区長と雑談します。1人でもグループでも申し込めます。"
    "休憩時間として参加します（業務時間ではありません）。",
    "evening": "終業後に副区長と雑談します。",
    "director_visit": "副区長が各部長の執務室を訪ねて話を聞きます。",
    "hosts_chat": "副区長どうしの対話です。",
    "council": "区議会議員と区のDXについて意見交換します。",
}


def add_kinds(apps, schema_editor):
    Kind = apps.get_model("dialogues", "Kind")
    for code, name, open_signup, seats, break_time, guests, per_host, order in KINDS:
        Kind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": DESCRIPTIONS[code],
                "open_signup": open_signup,
                "default_seats": seats,
                "is_break_time": break_time,
                "allows_guests": guests,
                "upcoming_per_host": per_host,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
