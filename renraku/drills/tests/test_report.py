"""What a drill measured, checked against a small history made by hand: the expected
figures are computed here, plainly, from the answer times the test sets."""

import datetime as dt
import io
import json
import math

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from renraku.broadcast import actions, links
from renraku.broadcast.models import Answer
from renraku.drills import report, schedule
from renraku.notices.models import Recipient
from renraku.testing import sign_in

from .conftest import window

# Seconds after sending of each person's first answer, in the order of recipients' ids;
# None: never answered. Eleven people: some within 10 minutes, some after an hour.
OFFSETS = [12.5, 45.0, 61.2, 130.0, 300.4, 610.0, 1795.0, 1801.0, 3700.0, None, None]
OTHER = [30.0, 900.0, None]  # a second drill, to the school's three only


def give_answers(alert, offsets):
    """Set each recipient's first answer to `offset` seconds after the alert was sent."""
    recipients = list(Recipient.objects.filter(notice=alert).order_by("pk"))
    assert len(recipients) == len(offsets)
    for r, offset in zip(recipients, offsets, strict=True):
        if offset is not None:
            at = alert.issued_at + dt.timedelta(seconds=offset)
            Recipient.objects.filter(pk=r.pk).update(answered_at=at, answer="safe")
    return recipients


def expected(alert, pairs) -> dict:
    """The figures of one drill (or one department's part of it), the plain way. `pairs`:
    (recipient, offset or None)."""
    n = len(pairs)
    answered = sorted(o for _r, o in pairs if o is not None)
    row = {"id": alert.pk, "recipients": n, "answered": len(answered)}
    for mark in report.MARKS:
        k = math.ceil(mark * n / 100)
        row[f"t{mark}_s"] = round(answered[k - 1], 1) if k <= len(answered) else None
    for minutes in report.MINUTES:
        row[f"answered_{minutes}m"] = round(sum(1 for o in answered if o <= minutes * 60) / n, 4)
    return row


def _send(office, spec):
    _org, people, _extra = office
    start, end = window()
    drill = schedule.schedule_drill(audience=spec, start=start, end=end, by=people.bob)
    return schedule.send_drill(drill.pk)


@pytest.fixture
def history(office):
    """Two drills with answers set by hand, a reminder of the first (a drill's follow-up,
    not a drill of its own) and an ordinary alert (not a drill)."""
    first = _send(office, {"all": True})
    second = _send(office, {"departments": ["GAK"]})
    # Sent later than the first: it must come first in the newest-first report.
    later = timezone.now() + dt.timedelta(minutes=5)
    type(second).objects.filter(pk=second.pk).update(issued_at=later)
    second.refresh_from_db()
    first_people = give_answers(first, OFFSETS)
    second_people = give_answers(second, OTHER)
    actions.remind_unanswered(first)
    actions.send_alert(
        actions.Draft(title="通常", body="本文", audience={"all": True}, channels=["email"])
    )
    return {
        first: list(zip(first_people, OFFSETS, strict=True)),
        second: list(zip(second_people, OTHER, strict=True)),
    }


def _lines(*args) -> list[dict]:
    out = io.StringIO()
    call_command("drill", "report", "--json", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_report_gives_each_drill_its_times_to_25_50_75_90_percent(history):
    first, second = history
    lines = _lines()
    assert [line["id"] for line in lines] == [second.pk, first.pk]  # newest first, no reminder
    for line, alert in zip(lines, [second, first], strict=True):
        want = expected(alert, history[alert])
        assert {k: line[k] for k in want} == want
        assert line["sent_at"] == timezone.localtime(alert.issued_at).isoformat()
    # The first drill reached 25 % and 50 %, not 90 % (two of eleven never answered).
    assert lines[1]["t90_s"] is None and lines[1]["t50_s"] is not None


def test_report_by_department_gives_a_line_per_drill_and_department(history):
    first, second = history
    lines = _lines("--by", "department")
    want = []
    for alert in (second, first):
        by_department = {}
        for r, offset in history[alert]:
            by_department.setdefault(r.department, []).append((r, offset))
        for department in sorted(by_department, key=lambda d: (d.domain.order, d.order, d.code)):
            row = expected(alert, by_department[department])
            want.append(row | {"department": department.code, "name": department.name})
    assert [{k: line[k] for k in w} for line, w in zip(lines, want, strict=True)] == want
    assert len(lines) == len(want) == 1 + 3  # the school's drill, then the first's three


def test_drill_page_shows_the_times_and_the_rates_at_10_30_60_minutes(client, history, people):
    first, _second = history
    want = expected(first, history[first])
    sign_in(client, people.bob)
    page = client.get(reverse("drills:drill", args=[first.pk])).content.decode()
    for mark in report.MARKS:
        assert f'data-testid="t{mark}">{report.clock(want[f"t{mark}_s"])}<' in page
    for minutes in report.MINUTES:
        rate = round(100 * want[f"answered_{minutes}m"])
        assert f'data-testid="rate{minutes}">{rate}%<' in page
    assert "総務部" in page and "区立池尻小学校" in page  # by department and by site


def test_a_changed_answer_keeps_its_first_time_and_the_page_shows_both(client, sent_drill, people):
    alice = Recipient.objects.get(notice=sent_drill, staff=people.alice.staff)
    answer_page = reverse("broadcast:answer", args=[links.token_for(alice.pk)])
    client.post(answer_page, {"value": "safe"})
    alice.refresh_from_db()
    first = alice.answered_at
    assert first is not None

    client.post(answer_page, {"value": "minor"})  # changed: a mis-tap put right
    alice.refresh_from_db()
    latest = Answer.objects.filter(recipient=alice).order_by("at").last()
    assert (alice.answer, alice.answered_at) == ("minor", first)
    assert latest.at > first and Answer.objects.filter(recipient=alice).count() == 2

    sign_in(client, people.bob)
    page = client.get(reverse("drills:drill", args=[sent_drill.pk])).content.decode()
    changed = page.split('data-testid="changed"')[1]
    assert people.alice.staff.full_name in changed
    assert f'data-testid="first">{timezone.localtime(first):%H:%M:%S}' in changed
    assert f'data-testid="latest">{timezone.localtime(latest.at):%H:%M:%S}' in changed
    # The drill counts the first answer.
    assert _lines()[0]["answered"] == 1


def test_drill_page_takes_a_fixed_number_of_queries(
    client, history, people, django_assert_max_num_queries
):
    first, _second = history
    sign_in(client, people.bob)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("drills:drill", args=[first.pk]))
    assert response.status_code == 200


def test_an_alert_that_is_not_a_drill_has_no_drill_page(client, office, people):
    alert = actions.send_alert(
        actions.Draft(title="通常", body="本文", audience={"all": True}, channels=["email"])
    )
    sign_in(client, people.bob)
    assert client.get(reverse("drills:drill", args=[alert.pk])).status_code == 404
