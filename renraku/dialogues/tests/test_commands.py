"""The dialogue command as integrations use it: the year's director visits as one JSON
array, and the summary of parties met since a date (default: the fiscal year's start).

Dave hosts (conftest); Alice, Bob and Carol take part."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from renraku.dialogues import actions, directors
from renraku.dialogues.demo import SINCE, seed_dialogues_demo
from renraku.dialogues.models import DirectorVisit, Host, Kind, Participant, Slot
from renraku.testing import make_staff


def _json(capsys, *args):
    call_command("dialogue", *args, "--json")
    return json.loads(capsys.readouterr().out)


def _took_place(slot, days_ago):
    Slot.objects.filter(pk=slot.pk).update(start=timezone.now() - dt.timedelta(days=days_ago))


def test_directors_prints_one_array_with_the_years_visits(people, org, host, capsys):
    new = make_staff(org, family="新任", given="部長", department=org.gak, position="DIR")
    old = make_staff(org, family="古参", given="部長", department=org.kik, position="DIR")
    year = directors.fiscal_year()
    visited = DirectorVisit.objects.create(host=host, director=old, year=year)
    planned = DirectorVisit.objects.create(host=host, director=new, year=year, newly_appointed=True)
    start = (timezone.now() + dt.timedelta(days=4)).replace(second=0, microsecond=0)
    directors.schedule(planned, start)
    directors.mark_visited(visited)
    rows = _json(capsys, "directors", "--host", people.dave.username)
    assert isinstance(rows, list)
    by_staff = {r["staff"]: r for r in rows}
    assert set(by_staff[new.employee_number]) == {
        "staff",
        "name",
        "department",
        "new",
        "visited_at",
        "scheduled_at",
    }
    assert by_staff[new.employee_number] | {"scheduled_at": None} == {
        "staff": new.employee_number,
        "name": "新任 部長",
        "department": "学校教育部",
        "new": True,
        "visited_at": None,
        "scheduled_at": None,
    }
    scheduled = dt.datetime.fromisoformat(by_staff[new.employee_number]["scheduled_at"])
    assert scheduled == start and scheduled.utcoffset() == dt.timedelta(hours=9)
    assert by_staff[old.employee_number]["new"] is False
    assert by_staff[old.employee_number]["visited_at"] is not None
    assert _json(capsys, "directors", "--host", people.dave.username, "--year", "2001") == []
    with pytest.raises(CommandError):
        call_command("dialogue", "directors", "--host", people.alice.username, "--json")


def test_summary_counts_parties_since_a_date(people, lunch, host, capsys):
    this_year = lunch(seats=6, days=1)
    actions.book(this_year, people.alice.staff, members=[people.bob.staff])  # one party
    actions.book(this_year, people.carol.staff)  # another
    _took_place(this_year, 1)
    long_ago = lunch(seats=6, days=2)
    actions.book(long_ago, people.erin.staff)
    Slot.objects.filter(pk=long_ago.pk).update(start=dt.datetime(2023, 5, 9, 3, tzinfo=dt.UTC))
    absent = lunch(seats=6, days=3)
    nobody = actions.book(absent, people.bob.staff)
    _took_place(absent, 2)
    Participant.objects.filter(booking=nobody).update(attended=False)  # did not come

    figures = _json(capsys, "summary", "--host", people.dave.username)
    assert (figures["sessions"], figures["groups"], figures["people"]) == (2, 2, 3)
    assert figures["since"] == f"{directors.fiscal_year()}-04-01"
    figures = _json(capsys, "summary", "--host", people.dave.username, "--since", "2022-06-01")
    assert (figures["groups"], figures["since"]) == (3, "2022-06-01")
    with pytest.raises(CommandError):
        call_command("dialogue", "summary", "--host", people.dave.username, "--since", "6月")


def test_the_demo_first_deputy_has_met_at_least_71_parties_since_june_2022(org, capsys):
    deputy, *_others = (
        make_staff(org, family=f, given="副区長", position="DEPUTY")
        for f in ("大野", "小野", "中野")
    )
    for n in range(8):
        make_staff(org, family="職員", given=str(n))
    seed_dialogues_demo()
    host = Host.objects.get(staff=deputy)
    assert dt.date(2022, 6, 1) == SINCE
    figures = _json(capsys, "summary", "--host", deputy.employee_number, "--since", "2022-06-01")
    assert figures["groups"] >= 71
    assert set(figures["by_kind"]) <= {"lunch", "evening"}
    assert Kind.objects.filter(code="evening").exists() and host.slots.exists()
