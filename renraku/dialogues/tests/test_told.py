"""Who is told, and what deferred work still does once things have changed:

- a colleague named in a group booking is told, and can withdraw alone from its page
  (the others keep their booking; the seat goes to the waiting list in order);
- the reminder and the draw, run later by tasks, check again that the slot's host can
  still hold it; if not, nothing is sent to those booked and the host and the
  administrators are told why.

Dave is an administrator; Carol hosts where a test needs a host who then leaves."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from renraku.audit.models import AuditEntry
from renraku.dialogues import actions, tasks
from renraku.dialogues.models import Booking, Host, Kind, Participant, Slot
from renraku.testing import sign_in


def _show(capsys, slot) -> dict:
    call_command("dialogue", "slot", "show", str(slot.pk), "--json")
    return json.loads(capsys.readouterr().out)


def _mail_to(smtp, address) -> list[str]:
    return [m.get_content() if not m.is_multipart() else m.as_string() for m in smtp.to(address)]


def test_a_colleague_named_in_a_group_is_told(
    people, lunch, smtp, django_capture_on_commit_callbacks
):
    slot = lunch(seats=1)
    actions.book(slot, people.erin.staff)  # the one seat
    with django_capture_on_commit_callbacks(execute=True):
        group = actions.book(slot, people.alice.staff, members=[people.bob.staff])
    assert group.status == "waitlisted"  # so no invitation: only being named tells Bob
    url = reverse("dialogues:slot", args=[slot.pk])
    assert any(url in text for text in _mail_to(smtp, "bob@city.example"))
    assert not any(url in text for text in _mail_to(smtp, "alice@city.example"))


def test_a_named_colleague_withdraws_alone_and_the_seat_goes_to_the_next(
    client, people, lunch, capsys
):
    slot = lunch(seats=3)
    group = actions.book(slot, people.alice.staff, members=[people.bob.staff, people.carol.staff])
    waiting = actions.book(slot, people.erin.staff)
    assert waiting.status == "waitlisted"
    sign_in(client, people.bob)
    page = client.get(reverse("dialogues:slot", args=[slot.pk])).text
    assert 'data-testid="withdraw"' in page
    assert reverse("dialogues:cancel", args=[group.pk]) not in page  # not the whole group's
    # Cancelling the whole group is its booker's: refused, nothing changed.
    assert client.post(reverse("dialogues:cancel", args=[group.pk])).status_code == 403
    assert Booking.objects.get(pk=group.pk).status == "confirmed"

    response = client.post(reverse("dialogues:withdraw", args=[group.pk]))
    assert response.status_code == 302
    shown = _show(capsys, slot)
    assert shown["confirmed"] == [
        people.alice.username,
        people.carol.username,
        people.erin.username,
    ]
    assert shown["waitlisted"] == []
    assert Booking.objects.get(pk=group.pk).seats == 2
    page = client.get(reverse("dialogues:slot", args=[slot.pk])).text
    assert 'data-testid="book-form"' in page  # Bob is out, and may book again
    assert AuditEntry.objects.filter(action="dialogues.withdrew").count() == 1


def test_the_booker_cannot_withdraw_and_a_stranger_gets_403(client, people, lunch):
    slot = lunch(seats=3)
    group = actions.book(slot, people.alice.staff, members=[people.bob.staff])
    sign_in(client, people.alice)
    client.post(reverse("dialogues:withdraw", args=[group.pk]))
    assert Participant.objects.filter(booking=group).count() == 2
    sign_in(client, people.carol)
    assert client.post(reverse("dialogues:withdraw", args=[group.pk])).status_code == 403
    assert Booking.objects.get(pk=group.pk).seats == 2


@pytest.fixture
def carols(people):
    """Carol hosts lunch chats."""
    host = Host.objects.create(staff=people.carol.staff)
    host.kinds.set(Kind.objects.filter(code="lunch"))
    return host


def _slot_of(host, *, hours, seats=3):
    return actions.add_slot(
        kind=Kind.objects.get(code="lunch"),
        host=host,
        start=timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=hours),
        seats=seats,
    )


def test_no_reminder_for_a_slot_whose_host_has_left_and_the_administrators_are_told(
    people, carols, smtp, django_capture_on_commit_callbacks
):
    slot = _slot_of(carols, hours=24)
    actions.book(slot, people.alice.staff)
    people.carol.staff.is_active = False  # Carol has left since
    people.carol.staff.save(update_fields=["is_active"])
    before = len(smtp.to("alice@city.example"))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind_participants.call_local()
    assert len(smtp.to("alice@city.example")) == before  # not reminded
    told = _mail_to(smtp, "dave@city.example")
    assert any("加藤 花" in text for text in told)  # the administrator learns why
    entry = AuditEntry.objects.get(action="dialogues.deferred_not_run")
    assert entry.detail["work"] == "reminder"
    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind_participants.call_local()
    assert AuditEntry.objects.filter(action="dialogues.deferred_not_run").count() == 1


def test_a_host_who_no_longer_hosts_the_kind_has_no_draw(
    people, carols, smtp, django_capture_on_commit_callbacks
):
    carols.lottery = True
    carols.save(update_fields=["lottery"])
    slot = _slot_of(carols, hours=24 * 10, seats=1)
    assert actions.book(slot, people.alice.staff).status == "applied"
    carols.kinds.clear()  # an administrator withdrew the kind from Carol
    Slot.objects.filter(pk=slot.pk).update(draw_at=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.draw_lots.call_local()
    assert Booking.objects.get(slot=slot).status == "applied"  # no seat given
    assert Slot.objects.get(pk=slot.pk).drawn_at is not None  # not tried every minute
    assert _mail_to(smtp, "dave@city.example")


def test_who_has_left_is_not_drawn(people, host, lunch, org):
    host.lottery = True
    host.save(update_fields=["lottery"])
    slot = lunch(seats=1, days=10)
    gone = actions.book(slot, people.bob.staff)
    stays = actions.book(slot, people.alice.staff)
    people.bob.staff.is_active = False
    people.bob.staff.save(update_fields=["is_active"])
    Slot.objects.filter(pk=slot.pk).update(draw_at=timezone.now() - dt.timedelta(minutes=1))
    tasks.draw_lots.call_local()
    assert Booking.objects.get(pk=stays.pk).status == "confirmed"
    assert Booking.objects.get(pk=gone.pk).status == "cancelled"
