import pytest
from django.utils import timezone, translation

from renraku.feeds.models import FeedState
from renraku.monitoring import actions, checks
from renraku.monitoring.models import Beat
from renraku.notices.models import Delivery

from .conftest import ago, queued_alert, worker_ran


def one(results):
    (result,) = results
    return result


# --- the task worker ---------------------------------------------------------------------


def test_worker_that_never_ran_fails(db):
    assert one(checks.check_worker(timezone.now()))["ok"] is False


def test_worker_that_ran_a_minute_ago_passes(db):
    worker_ran(ago(minutes=1))
    assert one(checks.check_worker(timezone.now()))["ok"] is True


def test_worker_silent_for_three_minutes_fails(db):
    worker_ran(ago(minutes=3))
    result = one(checks.check_worker(timezone.now()))
    assert result["ok"] is False and "18" in result["detail"]  # 180 s


def test_heartbeat_task_updates_one_row_in_place(db, no_feeds):
    from renraku.monitoring.tasks import heartbeat

    heartbeat.call_local()
    first = Beat.objects.get(name="worker").at
    heartbeat.call_local()
    assert Beat.objects.filter(name="worker").count() == 1
    assert Beat.objects.get(name="worker").at >= first
    assert checks.run_checks(checks.ALL)["ok"] is True


# --- feeds -------------------------------------------------------------------------------


def test_no_feeds_configured_passes_and_says_so(db, no_feeds):
    result = one(checks.check_feeds(timezone.now()))
    assert result["ok"] is True and result["name"] == "feeds"
    assert "RENRAKU_JMA_FEEDS" in result["detail"]


def test_feed_read_a_minute_ago_passes(db, one_feed):
    FeedState.objects.create(url=one_feed, polled_at=ago(minutes=1))
    result = one(checks.check_feeds(timezone.now()))
    assert result == {"name": f"feed:{one_feed}", "ok": True, "detail": result["detail"]}


def test_feed_never_polled_fails(db, one_feed):
    assert one(checks.check_feeds(timezone.now()))["ok"] is False


def test_feed_silent_for_six_minutes_fails(db, one_feed):
    FeedState.objects.create(url=one_feed, polled_at=ago(minutes=6))
    assert one(checks.check_feeds(timezone.now()))["ok"] is False


def test_feed_failing_for_six_minutes_fails_with_the_error(db, one_feed):
    FeedState.objects.create(url=one_feed, polled_at=ago(minutes=6))
    actions.remember_feed_successes()  # the last success, before the errors began
    FeedState.objects.filter(url=one_feed).update(polled_at=ago(seconds=5), error="HTTP 503")
    result = one(checks.check_feeds(timezone.now()))
    assert result["ok"] is False and "HTTP 503" in result["detail"]


def test_one_failed_poll_after_a_recent_success_still_passes(db, one_feed):
    # A poll that fails once (JMA busy after a quake) is not silence: the feed was read a
    # minute ago and the next poll will try again.
    FeedState.objects.create(url=one_feed, polled_at=ago(minutes=1))
    actions.remember_feed_successes()
    FeedState.objects.filter(url=one_feed).update(polled_at=timezone.now(), error="timed out")
    assert one(checks.check_feeds(timezone.now()))["ok"] is True


# --- the delivery queue ------------------------------------------------------------------


def test_empty_queue_passes(db):
    assert one(checks.check_queue(timezone.now()))["ok"] is True


def test_deliveries_queued_just_now_pass(people):
    queued_alert(people)
    result = one(checks.check_queue(timezone.now()))
    assert result["ok"] is True and "3" in result["detail"]


def test_deliveries_queued_for_three_minutes_fail(people):
    queued_alert(people, minutes_old=3)
    assert one(checks.check_queue(timezone.now()))["ok"] is False
    assert checks.queue_summary(timezone.now())["oldest_seconds"] >= 180


def test_deliveries_of_a_closed_alert_are_not_waiting(people):
    from renraku.broadcast.actions import close_alert

    alert = queued_alert(people, minutes_old=3)
    close_alert(alert)
    assert one(checks.check_queue(timezone.now()))["ok"] is True


def test_retry_not_yet_due_is_not_waiting_and_an_overdue_one_is(people):
    alert = queued_alert(people, minutes_old=10)
    deliveries = Delivery.objects.filter(recipient__notice=alert)
    deliveries.update(status="failed", not_before=ago(minutes=-1))
    assert one(checks.check_queue(timezone.now()))["ok"] is True
    deliveries.update(not_before=ago(minutes=3))
    assert one(checks.check_queue(timezone.now()))["ok"] is False


def test_delivery_being_sent_passes_until_its_claim_is_stale(people, settings):
    settings.DELIVERY_STALE_CLAIM_SECONDS = 120
    alert = queued_alert(people, minutes_old=10)
    deliveries = Delivery.objects.filter(recipient__notice=alert)
    deliveries.update(status="sending", claimed_at=ago(seconds=30))
    assert one(checks.check_queue(timezone.now()))["ok"] is True
    deliveries.update(claimed_at=ago(minutes=5))
    assert one(checks.check_queue(timezone.now()))["ok"] is False


def test_fallback_queued_after_a_recent_failure_is_not_old(people):
    # A delivery moved to e-mail a moment ago, for an alert sent ten minutes ago: it has
    # waited seconds, not ten minutes.
    alert = queued_alert(people, minutes_old=10, to=("alice",))
    first = Delivery.objects.get(recipient__notice=alert)
    Delivery.objects.filter(pk=first.pk).update(
        channel="push", status="permanent", claimed_at=ago(seconds=10)
    )
    Delivery.objects.create(recipient_id=first.recipient_id, channel="email")
    assert one(checks.check_queue(timezone.now()))["ok"] is True


# --- the database, and all together ------------------------------------------------------


def test_database_answers(db):
    result = one(checks.check_database(timezone.now()))
    assert (result["name"], result["ok"]) == ("database", True)


def test_all_checks_pass_on_a_quiet_healthy_ward(db, no_feeds):
    worker_ran()
    with translation.override("en"):
        result = checks.run_checks()
    assert result["ok"] is True
    assert [c["name"] for c in result["checks"]] == ["worker", "feeds", "queue", "database"]


@pytest.mark.parametrize("broken", ["worker", "feed", "queue"])
def test_any_failing_check_makes_the_whole_not_ok(people, one_feed, broken):
    worker_ran(ago(minutes=5) if broken == "worker" else None)
    FeedState.objects.create(url=one_feed, polled_at=ago(minutes=10 if broken == "feed" else 0))
    if broken == "queue":
        queued_alert(people, minutes_old=5)
    result = checks.run_checks()
    assert result["ok"] is False
    assert [c["name"].split(":")[0] for c in result["checks"] if not c["ok"]] == [broken]
