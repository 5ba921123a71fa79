"""Nudges through the pipeline, against the push-service and SMTP stand-ins: a check push
to a device silent for 30 days, a reminder with the steps for the person's phone to those
whose device no longer confirms, a warning when a device never shows what was accepted for
it; each at most once a month, and held for working hours."""

import datetime as dt

import pytest
from django.utils import timezone

from renraku.directory.models import PushSubscription
from renraku.notices import pipeline
from renraku.notices.models import Delivery, Letter, Urgency
from renraku.readiness import nudges
from renraku.testing import subscribe_push

from .conftest import ANDROID, IPHONE, device

TOKYO = dt.timezone(dt.timedelta(hours=9))


def next_weekday_at(hour: int, *, saturday=False) -> dt.datetime:
    """A moment in the coming days, at `hour` Tokyo time: a weekday, or a Saturday."""
    day = timezone.now().astimezone(TOKYO).date() + dt.timedelta(days=1)
    while (day.weekday() == 5) != saturday or (not saturday and day.weekday() > 4):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks, tasks_run_at_once):
    def _send(now):
        with django_capture_on_commit_callbacks(execute=True):
            return nudges.send_due(now)

    return _send


def aged(info, staff, *, shown_days_ago, age_days=90, agent=IPHONE, now):
    sub = PushSubscription.objects.get(endpoint=info["endpoint"])
    shown = None if shown_days_ago is None else now - dt.timedelta(days=shown_days_ago)
    PushSubscription.objects.filter(pk=sub.pk).update(
        last_shown_at=shown, created_at=now - dt.timedelta(days=age_days), user_agent=agent
    )
    return sub


def test_a_device_silent_for_30_days_gets_one_visible_check_a_month(
    people, push_service, smtp, deliver
):
    now = next_weekday_at(10)
    info = subscribe_push(people.alice.staff, push_service)
    aged(info, people.alice.staff, shown_days_ago=40, now=now)
    proven = subscribe_push(people.carol.staff, push_service)
    aged(proven, people.carol.staff, shown_days_ago=2, now=now)

    assert deliver(now)["checks"] == 1
    [check] = push_service.messages(info)
    assert check["title"] == "renraku：この端末の受信確認"
    assert "操作は不要です" in check["body"]
    assert push_service.messages(proven) == []  # a device that shows notices is left alone
    assert PushSubscription.objects.get(endpoint=info["endpoint"]).checked_at == now
    assert smtp.messages == []  # no reminder yet: the check may still be shown

    assert check["urgency"] == "normal"  # visible, but wakes no phone in power saving

    def pushed():
        return Delivery.objects.filter(
            channel="push", status=Delivery.Status.SENT, recipient__staff=people.alice.staff
        ).count()

    assert deliver(now + dt.timedelta(days=7))["checks"] == 0  # at most once a month
    assert pushed() == 1
    # A month on: Alice's device again, and Carol's, silent by then for 33 days.
    assert deliver(now + dt.timedelta(days=31))["checks"] == 2
    assert pushed() == 2


def test_whose_device_no_longer_confirms_is_reminded_once_with_the_steps_for_their_phone(
    people, smtp, deliver
):
    now = next_weekday_at(11)
    # Alice's iPhone was checked five days ago and showed nothing; the push service
    # dropped Carol's Android; Bob's device was checked only yesterday.
    device(people.alice.staff, shown_days_ago=60, checked_at=now - dt.timedelta(days=5))
    device(people.carol.staff, shown_days_ago=80, agent=ANDROID, retired_at=now)
    device(people.bob.staff, shown_days_ago=60, checked_at=now - dt.timedelta(days=1))

    assert deliver(now)["reminders"] == 2
    [alice] = smtp.to("alice@city.example")
    assert alice["Subject"].strip() == "端末で緊急連絡が確認できなくなっています"
    assert "ホーム画面に追加" in alice.get_content()
    assert "Android" not in alice.get_content()
    [carol] = smtp.to("carol@city.example")
    assert "通知を許可" in carol.get_content() and "ホーム画面に追加" not in carol.get_content()
    assert smtp.to("bob@city.example") == []

    deliver(now + dt.timedelta(days=3))
    assert len(smtp.to("alice@city.example")) == 1  # at most once a month


def test_a_device_that_never_shows_what_the_push_service_accepted_is_found(
    people, push_service, smtp, deliver, django_capture_on_commit_callbacks
):
    now = next_weekday_at(10)
    info = subscribe_push(people.alice.staff, push_service)
    aged(info, people.alice.staff, shown_days_ago=None, age_days=5, agent=ANDROID, now=now)
    letter = Letter(
        owner="letter",
        urgency=Urgency.NORMAL,
        channel_order=["push"],
        title="お知らせ",
        body="b",
        link="http://x/",
        tag="t",
    )
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.issue(letter, type(people.alice.staff).objects.filter(pk=people.alice.staff.pk))
    assert len(push_service.messages(info)) == 1  # accepted by the push service

    assert deliver(now)["never_shown"] == 1
    [told] = smtp.to("alice@city.example")
    assert told["Subject"].strip() == "端末に通知が表示されていません"
    assert "通知を許可" in told.get_content()

    deliver(now + dt.timedelta(days=1))
    assert len(smtp.to("alice@city.example")) == 1


def test_nudges_asked_for_outside_working_hours_wait_for_them(people, smtp, deliver):
    saturday = next_weekday_at(10, saturday=True)
    device(people.alice.staff, shown_days_ago=60, retired_at=saturday)
    assert deliver(saturday)["reminders"] == 1
    assert smtp.messages == []
    [held] = Delivery.objects.filter(recipient__staff=people.alice.staff)
    monday = held.not_before.astimezone(TOKYO)
    assert (monday.weekday(), monday.date() > saturday.date()) == (0, True)
