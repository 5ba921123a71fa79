"""The dialogues' staff pages, through the test client, as staff notice them: finding a
slot, booking alone or for colleagues, the waiting list, cancelling, the calendar feed and
the published 「困っていること」.

Dave (an administrator) hosts; Alice, Bob and Carol book. Wording is asserted where it
carries data (names, numbers, UIDs), otherwise on the page's marked parts: the Japanese
of new strings is merged later."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.audit.models import AuditEntry
from renraku.dialogues import actions, directors
from renraku.dialogues.models import (
    Booking,
    BookingStatus,
    Concern,
    DirectorVisit,
    Kind,
)
from renraku.testing import sign_in
from renraku.web.accesslog import redact

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def _noon_in(days: int) -> dt.datetime:
    day = (timezone.now() + dt.timedelta(days=days)).astimezone(TOKYO).date()
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=TOKYO)


@pytest.fixture
def lunch(host):
    def _lunch(days=10, seats=6, start=None, **extra):
        return actions.add_slot(
            kind=Kind.objects.get(code="lunch"),
            host=host,
            start=start or _noon_in(days),
            seats=seats,
            place="本庁舎 第1会議室",
            **extra,
        )

    return _lunch


def _book(client, slot, **data):
    return client.post(reverse("dialogues:book", args=[slot.pk]), data)


def _slot_page(client, slot) -> str:
    return client.get(reverse("dialogues:slot", args=[slot.pk])).text


def _status_on_page(client, slot) -> str:
    page = _slot_page(client, slot)
    found = re.search(r'class="dialogue-status dialogue-status-(\w+)"', page)
    return found.group(1) if found else ""


def test_the_index_lists_open_slots_by_kind_with_time_in_tokyo_and_seats(
    client, people, lunch, django_assert_max_num_queries
):
    slot = lunch(seats=6)
    for _ in range(5):
        lunch(days=20 + _)
    sign_in(client, people.alice)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("dialogues:index")).text
    start = slot.start.astimezone(TOKYO)
    weekday = "月火水木金土日"[start.weekday()]
    assert f"{start.month}月{start.day}日（{weekday}）12:00〜13:00" in page
    assert 'data-testid="kind-lunch"' in page
    assert "本庁舎 第1会議室" in page
    assert "大野 誠" in page  # the host
    assert page.count('data-testid="slot"') == 6
    # Filtered by another kind: none of these.
    page = client.get(reverse("dialogues:index"), {"kind": "evening"}).text
    assert 'data-testid="slot"' not in page


def test_the_break_time_rule_is_said_where_people_sign_up(client, people, host, lunch):
    slot = lunch()
    evening = actions.add_slot(
        kind=Kind.objects.get(code="evening"), host=host, start=_noon_in(12), seats=8
    )
    sign_in(client, people.alice)
    assert 'data-testid="break-time"' in _slot_page(client, slot)
    assert 'data-testid="break-time"' not in _slot_page(client, evening)
    index = client.get(reverse("dialogues:index")).text
    lunch_part = index.split('data-testid="kind-lunch"')[1].split("</section>")[0]
    assert 'data-testid="break-time"' in lunch_part


def test_booking_alone_through_the_page_confirms_a_seat(client, people, lunch):
    slot = lunch(seats=6)
    sign_in(client, people.alice)
    response = _book(client, slot, topic="窓口の混雑について")
    assert response.status_code == 302
    booking = Booking.objects.get(slot=slot)
    assert (booking.status, booking.seats, booking.topic) == ("confirmed", 1, "窓口の混雑について")
    assert _status_on_page(client, slot) == "confirmed"
    page = _slot_page(client, slot)
    assert "窓口の混雑について" in page
    assert reverse("dialogues:cancel", args=[booking.pk]) in page
    assert reverse("dialogues:slot_ics", args=[slot.pk]) in page
    assert 'data-testid="book-form"' not in page  # booked once


def test_a_group_booking_names_colleagues_by_number_or_from_the_search(client, people, lunch):
    slot = lunch(seats=6)
    sign_in(client, people.alice)
    # The search offers colleagues with their employee numbers, to tick.
    found = client.post(
        reverse("dialogues:book", args=[slot.pk]), {"action": "search", "q": "かとう"}
    ).text
    carol_number = people.carol.staff.employee_number
    assert f'name="pick" value="{carol_number}"' in found

    response = _book(
        client, slot, members=f"{people.bob.staff.employee_number}、", pick=[carol_number]
    )
    assert response.status_code == 302
    booking = Booking.objects.get(slot=slot)
    assert booking.seats == 3
    assert set(booking.participants.values_list("staff__employee_number", flat=True)) == {
        people.alice.staff.employee_number,
        people.bob.staff.employee_number,
        carol_number,
    }
    # Carol sees the booking Alice made for her, on her own pages.
    sign_in(client, people.carol)
    assert _status_on_page(client, slot) == "confirmed"
    assert "青木 愛" in client.get(reverse("dialogues:mine")).text  # booked by


def test_an_unknown_employee_number_refuses_the_group_and_books_nobody(client, people, lunch):
    slot = lunch()
    sign_in(client, people.alice)
    response = _book(client, slot, members="999999, " + people.bob.staff.employee_number)
    assert response.status_code == 400
    assert "999999" in response.text
    assert not Booking.objects.filter(slot=slot).exists()


def test_a_full_slot_puts_people_on_the_waiting_list_and_says_their_place(client, people, lunch):
    slot = lunch(seats=1)
    sign_in(client, people.bob)
    _book(client, slot)
    sign_in(client, people.alice)
    index = client.get(reverse("dialogues:index")).text
    assert "dialogue-badge-full" in index  # 「キャンセル待ち」
    _book(client, slot)
    assert Booking.objects.get(slot=slot, booked_by=people.alice.staff).status == "waitlisted"
    assert _status_on_page(client, slot) == "waitlisted"
    assert 'data-testid="booking-status" data-position="1"' in _slot_page(client, slot)
    sign_in(client, people.carol)
    _book(client, slot)
    assert 'data-position="2"' in _slot_page(client, slot)


def test_a_lottery_slot_says_its_deadline_and_takes_applications(client, people, host, lunch):
    host.lottery = True
    host.save(update_fields=["lottery"])
    slot = lunch(days=10)
    sign_in(client, people.alice)
    index = client.get(reverse("dialogues:index")).text
    deadline = slot.draw_at.astimezone(TOKYO)
    assert "dialogue-badge-lottery" in index
    assert f"{deadline.month}月{deadline.day}日 {deadline:%H:%M}" in index
    _book(client, slot)
    assert _status_on_page(client, slot) == "applied"


def test_a_second_chat_with_the_same_host_is_said_before_the_form_is_filled(client, people, lunch):
    first, second = lunch(days=10), lunch(days=11)
    sign_in(client, people.alice)
    _book(client, first)
    page = _slot_page(client, second)
    assert 'data-testid="cannot-book"' in page  # said up front …
    assert 'data-testid="book-form"' not in page  # … instead of a form to fill in
    response = _book(client, second, topic="窓口のこと")  # posted anyway: refused, kept
    assert response.status_code == 400
    assert 'data-testid="refusal"' in response.text
    assert not Booking.objects.filter(slot=second).exists()


def test_a_refusal_keeps_the_colleagues_and_the_topic_and_names_nobody(client, people, lunch):
    first, second = lunch(days=10), lunch(days=11)
    actions.book(first, people.carol.staff)  # Carol already has a chat with this host
    sign_in(client, people.alice)
    bob, carol = people.bob.staff.employee_number, people.carol.staff.employee_number
    response = _book(client, second, members=bob, pick=[carol], topic="庁内の手続きを減らしたい")
    assert response.status_code == 400
    page = response.text
    refusal = page.split('data-testid="refusal"')[1].split("</div>")[0]
    assert "加藤" not in refusal and carol not in refusal  # Carol is not named
    # Everything typed and ticked is still in the form.
    assert "庁内の手続きを減らしたい</textarea>" in page
    members = re.search(r'name="members"[^>]*value="([^"]*)"', page).group(1)
    assert {n.strip() for n in members.split(",")} == {bob, carol}
    assert not Booking.objects.filter(slot=second).exists()


def test_someone_elses_seat_is_never_confirmed_by_a_refusal(client, people, lunch):
    slot = lunch(seats=6)
    actions.book(slot, people.carol.staff)
    sign_in(client, people.alice)
    carol = people.carol.staff.employee_number
    response = _book(client, slot, members=carol)
    assert response.status_code == 400
    refusal = response.text.split('data-testid="refusal"')[1].split("</div>")[0]
    assert carol not in refusal and "加藤" not in refusal


def test_searching_for_a_colleague_keeps_the_topic_and_those_already_ticked(client, people, lunch):
    slot = lunch(seats=6)
    sign_in(client, people.alice)
    bob = people.bob.staff.employee_number
    url = reverse("dialogues:book", args=[slot.pk])
    found = client.post(
        url, {"action": "search", "q": "かとう", "topic": "子育てと両立", "pick": [bob]}
    )
    assert found.status_code == 200
    assert not Booking.objects.filter(slot=slot).exists()  # a search books nobody
    page = found.text
    assert "子育てと両立</textarea>" in page
    carol = people.carol.staff.employee_number
    assert f'name="pick" value="{carol}"' in page
    members = re.search(r'name="members"[^>]*value="([^"]*)"', page).group(1)
    assert members == bob
    response = client.post(
        url, {"action": "book", "members": members, "pick": [carol], "topic": "子育てと両立"}
    )
    assert response.status_code == 302
    booking = Booking.objects.get(slot=slot)
    assert (booking.seats, booking.topic) == (3, "子育てと両立")


def test_cancelling_before_the_deadline_frees_the_seat(client, people, lunch):
    slot = lunch()
    sign_in(client, people.alice)
    _book(client, slot)
    booking = Booking.objects.get(slot=slot)
    response = client.post(reverse("dialogues:cancel", args=[booking.pk]), {"back": "mine"})
    assert response.url == reverse("dialogues:mine")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert actions.seats_left(slot) == slot.seats
    assert 'data-testid="book-form"' in _slot_page(client, slot)  # may book again


def test_cancelling_after_the_deadline_is_refused_and_the_page_says_so(client, people, lunch):
    slot = lunch(start=timezone.now() + dt.timedelta(hours=2))  # lunch: 3 hours before
    booking = actions.book(slot, people.alice.staff)
    sign_in(client, people.alice)
    page = _slot_page(client, slot)
    assert reverse("dialogues:cancel", args=[booking.pk]) not in page  # no button
    client.post(reverse("dialogues:cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert 'class="notice error"' in _slot_page(client, slot)


def test_a_cancelled_seat_goes_to_the_next_person_whose_page_then_says_confirmed(
    client, people, lunch
):
    slot = lunch(seats=1)
    bobs = actions.book(slot, people.bob.staff)
    actions.book(slot, people.alice.staff)
    sign_in(client, people.alice)
    assert _status_on_page(client, slot) == "waitlisted"
    sign_in(client, people.bob)
    client.post(reverse("dialogues:cancel", args=[bobs.pk]))
    sign_in(client, people.alice)
    assert _status_on_page(client, slot) == "confirmed"
    assert actions.show(slot)["confirmed"] == [people.alice.staff.employee_number]


def test_another_persons_booking_cannot_be_cancelled(client, people, lunch):
    slot = lunch()
    booking = actions.book(slot, people.alice.staff)
    sign_in(client, people.bob)
    assert client.post(reverse("dialogues:cancel", args=[booking.pk])).status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_booking_and_cancelling_take_post_only(client, people, lunch):
    slot = lunch()
    booking = actions.book(slot, people.alice.staff)
    sign_in(client, people.alice)
    assert client.get(reverse("dialogues:book", args=[slot.pk])).status_code == 405
    assert client.get(reverse("dialogues:cancel", args=[booking.pk])).status_code == 405


def test_staff_see_how_many_seats_are_taken_but_not_who_the_host_sees_names(client, people, lunch):
    slot = lunch(seats=6)
    actions.book(slot, people.carol.staff, members=[people.bob.staff])
    sign_in(client, people.alice)
    page = _slot_page(client, slot)
    assert "加藤" not in page and "馬場" not in page
    seats = page.split('data-testid="seats"')[1].split("</dd>")[0]
    assert sorted(map(int, re.findall(r"\d+", seats))) == [2, 4, 6]  # taken, left, of
    sign_in(client, people.dave)  # the host
    page = _slot_page(client, slot)
    assert "加藤 花" in page and "馬場 勉" in page


def test_the_invitation_download_is_for_participants_only(client, people, lunch):
    slot = lunch()
    actions.book(slot, people.alice.staff)
    sign_in(client, people.alice)
    response = client.get(reverse("dialogues:slot_ics", args=[slot.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert slot.uid in response.text and "METHOD:REQUEST" in response.text
    sign_in(client, people.bob)
    assert client.get(reverse("dialogues:slot_ics", args=[slot.pk])).status_code == 404


def _feed_url(client) -> str:
    page = client.post(reverse("dialogues:calendar")).text
    return re.search(r'id="feed-url" value="([^"]+)"', page).group(1)


def test_the_private_feed_works_without_sign_in_until_it_is_rotated(client, people, lunch):
    slot = lunch()
    actions.book(slot, people.alice.staff)
    other = lunch(days=30)  # not booked: not in Alice's feed
    sign_in(client, people.alice)
    first = _feed_url(client)
    assert "/dialogues/calendar/" in first and first.endswith(".ics")
    # Shown once: the page afterwards does not carry it.
    assert first not in client.get(reverse("dialogues:calendar")).text

    client.logout()
    response = client.get(first)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    text = response.content.decode()
    assert f"UID:{slot.uid}" in text
    assert "TZID=Asia/Tokyo" in text
    assert other.uid not in text

    sign_in(client, people.alice)
    second = _feed_url(client)
    client.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.get("/dialogues/calendar/not-a-token.ics").status_code == 404
    assert list(
        AuditEntry.objects.filter(action__startswith="dialogues.calendar_feed")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["dialogues.calendar_feed_created", "dialogues.calendar_feed_rotated"]


def test_a_hosts_feed_has_the_slots_they_offer(client, people, lunch):
    slot = lunch()
    sign_in(client, people.dave)
    url = _feed_url(client)
    client.logout()
    assert slot.uid in client.get(url).content.decode()


def test_the_feed_token_stays_out_of_the_access_log():
    line = 'GET /dialogues/calendar/s3cr3tT0ken.ics HTTP/1.1" 200'
    assert "s3cr3tT0ken" not in redact(line)
    assert "/dialogues/calendar/…" in redact(line)


def test_the_concerns_page_shows_only_published_ones_and_no_names(client, people, org, lunch):
    slot = lunch()
    actions.book(slot, people.alice.staff)
    Concern.objects.create(
        slot=slot,
        text="出張申請の押印が多い",
        topic="手続き",
        department=org.som,
        published_at=timezone.now(),
    )
    Concern.objects.create(
        slot=slot, text="休憩室が狭い", topic="職場環境", published_at=timezone.now()
    )
    Concern.objects.create(slot=slot, text="まだ公開しない話", topic="手続き")
    sign_in(client, people.carol)
    page = client.get(reverse("dialogues:concerns")).text
    assert "出張申請の押印が多い" in page and "休憩室が狭い" in page
    assert "まだ公開しない話" not in page
    for name in ("青木", "大野"):  # the participant, the host
        assert name not in page
    page = client.get(reverse("dialogues:concerns"), {"topic": "手続き"}).text
    assert "出張申請の押印が多い" in page and "休憩室が狭い" not in page
    page = client.get(reverse("dialogues:concerns"), {"department": org.som.pk}).text
    assert "出張申請の押印が多い" in page and "休憩室が狭い" not in page


def test_the_home_page_offers_the_next_lunch_chats_and_my_next_booking(client, people, lunch):
    slot = lunch(days=3)
    full = lunch(days=4, seats=1)
    actions.book(full, people.bob.staff)
    sign_in(client, people.alice)
    page = client.get(reverse("home")).text
    assert reverse("dialogues:slot", args=[slot.pk]) in page
    assert reverse("dialogues:slot", args=[full.pk]) not in page  # no seat left
    assert 'data-testid="my-next-booking"' not in page
    actions.book(slot, people.alice.staff)
    page = client.get(reverse("home")).text
    assert 'data-testid="my-next-booking"' in page
    assert reverse("dialogues:index") in page


def test_mine_lists_my_bookings_and_a_director_proposes_another_time(
    client, people, host, lunch, smtp, django_capture_on_commit_callbacks
):
    slot = lunch()
    actions.book(slot, people.alice.staff)
    visit = DirectorVisit.objects.create(
        host=host, director=people.alice.staff, year=directors.fiscal_year()
    )
    sign_in(client, people.alice)
    page = client.get(reverse("dialogues:mine")).text
    assert reverse("dialogues:propose_time", args=[visit.pk]) not in page  # not invited yet
    directors.schedule(visit, _noon_in(12))
    sign_in(client, people.alice)
    page = client.get(reverse("dialogues:mine")).text
    assert reverse("dialogues:slot", args=[slot.pk]) in page.split('data-testid="upcoming"')[1]
    assert 'data-testid="visits"' in page
    when = (
        (timezone.now() + dt.timedelta(days=5))
        .astimezone(TOKYO)
        .replace(hour=15, minute=0, second=0, microsecond=0)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dialogues:propose_time", args=[visit.pk]),
            {f"v{visit.pk}-start": when.strftime("%Y-%m-%dT%H:%M")},
        )
    visit.refresh_from_db()
    assert visit.proposed_start == when
    # The host is told, with the time proposed and the director's name.
    told = [m.get_content() for m in smtp.to("dave@city.example")]
    assert any("青木 愛" in m and f"{when.month}月{when.day}日 15:00" in m for m in told), told
    # Someone else cannot propose for Alice's visit.
    sign_in(client, people.bob)
    response = client.post(
        reverse("dialogues:propose_time", args=[visit.pk]),
        {f"v{visit.pk}-start": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 404
