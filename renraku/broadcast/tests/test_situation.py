"""The headquarters' figures: by department, site, section and domain, and across alerts."""

import pytest
from django.utils import timezone

from renraku.broadcast import situation
from renraku.broadcast.actions import Draft
from renraku.notices.models import Recipient


@pytest.fixture
def alert(people, send, smtp):
    return send(
        Draft(title="震度6弱", body="安否を", audience={"all": True}, channels=["email"]),
        sender=people.bob,
    )


def answer(alert, user, value, attendance=""):
    Recipient.objects.filter(notice=alert, staff=user.staff).update(
        answer=value, attendance=attendance, answered_at=timezone.now()
    )


def test_departments_lowest_answer_rate_first_with_answers_and_attendance(alert, people):
    answer(alert, people.alice, "safe", "can")  # 総務部
    answer(alert, people.carol, "serious", "cannot")  # 総務部
    answer(alert, people.dave, "safe", "late")  # 危機管理部
    rows = situation.table(situation.recipients([alert]), "department")
    assert [(r.code, r.recipients, r.answered, r.answer_rate) for r in rows] == [
        ("KIK", 3, 1, 33),
        ("SOM", 2, 2, 100),
    ]
    som = rows[1]
    assert som.answers == {"safe": 1, "serious": 1}
    assert som.attendance == {"can": 1, "late": 0, "cannot": 1, "unknown": 0}
    assert som.flags == ["injured"]
    assert rows[0].attendance["unknown"] == 2


def test_a_place_where_too_few_can_come_is_marked_once_half_have_answered(alert, people):
    answer(alert, people.alice, "safe", "cannot")
    [som] = [
        r for r in situation.table(situation.recipients([alert]), "department") if r.code == "SOM"
    ]
    assert "few_can_come" in som.flags  # 1 of 2 answered, nobody can come
    answer(alert, people.carol, "safe", "can")
    [som] = [
        r for r in situation.table(situation.recipients([alert]), "department") if r.code == "SOM"
    ]
    assert "few_can_come" not in som.flags  # half can come


def test_an_area_and_its_unanswered_a_page_at_a_time(alert, people):
    answer(alert, people.alice, "safe")
    rows = situation.recipients([alert], area="department", code="SOM")
    assert situation.totals(rows).recipients == 2
    page = situation.unanswered(rows)
    assert [r.staff.family_name for r in page] == ["加藤"]
    assert list(situation.unanswered(rows, query="アオキ")) == []  # answered
    assert situation.table(situation.recipients([alert]), "domain")[0].code in {"KS"}


def test_several_alerts_count_each_person_once_with_their_latest_answer(alert, people, send):
    aftershock = send(
        Draft(title="余震", body="安否を", audience={"all": True}, channels=["email"]),
        sender=people.bob,
    )
    answer(alert, people.alice, "safe", "can")
    answer(aftershock, people.alice, "minor", "late")  # later: hurt in the aftershock
    answer(alert, people.carol, "safe", "can")  # answered only the first
    figures = situation.totals(situation.recipients([alert, aftershock]))
    assert (figures.recipients, figures.answered) == (5, 2)
    assert figures.answers == {"safe": 1, "minor": 1}
    assert figures.attendance["late"] == 1 and figures.attendance["can"] == 1


def test_the_command_line_prints_one_object_per_department(alert, people):
    import io
    import json

    from django.core.management import call_command

    answer(alert, people.alice, "safe", "late")
    out = io.StringIO()
    call_command("alert", "status", str(alert.pk), "--json", "--by", "department", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["code"] for r in rows] == ["KIK", "SOM"]
    som = rows[1]
    assert set(som) == {
        "code",
        "name",
        "recipients",
        "reached",
        "answered",
        "answer_rate",
        "answers",
        "attendance",
    }
    assert (som["name"], som["answered"], som["answer_rate"]) == ("総務部", 1, 50)
    assert som["attendance"] == {"can": 0, "late": 1, "cannot": 0, "unknown": 1}
    out = io.StringIO()
    call_command("alert", "status", str(alert.pk), "--json", "--by", "site", stdout=out)
    assert {json.loads(line)["code"] for line in out.getvalue().splitlines()} == {"S001"}


def test_the_wards_totals_are_the_sum_of_its_departments(alert, people):
    answer(alert, people.alice, "minor", "late")
    answer(alert, people.dave, "safe", "cannot")
    rows = situation.recipients([alert])
    summed = situation.sum_of(situation.table(rows, "department"))
    assert summed == situation.totals(rows)
