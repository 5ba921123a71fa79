"""The demo's year of drills: twelve drills whose report and trend show the office getting
faster, a reception test, a drill waiting in next Tuesday's window; made once."""

import io
import json

from django.core.management import call_command

from renraku.drills import trend
from renraku.drills.demo import seed_drills_demo
from renraku.drills.models import ScheduledDrill
from renraku.testing import make_staff


def test_the_demo_has_a_year_of_drills_getting_better(org, people):
    for i in range(150):
        department = [org.som, org.kik, org.gak][i % 3]
        make_staff(org, family=f"職員{i}", department=department)
    assert seed_drills_demo() == 12

    out = io.StringIO()
    call_command("drill", "report", "--json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 12
    oldest, newest = lines[-1], lines[0]
    assert newest["t50_s"] < oldest["t50_s"]
    assert newest["answered"] / newest["recipients"] > oldest["answered"] / oldest["recipients"]

    ward = trend.trends(people.dave)["ward"]
    assert ward["verdict"] == "better" and len(ward["rates"]) == 12
    out = io.StringIO()
    call_command("drill", "test-report", str(_reception_id()), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert 0 < summary["pressed"] < summary["reached"] <= summary["recipients"]
    assert ScheduledDrill.objects.pending().count() == 1

    assert seed_drills_demo() == 0  # a second run changes nothing


def _reception_id():
    from renraku.drills.models import ReceptionTest

    return ReceptionTest.objects.get().pk
