"""Two rules people rely on when seats are scarce, through the doors they use (the slot
page, the command line, the every-minute task):

- after a lottery's deadline nobody enters the draw: a booking then joins the waiting
  list behind everyone who applied in time, even before the task has drawn;
- the waiting list is promoted in the order people joined it: a group that does not fit
  keeps its place at the head, while smaller bookings behind it take the seats it cannot use.

Dave hosts (conftest); Alice, Bob, Carol and Erin book."""

import datetime as dt
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from renraku.dialogues import tasks
from renraku.dialogues.models import Booking, Slot
from renraku.testing import make_staff, sign_in


def _show(capsys, slot) -> dict:
    call_command("dialogue", "slot", "show", str(slot.pk), "--json")
    return json.loads(capsys.readouterr().out)


def _book(capsys, slot, *people) -> dict:
    """Book through the command line; `people` are users or members of staff."""
    numbers = ",".join(getattr(p, "staff", p).employee_number for p in people)
    call_command("dialogue", "book", str(slot.pk), "--staff", numbers, "--json")
    return json.loads(capsys.readouterr().out)


def _cancel(capsys, booking_id) -> list[int]:
    call_command("dialogue", "cancel", str(booking_id), "--json")
    return json.loads(capsys.readouterr().out)["promoted"]


@pytest.fixture
def lottery_slot(host, lunch):
    host.lottery = True
    host.save(update_fields=["lottery"])

    def _slot(seats):
        slot = lunch(seats=seats, days=10)
        assert slot.draw_at is not None
        return slot

    return _slot


def _deadline_passes(slot):
    Slot.objects.filter(pk=slot.pk).update(draw_at=timezone.now() - dt.timedelta(minutes=1))


def test_booking_after_the_deadline_waits_behind_those_who_applied_in_time(
    client, people, lottery_slot, capsys
):
    slot = lottery_slot(seats=1)
    assert _book(capsys, slot, people.alice)["status"] == "applied"
    assert _book(capsys, slot, people.bob)["status"] == "applied"
    _deadline_passes(slot)
    sign_in(client, people.carol)  # the draw has not run yet
    response = client.post(reverse("dialogues:book", args=[slot.pk]), {"topic": "遅れて"})
    assert response.status_code == 302
    assert Booking.objects.get(booked_by=people.carol.staff).status == "waitlisted"
    page = client.get(reverse("dialogues:slot", args=[slot.pk])).text
    assert "data-position" not in page  # no place promised before the draw
    tasks.draw_lots.call_local()
    shown = _show(capsys, slot)
    assert len(shown["confirmed"]) == 1
    assert shown["confirmed"][0] in {people.alice.username, people.bob.username}
    # The one not drawn is first on the list; the latecomer after them.
    assert shown["waitlisted"][1:] == [people.carol.username]
    page = client.get(reverse("dialogues:slot", args=[slot.pk])).text
    assert 'data-position="2"' in page


def test_seats_nobody_drawn_could_use_go_to_the_latecomers(people, lottery_slot, capsys):
    slot = lottery_slot(seats=3)
    _book(capsys, slot, people.alice)
    _deadline_passes(slot)
    assert _book(capsys, slot, people.carol)["status"] == "waitlisted"
    tasks.draw_lots.call_local()
    shown = _show(capsys, slot)
    assert (shown["confirmed"], shown["waitlisted"]) == (
        [people.alice.username, people.carol.username],
        [],
    )


def test_the_waiting_list_keeps_its_order_and_a_group_keeps_its_place_at_the_head(
    people, org, lunch, capsys
):
    erin, frank, gina, hana = (
        make_staff(org, family=family, given="職員") for family in ("江藤", "藤井", "後藤", "花田")
    )
    slot = lunch(seats=3)
    single = _book(capsys, slot, people.alice)
    pair = _book(capsys, slot, people.bob, people.carol)  # the slot is full
    group = _book(capsys, slot, erin, frank)  # a group of two, first on the list
    gina_b = _book(capsys, slot, gina)
    hana_b = _book(capsys, slot, hana)
    assert {group["status"], gina_b["status"], hana_b["status"]} == {"waitlisted"}
    numbers = [s.employee_number for s in (erin, frank, gina, hana)]
    assert _show(capsys, slot)["waitlisted"] == numbers

    # One seat freed: the group cannot use it; the first single behind it takes it.
    assert _cancel(capsys, single["booking"]) == [gina_b["booking"]]
    assert _show(capsys, slot)["waitlisted"] == [
        erin.employee_number,
        frank.employee_number,
        hana.employee_number,
    ]

    # Two seats freed: the group, still at the head, takes both; Hana keeps waiting.
    assert _cancel(capsys, pair["booking"]) == [group["booking"]]
    shown = _show(capsys, slot)
    assert set(shown["confirmed"]) == {s.employee_number for s in (gina, erin, frank)}
    assert shown["waitlisted"] == [hana.employee_number]


def test_promotion_follows_the_order_joined_not_the_booking_ids(people, lunch, capsys):
    slot = lunch(seats=1)
    holder = _book(capsys, slot, people.alice)
    _book(capsys, slot, people.bob)
    carol = _book(capsys, slot, people.carol)
    # As a draw leaves them: Carol's booking (the higher id) joined the list first.
    Booking.objects.filter(pk=carol["booking"]).update(
        waiting_since=timezone.now() - dt.timedelta(hours=1)
    )
    assert _show(capsys, slot)["waitlisted"] == [people.carol.username, people.bob.username]
    assert _cancel(capsys, holder["booking"]) == [carol["booking"]]
    assert _show(capsys, slot)["waitlisted"] == [people.bob.username]


def test_waiting_positions_on_the_page_follow_the_order(client, people, lunch, capsys):
    slot = lunch(seats=1)
    _book(capsys, slot, people.alice)
    _book(capsys, slot, people.bob, people.carol)
    _book(capsys, slot, people.erin)
    sign_in(client, people.erin)
    page = client.get(reverse("dialogues:slot", args=[slot.pk])).text
    assert re.search(r'data-position="2"', page)
