import io
import json

from django.core.management import call_command

from renraku.accounts.models import Role, User
from renraku.directory.demo import STAFF_COUNT


def test_org_summary_json_counts_active_staff_and_directors(people, org):
    out = io.StringIO()
    call_command("org", "summary", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert (
        summary
        | {"domains": 2, "departments": 3, "sections": 4, "sites": 3, "staff": 5, "directors": 0}
        == summary
    )  # Mallory left


def test_seed_demo_builds_the_ward_and_a_second_run_changes_nothing(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = json.loads(out.getvalue())
    assert first["summary"] == {
        "domains": 5,
        "departments": 37,
        "sections": 111,
        "sites": 260,
        "staff": STAFF_COUNT,
        "directors": 50,
    }
    summary = io.StringIO()
    call_command("org", "summary", "--json", stdout=summary)
    ranks = json.loads(summary.getvalue())["by_rank"]
    assert (ranks["mayor"], ranks["deputy_mayor"]) == (1, 3)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    second = json.loads(out.getvalue())
    assert second["import"]["unchanged"] == STAFF_COUNT
    assert second["import"]["joined"] == second["import"]["left"] == 0
    assert second["summary"] == first["summary"]
