import io
import json

from django.core.management import call_command
from django.db import connection

from renraku.accounts.models import Role, User


def test_org_summary_json_counts_active_staff_and_directors(people, org):
    out = io.StringIO()
    call_command("org", "summary", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert (
        summary
        | {"domains": 2, "departments": 3, "sections": 4, "sites": 3, "staff": 5, "directors": 0}
        == summary
    )  # Mallory left


def _lines(*args) -> list:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return out.getvalue().splitlines()


def _what_the_demo_shows() -> dict:
    """What a second seed must leave as it is: each app's rows and what its commands say."""
    from django.apps import apps

    from renraku.mobilise.models import Mobilisation

    # Not the audit log: the second seed's HR import is an import run, audited as one.
    models = [m for m in apps.get_models() if not m._meta.proxy and m._meta.app_label != "audit"]
    counts = {m._meta.label: m.objects.count() for m in models}
    [callup] = Mobilisation.objects.values_list("pk", flat=True)
    return counts | {
        "readiness": _lines("readiness", "--by", "department"),
        "drills": _lines("drill", "report"),
        "callup": _lines("mobilise", "status", str(callup)),
        "sites": _lines("site", "status", str(callup)),
    }


# The ward's shape at a small size: benchmarks and `make demo` build the full 10,000.
SMALL_WARD = 1_200


def check_the_ward_and_that_a_second_seed_changes_nothing(first: dict) -> None:
    """For renraku/demo/tests/test_demo_ward.py, which seeds the ward once for every app's
    check: `first` is what the seed printed."""
    first = json.loads(json.dumps(first))  # our own copy
    by_level = first["summary"].pop("callup_by_level")  # test_callup.py checks its shape
    assert by_level["4"] == SMALL_WARD
    assert first["summary"] == {
        "domains": 5,
        "departments": 37,
        "sections": 111,
        "sites": 260,
        "staff": SMALL_WARD,
        "directors": 50,
    }
    summary = io.StringIO()
    call_command("org", "summary", "--json", stdout=summary)
    if connection.vendor == "postgresql":  # the planner knows the ward's size at once
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'directory_staff'")
            assert cursor.fetchone()[0] >= SMALL_WARD
    ranks = json.loads(summary.getvalue())["by_rank"]
    assert (ranks["mayor"], ranks["deputy_mayor"]) == (1, 3)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)

    before = _what_the_demo_shows()
    out = io.StringIO()
    call_command("seed_demo", "--staff", SMALL_WARD, stdout=out)
    assert _what_the_demo_shows() == before  # every app's demo is made once
    second = json.loads(out.getvalue())
    assert second["import"]["unchanged"] == SMALL_WARD
    assert second["import"]["joined"] == second["import"]["left"] == 0
    assert second["summary"] == first["summary"] | {"callup_by_level": by_level}
