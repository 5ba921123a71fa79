"""A booking's calendar invitation, now sent by the task worker once the booking has
committed (not planned with the slot locked): the person is told, once, and an invitation
whose task was lost is sent by the sweep. And what a booking through the page costs.

Alice books a lunch chat that Dave hosts."""

import datetime as dt

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from renraku.dialogues import actions, notify, tasks
from renraku.dialogues.models import Booking, Purpose
from renraku.notices.models import Recipient
from renraku.testing import sign_in


def _invited(slot, staff) -> int:
    return Recipient.objects.filter(
        notice__slotnotice__slot=slot, notice__slotnotice__purpose=Purpose.INVITED, staff=staff
    ).count()


def _calendar_invitations(smtp, address) -> list[str]:
    found = []
    for message in smtp.to(address):
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                found.append(part.get_content())
    return found


def test_booking_through_the_page_sends_the_invitation_once_it_commits(
    client, people, lunch, smtp, django_capture_on_commit_callbacks, django_assert_num_queries
):
    slot = lunch(seats=3)
    sign_in(client, people.alice)
    url = reverse("dialogues:book", args=[slot.pk])
    # The session, the user, the slot, her staff record; then with the slot locked: the
    # slot's changing fields, her seats here and with this host (one query), the seats
    # taken, the booking, her seat, the audit entry (the last one's hash, the new one): 11,
    # and 6 savepoints (her seat's, the audit entry's and, in a test, the booking's own);
    # on PostgreSQL the audit log's lock too.
    expected = 17 + (connection.vendor == "postgresql")
    with (
        django_capture_on_commit_callbacks(execute=False) as after_commit,
        django_assert_num_queries(expected),
    ):
        response = client.post(url, {"topic": "窓口の混雑について", "members": ""})
    assert response.status_code == 302
    booking = Booking.objects.get(slot=slot)
    assert booking.status == "confirmed"
    # Nothing is planned while the slot is locked; the task does it after the commit.
    assert _invited(slot, people.alice.staff) == 0
    with django_capture_on_commit_callbacks(execute=True):  # the commit: the task runs
        for callback in after_commit:
            callback()
    assert _invited(slot, people.alice.staff) == 1
    [ics] = _calendar_invitations(smtp, "alice@city.example")
    assert "METHOD:REQUEST" in ics
    # Run again (a task retried, the sweep a minute later): nobody is invited twice.
    later = timezone.now() + dt.timedelta(minutes=5)
    assert notify.invite_booked(booking.pk) == 0
    assert notify.invite_missed(now=later) == 0
    assert _invited(slot, people.alice.staff) == 1


def test_an_invitation_whose_task_was_lost_is_sent_by_the_sweep(
    people, lunch, smtp, django_capture_on_commit_callbacks
):
    slot = lunch(seats=3)
    with django_capture_on_commit_callbacks(execute=False):  # the queue was down
        actions.book(slot, people.alice.staff, members=[people.bob.staff])
    cancelled = lunch(seats=3, days=9)
    with django_capture_on_commit_callbacks(execute=False):
        gone = actions.book(cancelled, people.carol.staff)
    actions.cancel_booking(gone)
    assert _invited(slot, people.alice.staff) == 0
    # Within its first minute the task may still come: the sweep leaves it.
    assert notify.invite_missed() == 0
    later = timezone.now() + dt.timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.invite_missed(now=later) == 2  # Alice and Bob; not the cancelled one
    assert _invited(slot, people.alice.staff) == _invited(slot, people.bob.staff) == 1
    assert _invited(cancelled, people.carol.staff) == 0
    assert any("METHOD:REQUEST" in ics for ics in _calendar_invitations(smtp, "bob@city.example"))
    # The periodic task is the same sweep: nothing left to send.
    tasks.invite_missed.call_local()
    assert _invited(slot, people.bob.staff) == 1
