"""Delivery survives what goes wrong: a task run twice, a dead worker, a mail server down,
a mailbox that does not exist."""

import datetime as dt

from django.utils import timezone

from renraku.broadcast import queries
from renraku.broadcast.actions import Draft
from renraku.directory.models import Staff
from renraku.notices.models import Delivery
from renraku.notices.tasks import send_deliveries, sweep_deliveries


def draft(**kw):
    return Draft(
        **(
            {
                "title": "連絡",
                "body": "本文",
                "audience": {"all": True},
                "channels": ["email"],
                "reply_form": "acknowledge",
            }
            | kw
        )
    )


def test_a_batch_sent_twice_sends_each_email_once(people, send, smtp):
    alert = send(draft(), sender=people.bob)
    ids = list(Delivery.objects.filter(recipient__notice=alert).values_list("pk", flat=True))
    send_deliveries("email", ids)  # the queue delivered the same task again
    assert len(smtp.messages) == 5


def test_work_a_dead_worker_left_is_picked_up_once(people, send, smtp):
    smtp.stop()
    alert = send(draft(), sender=people.bob)
    # A worker claimed the batch and died before recording anything.
    from django.conf import settings

    stale = timezone.now() - dt.timedelta(seconds=settings.DELIVERY_STALE_CLAIM_SECONDS + 1)
    Delivery.objects.filter(recipient__notice=alert).update(
        status="sending", claim="dead", claimed_at=stale, not_before=None
    )
    smtp.__init__()
    smtp.start()
    with_settings_port(smtp)
    sweep_deliveries.call_local()
    sweep_deliveries.call_local()
    assert len(smtp.messages) == 5
    assert set(
        Delivery.objects.filter(recipient__notice=alert).values_list("status", flat=True)
    ) == {"sent"}


def with_settings_port(smtp):
    from django.conf import settings

    settings.EMAIL_PORT = smtp.port


def test_a_mail_server_that_is_down_is_retried_later(people, send, smtp):
    smtp.stop()
    alert = send(draft(), sender=people.bob)
    failed = Delivery.objects.filter(recipient__notice=alert, status="failed")
    assert failed.count() == 5
    assert all(d.not_before > timezone.now() for d in failed)
    smtp.__init__()
    smtp.start()
    with_settings_port(smtp)
    sweep_deliveries.call_local()  # not due yet: nothing is sent early
    assert smtp.messages == []
    failed.update(not_before=timezone.now())
    sweep_deliveries.call_local()
    assert len(smtp.messages) == 5


def test_an_unknown_mailbox_fails_for_good_and_is_not_retried(people, send, smtp):
    smtp.refuse.add("alice@city.example")
    alert = send(draft(), sender=people.bob)
    alice = Delivery.objects.get(recipient__notice=alert, recipient__staff=people.alice.staff)
    assert alice.status == "permanent" and "550" in alice.error
    sweep_deliveries.call_local()
    assert len(smtp.messages) == 4
    # The dashboard counts her among those to phone.
    status = queries.status(alert)
    assert (status["sent"], status["failed"], status["pending"]) == (4, 1, 0)


def test_an_address_no_message_can_carry_fails_alone(people, send, smtp):
    # Stored around the forms' checks (e.g. by an old import): a header injection attempt.
    Staff.objects.filter(pk=people.bob.staff.pk).update(
        work_email="bob@city.example\nBcc: everyone@example.com"
    )
    alert = send(draft(), sender=people.bob)
    assert len(smtp.messages) == 4  # everyone else in the batch
    bobs = Delivery.objects.get(recipient__notice=alert, recipient__staff=people.bob.staff)
    assert bobs.status == "permanent"
    assert smtp.to("everyone@example.com") == []


def test_the_dashboard_counts_people_being_retried_as_pending_until_closed(people, send, smtp):
    from renraku.broadcast.actions import close_alert

    smtp.stop()
    alert = send(draft(), sender=people.bob)
    assert queries.status(alert)["pending"] == 5
    close_alert(alert)
    status = queries.status(alert)
    assert (status["pending"], status["failed"], status["sent"]) == (0, 5, 0)


def test_nothing_is_sent_for_a_closed_alert(people, send, smtp):
    from renraku.broadcast.actions import close_alert

    smtp.stop()
    alert = send(draft(), sender=people.bob)
    close_alert(alert)
    smtp.__init__()
    smtp.start()
    with_settings_port(smtp)
    Delivery.objects.filter(recipient__notice=alert).update(not_before=None)
    sweep_deliveries.call_local()
    assert smtp.messages == []


def test_the_sweeper_sends_each_alert_in_a_mixed_batch_with_its_own_text(people, send, smtp):
    smtp.stop()
    first = send(draft(title="第一報"), sender=people.bob)
    second = send(draft(title="第二報"), sender=people.bob)
    smtp.__init__()
    smtp.start()
    with_settings_port(smtp)
    Delivery.objects.filter(recipient__notice__in=[first, second]).update(not_before=None)
    sweep_deliveries.call_local()  # one e-mail batch holding both alerts' deliveries
    subjects = sorted(m["Subject"] for m in smtp.to("alice@city.example"))
    assert len(subjects) == 2 and "第一報" in subjects[0] and "第二報" in subjects[1]
