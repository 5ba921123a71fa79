"""Booking seats: never overbooked, a waiting list in order, fairness, the lottery, the
reminder and the calendar, through the actions and the command line."""

import datetime as dt
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from renraku.dialogues import actions, directors, ics, reach
from renraku.dialogues.models import Booking, DirectorVisit, Host, Kind, Slot


def test_a_group_takes_a_seat_each_and_the_rest_wait_in_order(people, lunch, smtp):
    slot = lunch(seats=3)
    first = actions.book(slot, people.alice.staff, members=[people.bob.staff])
    assert (first.status, first.seats, actions.seats_left(slot)) == ("confirmed", 2, 1)
    group = actions.book(slot, people.carol.staff, members=[people.erin.staff])
    assert group.status == "waitlisted"  # two people, one seat: the group waits whole
    alone = actions.book(slot, people.mallory.staff) if people.mallory.staff.is_active else None
    shown = actions.show(slot)
    assert shown["confirmed"] == [people.alice.username, people.bob.username]
    assert shown["waitlisted"][:2] == [people.carol.username, people.erin.username]
    assert alone is None or alone.status == "confirmed"


def test_cancelling_promotes_the_next_and_tells_them(
    people, lunch, smtp, django_capture_on_commit_callbacks
):
    slot = lunch(seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        mine = actions.book(slot, people.alice.staff)
        actions.book(slot, people.bob.staff)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = actions.cancel_booking(mine)
    assert [b.booked_by for b in promoted] == [people.bob.staff]
    assert actions.show(slot)["confirmed"] == [people.bob.username]
    subjects = [m["Subject"] for m in smtp.to("bob@city.example")]
    assert any("お昼ザツダン" in s for s in subjects)
    invite = next(
        m for m in smtp.to("bob@city.example") if m.get_content_type() == "multipart/mixed"
    )
    ics_part = next(p for p in invite.walk() if p.get_content_type() == "text/calendar")
    assert "METHOD:REQUEST" in ics_part.get_content()


def test_the_same_person_twice_and_too_many_upcoming_chats_are_refused(people, lunch):
    slot = lunch(seats=5)
    actions.book(slot, people.alice.staff)
    with pytest.raises(ValidationError) as refused:
        actions.book(slot, people.bob.staff, members=[people.alice.staff])
    assert people.alice.username not in str(refused.value)  # never who booked
    other = lunch(seats=5, days=8)
    with pytest.raises(ValidationError):
        actions.book(other, people.alice.staff)  # one upcoming chat per host (the kind's rule)
    assert Booking.objects.filter(slot=other).count() == 0


def test_past_and_cancelled_slots_take_no_bookings(people, lunch):
    slot = lunch()
    Slot.objects.filter(pk=slot.pk).update(start=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        actions.book(Slot.objects.get(pk=slot.pk), people.alice.staff)
    other = lunch(days=9)
    actions.cancel_slot(other)
    with pytest.raises(ValidationError):
        actions.book(other, people.alice.staff)


def test_invitation_only_kinds_refuse_sign_up_by_staff(people, host):
    council = actions.add_slot(
        kind=Kind.objects.get(code="council"),
        host=host,
        start=timezone.now() + dt.timedelta(days=3),
        seats=10,
    )
    with pytest.raises(ValidationError):
        actions.book(council, people.alice.staff, by=people.alice)
    assert actions.book(council, people.alice.staff, by=people.dave).status == "confirmed"


def test_hundreds_at_once_never_overbook(committed_db, people, org, lunch):
    from renraku.testing import make_staff

    slot = lunch(seats=10)
    crowd = [make_staff(org, family="職員", given=str(i)) for i in range(40)]
    barrier = threading.Barrier(8)
    errors = []

    def worker(chunk):
        barrier.wait()
        for person in chunk:
            try:
                actions.book(Slot.objects.get(pk=slot.pk), person)
            except Exception as exc:  # any error at all is the test failing
                errors.append(repr(exc))
        connection.close()

    threads = [threading.Thread(target=worker, args=(crowd[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert actions.confirmed_seats(slot) == 10
    assert Booking.objects.filter(slot=slot, status="waitlisted").count() == 30


def test_the_lottery_draws_those_who_never_met_the_host_first(people, host, lunch, smtp):
    host.lottery = True
    host.save()
    earlier = lunch(seats=5, days=1)
    actions.book(earlier, people.alice.staff)
    Slot.objects.filter(pk=earlier.pk).update(start=timezone.now() - dt.timedelta(days=1))
    slot = lunch(seats=1, days=10)
    assert slot.draw_at is not None
    assert actions.book(slot, people.alice.staff).status == "applied"  # met the host before
    assert actions.book(slot, people.bob.staff).status == "applied"
    result = actions.draw(slot)
    assert len(result["won"]) == 1
    assert actions.show(slot)["confirmed"] == [people.bob.username]
    assert actions.show(slot)["waitlisted"] == [people.alice.username]
    with pytest.raises(ValidationError):
        actions.draw(slot)


def test_recurring_slots_skip_the_exceptions(host):
    start = timezone.localdate() + dt.timedelta(days=1)
    end = start + dt.timedelta(days=27)
    tuesdays_thursdays = [start + dt.timedelta(days=n) for n in range(28)]
    tuesdays_thursdays = [d for d in tuesdays_thursdays if d.weekday() in (1, 3)]
    skipped = tuesdays_thursdays[2]
    slots = actions.add_recurring(
        kind=Kind.objects.get(code="lunch"),
        host=host,
        weekdays=[1, 3],
        time=dt.time(12, 0),
        first_day=start,
        last_day=end,
        exceptions=[skipped],
    )
    days = [s.start.astimezone(actions.TOKYO).date() for s in slots]
    assert days == [d for d in tuesdays_thursdays if d != skipped]
    assert {s.start.astimezone(actions.TOKYO).time() for s in slots} == {dt.time(12, 0)}


def test_moving_keeps_the_uid_and_raises_the_sequence(
    people, lunch, smtp, django_capture_on_commit_callbacks
):
    slot = lunch()
    with django_capture_on_commit_callbacks(execute=True):
        actions.book(slot, people.alice.staff)
    first = Calendar.from_ical(ics.invitation(slot)).walk("VEVENT")[0]
    with django_capture_on_commit_callbacks(execute=True):
        moved = actions.move_slot(slot, slot.start + dt.timedelta(days=1))
    second = Calendar.from_ical(ics.invitation(moved)).walk("VEVENT")[0]
    assert first["UID"] == second["UID"]
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second.decoded("DTSTART").tzinfo is not None
    assert str(second["DTSTART"].params["TZID"]) == "Asia/Tokyo"
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_slot(moved)
    cancel = Calendar.from_ical(ics.cancellation(Slot.objects.get(pk=slot.pk)))
    assert cancel["METHOD"] == "CANCEL" and cancel.walk("VEVENT")[0]["UID"] == first["UID"]
    methods = [
        p.get_content()
        for m in smtp.to("alice@city.example")
        for p in m.walk()
        if p.get_content_type() == "text/calendar"
    ]
    assert [("METHOD:CANCEL" in t, "METHOD:REQUEST" in t) for t in methods] == [
        (False, True),
        (False, True),
        (True, False),
    ]


def test_the_reminder_goes_once_the_day_before(
    people, lunch, smtp, django_capture_on_commit_callbacks
):
    slot = lunch(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.book(slot, people.alice.staff)
    before = len(smtp.to("alice@city.example"))
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.remind_tomorrow() == 1
        assert actions.remind_tomorrow() == 0
    assert len(smtp.to("alice@city.example")) == before + 1


def test_new_directors_from_an_hr_import_are_queued(people, org, host):
    host.visits_directors = True
    host.save()
    from renraku.directory.signals import imported

    imported.send(sender=None, new_directors=[people.carol.staff.employee_number])
    visit = DirectorVisit.objects.get()
    assert (visit.director, visit.newly_appointed) == (people.carol.staff, True)
    assert visit.year == directors.fiscal_year()
    assert directors.fiscal_year(dt.date(2027, 3, 31)) == 2026
    assert directors.fiscal_year(dt.date(2027, 4, 1)) == 2027


def test_the_summary_counts_people_departments_and_repeaters(people, lunch, host):
    for days, who in [(1, [people.alice, people.bob]), (2, [people.carol])]:
        slot = lunch(seats=5, days=days)
        actions.book(slot, who[0].staff, members=[p.staff for p in who[1:]])
        Slot.objects.filter(pk=slot.pk).update(start=timezone.now() - dt.timedelta(days=days))
    figures = reach.summary(host, directors.fiscal_year())
    assert (figures["sessions"], figures["groups"], figures["people"]) == (2, 2, 3)  # parties
    assert figures["departments"] == 2  # 総務部 (Alice, Carol) and 危機管理部 (Bob)


def test_the_cli_speaks_json_and_refuses_with_a_reason(people, host, capsys):
    start = (timezone.now() + dt.timedelta(days=5)).astimezone(actions.TOKYO)
    call_command(
        "dialogue",
        "slot",
        "add",
        "--kind",
        "lunch",
        "--host",
        people.dave.username,
        "--start",
        start.strftime("%Y-%m-%dT12:00"),
        "--seats",
        "1",
        "--json",
    )
    slot_id = json.loads(capsys.readouterr().out)["id"]
    call_command("dialogue", "book", str(slot_id), "--staff", people.alice.username, "--json")
    assert json.loads(capsys.readouterr().out) | {"booking": 0} == {
        "booking": 0,
        "status": "confirmed",
        "seats_left": 0,
    }
    call_command("dialogue", "book", str(slot_id), "--staff", people.bob.username, "--json")
    assert json.loads(capsys.readouterr().out)["status"] == "waitlisted"
    with pytest.raises(CommandError) as refused:
        call_command("dialogue", "book", str(slot_id), "--staff", people.alice.username)
    assert str(refused.value)  # the reason
    call_command("dialogue", "slot", "show", str(slot_id), "--json")
    shown = json.loads(capsys.readouterr().out)
    assert (shown["confirmed"], shown["waitlisted"]) == (
        [people.alice.username],
        [people.bob.username],
    )
    call_command("dialogue", "ics", str(slot_id))
    assert "BEGIN:VEVENT" in capsys.readouterr().out
    call_command("dialogue", "summary", "--host", people.dave.username, "--json")
    assert set(json.loads(capsys.readouterr().out)) >= {
        "sessions",
        "groups",
        "people",
        "departments",
        "sites",
        "by_kind",
    }
    assert Host.objects.count() == 1
