"""Polling a feed served on loopback: conditional GET, each entry fetched once, failures
logged and retried, never a crash."""

import datetime as dt

import pytest

from renraku.broadcast.models import Alert
from renraku.feeds import polling
from renraku.feeds.models import FeedEntry, FeedMessage, FeedState
from renraku.feeds.testing import FeedServer

from .jma import earthquake


@pytest.fixture
def feed():
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def poll(feed, default_rules, django_capture_on_commit_callbacks):
    def _poll():
        with django_capture_on_commit_callbacks(execute=True):
            return polling.poll(feed.feed_url())

    return _poll


def fetched(feed, name):
    return [s for path, s in feed.requests if path == f"/data/{name}"]


def test_a_new_entry_is_fetched_once_and_acted_on(people, feed, poll):
    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    [outcome] = poll()
    assert outcome.action == "alert_sent" and Alert.objects.count() == 1
    assert poll() == []  # not modified: 304, nothing fetched again
    assert [s for p, s in feed.requests if p == "/feed.xml"] == [200, 304]
    assert fetched(feed, "eq.xml") == [200]


def test_only_new_entries_are_fetched_when_the_feed_changes(people, feed, poll):
    feed.publish("first.xml", earthquake("3"), "震源・震度に関する情報")
    poll()
    feed.publish(
        "second.xml", earthquake("5-", event_id="20261129150000"), "震源・震度に関する情報"
    )
    [outcome] = poll()
    assert outcome.file.endswith("second.xml") and outcome.action == "alert_sent"
    assert fetched(feed, "first.xml") == [200]


def test_types_we_do_not_read_are_not_fetched(people, feed, poll):
    feed.publish("volcano.xml", b"<x/>", "火山の状況に関する解説情報")
    assert poll() == [] and fetched(feed, "volcano.xml") == []


def test_entries_already_old_when_first_seen_are_not_acted_on(people, feed, poll):
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    feed.publish("old.xml", earthquake(), "震源・震度に関する情報", updated=yesterday)
    assert poll() == [] and Alert.objects.count() == 0
    assert FeedEntry.objects.get().error == "too old when first seen"


@pytest.mark.parametrize("failure", [500, 503, "garbage", "slow"])
def test_a_failing_feed_is_logged_and_tried_again(people, feed, poll, failure, monkeypatch):
    monkeypatch.setattr(polling, "FEED_DEADLINE", 0.5)  # the stand-in hangs for 3 s
    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    feed.fail_next = [failure]
    assert poll() == []
    assert FeedState.objects.get().error
    [outcome] = poll()
    assert outcome.action == "alert_sent" and FeedState.objects.get().error == ""


def test_a_document_that_cannot_be_fetched_is_retried(people, feed, poll):
    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    data = feed.documents.pop("eq.xml")  # listed before it can be fetched
    assert poll() == []
    feed.documents["eq.xml"] = data
    feed.publish("other.xml", earthquake("1", event_id="20261129160000"), "震源・震度に関する情報")
    outcomes = poll()
    assert {o.file.rsplit("/", 1)[1] for o in outcomes} == {"eq.xml", "other.xml"}
    assert fetched(feed, "eq.xml") == [404, 200]


def test_a_feed_that_does_not_answer_does_not_stop_the_others(people, feed, default_rules):
    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    with_dead = ["http://127.0.0.1:9/feed.xml", feed.feed_url()]
    outcomes = polling.poll_all(with_dead)
    assert [o.action for o in outcomes] == ["alert_sent"]
    assert FeedState.objects.get(url=with_dead[0]).error


def test_a_hostile_document_in_the_feed_is_rejected_and_polling_goes_on(people, feed, poll):
    feed.publish("evil.xml", b'<!DOCTYPE r [<!ENTITY a "a">]><r>&a;</r>', "震度速報")
    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    outcomes = {o.file.rsplit("/", 1)[1]: o.action for o in poll()}
    assert outcomes == {"evil.xml": "rejected", "eq.xml": "alert_sent"}
    assert FeedMessage.objects.filter(action="rejected").count() == 1


def test_the_workers_periodic_task_polls_the_configured_feeds(
    people, feed, default_rules, settings, django_capture_on_commit_callbacks
):
    from renraku.feeds.tasks import poll_feeds

    settings.JMA_FEEDS = [feed.feed_url()]
    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    with django_capture_on_commit_callbacks(execute=True):
        poll_feeds.call_local()
    assert Alert.objects.get().source == "jma:VXSE53"


def test_what_is_fetched_is_what_we_read():
    from renraku.feeds.parsing import parse_feed
    from renraku.feeds.polling import wanted

    from .jma import sample

    entries = parse_feed(sample("feed_eqvol_20260427_real.xml"))
    fetched = {e["title"] for e in entries if wanted(e)}
    # 降灰予報 too: whether ash falls on the ward is in the document, not the title.
    assert fetched == {"震度速報", "震源に関する情報", "震源・震度に関する情報", "降灰予報（定時）"}
    typhoon = {"title": "台風の暴風域に入る確率", "url": "https://x/20261129_0_VPTW61_010000.xml"}
    assert wanted(typhoon)


def test_a_message_that_fails_to_process_is_kept_for_the_next_poll(people, feed, poll, monkeypatch):
    from renraku.feeds import polling as module

    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    real = module.handle

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(module, "handle", broken)
    assert poll() == []
    assert "database went away" in FeedEntry.objects.get().error
    monkeypatch.setattr(module, "handle", real)
    feed.publish("other.xml", earthquake("1", event_id="20261129170000"), "震源・震度に関する情報")
    actions = {o.file.rsplit("/", 1)[1]: o.action for o in poll()}
    assert actions == {"eq.xml": "alert_sent", "other.xml": "none"}


def test_an_entry_another_poller_is_working_on_is_left_to_it_until_that_poller_is_gone(
    people, feed, poll
):
    from django.utils import timezone

    feed.publish("eq.xml", earthquake(), "震源・震度に関する情報")
    url = f"{feed.origin}/data/eq.xml"
    busy = FeedEntry.objects.create(entry_id=url, url=url, attempts=1, at=timezone.now())
    assert poll() == [] and fetched(feed, "eq.xml") == []
    FeedEntry.objects.filter(pk=busy.pk).update(at=timezone.now() - dt.timedelta(minutes=10))
    [outcome] = poll()
    assert outcome.action == "alert_sent" and fetched(feed, "eq.xml") == [200]
