"""The drills' pages: who may open them (staff, department administrators and auditors get
403; the signed-out go to sign in), scheduling and cancelling from the page with refusals
shown, and the hidden moment, which no page shows before it has come."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.drills import schedule, tasks
from renraku.drills.models import ScheduledDrill
from renraku.testing import sign_in

from .conftest import window


@pytest.fixture
def things(office, sent_drill, django_capture_on_commit_callbacks):
    from renraku.drills import reception

    start, end = window()
    waiting = schedule.schedule_drill(audience={"all": True}, start=start, end=end)
    test = reception.send_test({"all": True})
    return {"drill": sent_drill, "waiting": waiting, "test": test}


def _pages(t):
    return {
        "index": reverse("drills:index"),
        "schedule": reverse("drills:schedule"),
        "trend": reverse("drills:trend"),
        "drill": reverse("drills:drill", args=[t["drill"].pk]),
        "reception": reverse("drills:reception"),
        "reception report": reverse("drills:reception_report", args=[t["test"].pk]),
        "reception CSV": reverse("drills:reception_csv", args=[t["test"].pk]),
    }


# Who may open each page (the rest get 403): senders and administrators see drills and
# reception tests; only senders schedule.
ALLOWED = {
    "index": {"bob", "dave"},
    "schedule": {"bob"},
    "trend": {"bob", "dave"},
    "drill": {"bob", "dave"},
    "reception": {"bob", "dave"},
    "reception report": {"bob", "dave"},
    "reception CSV": {"bob", "dave"},
}


@pytest.mark.parametrize("name", list(ALLOWED))
@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave", "erin"])
def test_who_may_open_each_page(client, things, people, name, who):
    sign_in(client, getattr(people, who))
    response = client.get(_pages(things)[name])
    assert response.status_code == (200 if who in ALLOWED[name] else 403)


@pytest.mark.parametrize("name", list(ALLOWED))
def test_the_signed_out_are_sent_to_sign_in(client, things, name):
    response = client.get(_pages(things)[name])
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_cancel_is_for_the_scheduler_and_administrators_only(client, things, people):
    waiting = things["waiting"]
    url = reverse("drills:cancel", args=[waiting.pk])
    for who in ("alice", "carol", "erin"):
        sign_in(client, getattr(people, who))
        assert client.post(url).status_code == 403
    sign_in(client, people.dave)
    assert client.post(url).status_code == 302
    waiting.refresh_from_db()
    assert waiting.cancelled_by == people.dave and waiting.state == "cancelled"


def test_a_drill_page_for_a_drill_outside_a_scoped_senders_reach_is_403(
    client, things, people, office
):
    org, _people, _extra = office
    people.bob.scope_all = False
    people.bob.save(update_fields=["scope_all"])
    people.bob.scope_departments.add(org.kik)
    other = schedule.send_drill(
        schedule.schedule_drill(audience={"all": True}, start=window()[0], end=window()[1]).pk
    )
    sign_in(client, people.bob)
    assert client.get(reverse("drills:drill", args=[other.pk])).status_code == 403


def _local(when, form):
    return timezone.localtime(when).strftime(form)


def test_scheduling_on_the_page_never_shows_the_moment(client, office, people):
    sign_in(client, people.bob)
    start, end = window(hours_from_now=2, length_hours=48)
    response = client.post(
        reverse("drills:schedule"),
        {
            "departments": ["SOM", "GAK"],
            "start": _local(start, "%Y-%m-%dT%H:%M"),
            "end": _local(end, "%Y-%m-%dT%H:%M"),
            "title": "早朝訓練",
        },
    )
    assert response.status_code == 302
    drill = ScheduledDrill.objects.get()
    moment = drill.send_at
    shown = {_local(t, "%Y-%m-%d %H:%M") for t in (drill.window_start, drill.window_end)}
    secret = {
        _local(moment, "%H:%M:%S"),
        timezone.localtime(moment).isoformat(),
        moment.isoformat(),
        *({_local(moment, "%Y-%m-%d %H:%M"), _local(moment, "%-m/%-d %H:%M")} - shown),
    }
    pages = [
        client.get(reverse("drills:index")),
        client.get(reverse("drills:schedule")),
        client.get(reverse("drills:trend")),
        client.get(reverse("broadcast:list")),
    ]
    sign_in(client, people.erin)  # the auditor: the scheduling is logged, the moment not
    pages.append(client.get(reverse("audit:log"), {"action": "drills"}))
    text = "".join(p.content.decode() for p in pages)
    assert "早朝訓練" in text and "drills.scheduled" in text
    assert [s for s in secret if s in text] == []

    tasks.send_due(now=moment)  # once it has gone out, the drill's time is shown
    sign_in(client, people.bob)
    drill.refresh_from_db()
    page = client.get(reverse("drills:index")).content.decode()
    assert _local(drill.alert.issued_at, "%Y-%m-%d %H:%M") in page


@pytest.mark.parametrize(
    "start_hours, end_hours",
    [(-5, 1), (3, 2), (1, 1 + 24 * 8)],  # in the past, ends before it starts, 8 days long
)
def test_a_bad_window_on_the_page_is_refused_with_a_message(
    client, office, people, start_hours, end_hours
):
    sign_in(client, people.bob)
    now = timezone.now()
    response = client.post(
        reverse("drills:schedule"),
        {
            "everyone": "on",
            "start": _local(now + dt.timedelta(hours=start_hours), "%Y-%m-%dT%H:%M"),
            "end": _local(now + dt.timedelta(hours=end_hours), "%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert "期間" in response.content.decode()
    assert not ScheduledDrill.objects.exists()


def test_the_list_and_the_trend_take_a_fixed_number_of_queries(
    client, things, people, django_assert_max_num_queries
):
    sign_in(client, people.bob)
    for name in ("drills:index", "drills:trend"):
        with django_assert_max_num_queries(20):
            assert client.get(reverse(name)).status_code == 200
