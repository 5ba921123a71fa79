"""When deliveries go: quiet hours (across midnight too), and the sweeper that picks up
what a dead worker, a lost task or a quiet night left."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from renraku.directory.models import Staff
from renraku.notices import pipeline
from renraku.notices.models import Delivery, QuietHours, Urgency
from renraku.notices.tasks import sweep_deliveries

WARD = timezone.get_default_timezone()


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 1, day, hour, minute, tzinfo=WARD)


def _held_until(notice, person):
    return Delivery.objects.get(recipient__notice=notice, recipient__staff=person.staff).not_before


@pytest.mark.parametrize(
    ("sent_at", "alice_gets_it_at"),
    [
        (_at(15, 23, 30), _at(16, 7)),  # late evening: the next morning
        (_at(16, 6, 59), _at(16, 7)),  # after midnight: this morning
        (_at(16, 7), _at(16, 7)),  # the window has ended: at once
        (_at(16, 21, 59), _at(16, 21, 59)),  # not begun yet: at once
    ],
)
def test_quiet_hours_across_midnight_hold_an_everyday_notice_until_they_end(
    people, letter, sent_at, alice_gets_it_at
):
    QuietHours.objects.create(staff=people.alice.staff, start=dt.time(22), end=dt.time(7))
    notice = letter()
    staff = Staff.objects.filter(pk__in=[people.alice.staff.pk, people.bob.staff.pk])
    pipeline.issue(notice, staff, not_before=sent_at)
    assert _held_until(notice, people.alice) == alice_gets_it_at
    assert _held_until(notice, people.bob) == sent_at  # no quiet hours of his own


def _quiet_now(person):
    """Quiet hours around the present moment, whatever the time of day the test runs."""
    now = timezone.localtime(timezone.now(), WARD)
    start, end = (now - dt.timedelta(hours=1)).time(), (now + dt.timedelta(hours=1)).time()
    QuietHours.objects.create(staff=person.staff, start=start, end=end)
    return (now + dt.timedelta(hours=1)).replace(second=0, microsecond=0)


def test_an_urgent_notice_ignores_quiet_hours_and_an_everyday_one_waits(people, letter, smtp):
    ends = _quiet_now(people.alice)
    alice = Staff.objects.filter(pk=people.alice.staff.pk)
    urgent, everyday = letter(urgency=Urgency.HIGH), letter()
    pipeline.issue(urgent, alice)
    pipeline.issue(everyday, alice)
    assert _held_until(urgent, people.alice) is None
    assert _held_until(everyday, people.alice) == ends
    sweep_deliveries.call_local()
    assert len(smtp.to("alice@city.example")) == 1  # the urgent one only, for now


def test_the_sweeper_resends_what_a_dead_worker_held_and_leaves_a_live_one_alone(
    people, letter, smtp
):
    notice = letter(urgency=Urgency.HIGH)  # never dispatched (no commit): the sweeper sends
    pipeline.issue(
        notice, Staff.objects.filter(pk__in=[people.alice.staff.pk, people.bob.staff.pk])
    )
    stale = timezone.now() - dt.timedelta(seconds=settings.DELIVERY_STALE_CLAIM_SECONDS + 1)
    deliveries = Delivery.objects.filter(recipient__notice=notice)
    dead = deliveries.filter(recipient__staff=people.alice.staff)
    dead.update(status=Delivery.Status.SENDING, claim="dead", claimed_at=stale)
    alive = deliveries.filter(recipient__staff=people.bob.staff)
    alive.update(status=Delivery.Status.SENDING, claim="alive", claimed_at=timezone.now())
    sweep_deliveries.call_local()
    sweep_deliveries.call_local()  # a second sweep (another host) sends nothing again
    assert len(smtp.to("alice@city.example")) == 1
    assert smtp.to("bob@city.example") == []  # still being sent by its living worker
    assert dead.get().status == Delivery.Status.SENT


def test_the_sweeper_sends_a_retry_or_a_hold_only_once_it_is_due(people, letter):
    notice = letter()
    pipeline.issue(notice, Staff.objects.filter(pk=people.alice.staff.pk))
    delivery = Delivery.objects.get(recipient__notice=notice)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, not_before=timezone.now() + dt.timedelta(minutes=5)
    )
    assert pipeline.stale_work() == {}
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())
    assert pipeline.stale_work() == {"email": [delivery.pk]}


def test_an_everyday_notice_undelivered_for_two_days_is_given_up_and_an_alert_is_not(
    people, letter
):
    everyday, urgent = letter(), letter(urgency=Urgency.HIGH)
    alice = Staff.objects.filter(pk=people.alice.staff.pk)
    for notice in (everyday, urgent):
        pipeline.issue(notice, alice)
        Delivery.objects.filter(recipient__notice=notice).update(
            status=Delivery.Status.FAILED, not_before=None
        )
    two_days_ago = timezone.now() - pipeline.EVERYDAY_NOTICE_LIFETIME - dt.timedelta(minutes=1)
    type(everyday).objects.filter(pk__in=[everyday.pk, urgent.pk]).update(issued_at=two_days_ago)
    due = pipeline.stale_work()
    everyday.refresh_from_db()
    urgent.refresh_from_db()
    assert everyday.finished_at is not None and urgent.finished_at is None
    assert Delivery.objects.get(recipient__notice=everyday).error == "too late to send"
    assert due == {
        "email": list(
            Delivery.objects.filter(recipient__notice=urgent).values_list("pk", flat=True)
        )
    }
