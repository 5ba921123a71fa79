"""The dead man's switch: the administrators are told once when a problem starts, again if
it lasts an hour, and once when it recovers, by e-mail sent straight away and by push."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from renraku.audit.models import AuditEntry
from renraku.broadcast.models import Alert
from renraku.feeds.models import FeedState
from renraku.monitoring import actions
from renraku.monitoring.models import Problem
from renraku.monitoring.tasks import dead_mans_switch

from .conftest import ago, queued_alert, worker_ran


@pytest.fixture
def silent_feed(people, one_feed):
    FeedState.objects.create(url=one_feed, polled_at=ago(minutes=10))
    return one_feed


def recipients(smtp):
    return [rcpts for rcpts, _message in smtp.messages]


def test_silent_feed_is_told_to_the_administrators_once(silent_feed, smtp):
    dead_mans_switch.call_local()
    assert recipients(smtp) == [["dave@city.example"]]  # Dave is the only administrator
    (_rcpts, message) = smtp.messages[0]
    assert silent_feed in message.get_content()
    dead_mans_switch.call_local()
    dead_mans_switch.call_local()
    assert len(smtp.messages) == 1


def test_notice_is_also_a_push_alert_to_the_administrators(silent_feed, smtp, people):
    dead_mans_switch.call_local()
    alert = Alert.objects.get(source="monitoring")
    assert alert.audience == {"staff": [people.dave.username]}
    assert alert.channel_order == ["push"] and alert.reply_form == "none"
    assert alert.severity == "warning"
    assert list(alert.recipients.values_list("staff_id", flat=True)) == [people.dave.staff_id]


def test_problem_lasting_an_hour_is_told_again(silent_feed, smtp):
    dead_mans_switch.call_local()
    Problem.objects.update(told_at=ago(minutes=59))
    dead_mans_switch.call_local()
    assert len(smtp.messages) == 1
    Problem.objects.update(told_at=ago(minutes=61))
    dead_mans_switch.call_local()
    assert len(smtp.messages) == 2
    dead_mans_switch.call_local()
    assert len(smtp.messages) == 2


def test_recovery_is_told_once(silent_feed, smtp):
    dead_mans_switch.call_local()
    FeedState.objects.filter(url=silent_feed).update(polled_at=timezone.now())
    dead_mans_switch.call_local()
    assert len(smtp.messages) == 2
    assert silent_feed in smtp.messages[1][1].get_content()
    assert not Problem.objects.exists()
    dead_mans_switch.call_local()
    assert len(smtp.messages) == 2


def test_every_telling_is_audited(silent_feed, smtp):
    dead_mans_switch.call_local()
    FeedState.objects.filter(url=silent_feed).update(polled_at=timezone.now())
    dead_mans_switch.call_local()
    entries = AuditEntry.objects.filter(action="monitoring.told").order_by("seq")
    assert [(e.detail["started"], e.detail["recovered"]) for e in entries] == [
        ([f"feed:{silent_feed}"], []),
        ([], [f"feed:{silent_feed}"]),
    ]


def test_stuck_queue_is_told(people, no_feeds, smtp):
    queued_alert(people, minutes_old=5)
    dead_mans_switch.call_local()
    assert recipients(smtp) == [["dave@city.example"]]
    assert list(Problem.objects.values_list("check_name", flat=True)) == ["queue"]


def test_healthy_ward_tells_nobody(people, no_feeds, smtp):
    dead_mans_switch.call_local()
    assert smtp.messages == [] and not Problem.objects.exists()


def test_dead_worker_is_told_by_health_notify_from_cron(people, no_feeds, smtp):
    worker_ran(ago(minutes=10))  # the worker, and with it the switch's own task, died
    with pytest.raises(SystemExit) as exit_:
        call_command("health", "--notify", stdout=StringIO())
    assert exit_.value.code == 1
    assert recipients(smtp) == [["dave@city.example"]]
    with pytest.raises(SystemExit):
        call_command("health", "--notify", stdout=StringIO())
    assert len(smtp.messages) == 1
    # The worker comes back: its first run of the switch tells the recovery.
    dead_mans_switch.call_local()
    assert len(smtp.messages) == 2
    call_command("health", "--notify", stdout=StringIO())  # healthy: exits 0, says nothing
    assert len(smtp.messages) == 2


def test_two_notifiers_with_the_same_view_tell_once(silent_feed, smtp):
    # The worker's switch and an operator's cron job, a moment apart: the second finds the
    # problem already open and told.
    results = {"ok": False, "checks": [{"name": "worker", "ok": False, "detail": "x"}]}
    now = timezone.now()
    assert actions.tell_administrators(results, now)["started"] == ["worker"]
    assert actions.tell_administrators(results, now + dt.timedelta(seconds=1))["started"] == []
    assert len(smtp.messages) == 1


def test_inactive_administrators_are_not_told(silent_feed, smtp, people):
    people.dave.is_active = False
    people.dave.save(update_fields=["is_active"])
    dead_mans_switch.call_local()
    assert smtp.messages == []
    assert Problem.objects.exists()  # still remembered, and audited
