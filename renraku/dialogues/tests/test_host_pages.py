"""The hosts' pages, through the test client, as a host and an administrator notice them.

Alice is ordinary staff and hosts lunch chats, director visits and council exchanges: a
host needs no special role. Bob (危機管理部) and Carol (総務部) take part. Dave is an
administrator and sees every host's pages; Erin is made a second host where a test needs
one. Wording is not asserted: the new strings are English until their translations are
merged."""

import csv
import datetime as dt
import io
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
    Host,
    HostNote,
    Kind,
    Participant,
    Slot,
    SlotStatus,
    VisitStatus,
)
from renraku.testing import make_staff, make_user, sign_in

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def _day(days: int) -> dt.date:
    return timezone.now().astimezone(TOKYO).date() + dt.timedelta(days=days)


def _at(days: int, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(_day(days), dt.time(hour, 0), tzinfo=TOKYO)


def _local(when: dt.datetime) -> str:
    return when.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def host(people):
    host = Host.objects.create(staff=people.alice.staff, visits_directors=True)
    host.kinds.set(Kind.objects.filter(code__in=["lunch", "director_visit", "council"]))
    return host


@pytest.fixture
def lunch():
    return Kind.objects.get(code="lunch")


@pytest.fixture
def slot(host, lunch):
    return actions.add_slot(kind=lunch, host=host, start=_at(7), seats=3, place="第1会議室")


def _calendar_parts(smtp, address):
    return [
        part.get_content()
        for message in smtp.to(address)
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


# --- Who may see these pages ---------------------------------------------------------------


def test_only_hosts_and_administrators_see_the_hosts_pages(client, people, host, slot):
    pages = [
        reverse("dialogues:host"),
        reverse("dialogues:add_slot"),
        reverse("dialogues:add_recurring"),
        reverse("dialogues:directors"),
        reverse("dialogues:reach"),
        reverse("dialogues:reach_csv"),
        reverse("dialogues:manage_slot", args=[slot.pk]),
        reverse("dialogues:cancel_slot", args=[slot.pk]),
    ]
    for outsider in (people.bob, people.carol, people.erin):
        sign_in(client, outsider)
        assert [client.get(p).status_code for p in pages] == [403] * len(pages), outsider
    assert client.post(reverse("dialogues:move", args=[slot.pk])).status_code == 403
    assert client.post(reverse("dialogues:cancel_slot", args=[slot.pk])).status_code == 403
    assert Slot.objects.get(pk=slot.pk).status == SlotStatus.OPEN

    for insider in (people.alice, people.dave):  # the host (ordinary staff), an administrator
        sign_in(client, insider)
        assert [client.get(p).status_code for p in pages] == [200] * len(pages), insider


def test_the_dashboard_shows_seats_taken_left_and_waiting(
    client, people, host, slot, lunch, django_assert_max_num_queries
):
    lunch.upcoming_per_host = 0  # Bob and Carol book two chats with Alice
    lunch.save(update_fields=["upcoming_per_host"])
    actions.book(slot, people.bob.staff, members=[people.carol.staff])
    actions.book(slot, people.erin.staff)  # one seat left: 2 + 1 = 3
    full = actions.add_slot(kind=lunch, host=host, start=_at(9), seats=1)
    actions.book(full, people.bob.staff)
    actions.book(full, people.carol.staff)  # waits
    for days in range(10, 16):
        actions.add_slot(kind=lunch, host=host, start=_at(days), seats=6)
    sign_in(client, people.alice)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("dialogues:host")).text
    rows = page.split('data-testid="upcoming"')[1].split("</tbody>")[0].split("<tr")
    first = next(r for r in rows if f"/host/slots/{slot.pk}/" in r)
    assert "<td>3 / 3</td><td>0</td><td>0</td>" in first
    second = next(r for r in rows if f"/host/slots/{full.pk}/" in r)
    assert "<td>1 / 1</td><td>0</td><td>1</td>" in second


def test_an_administrator_picks_any_host(client, people, host, slot, lunch):
    erin_host = Host.objects.create(staff=people.erin.staff)
    erin_host.kinds.add(lunch)
    other = actions.add_slot(kind=lunch, host=erin_host, start=_at(8), seats=2)
    sign_in(client, people.dave)
    page = client.get(reverse("dialogues:host") + f"?host={erin_host.pk}").text
    assert f"/host/slots/{other.pk}/" in page and f"/host/slots/{slot.pk}/" not in page
    assert 'name="host"' in page  # the picker


# --- Adding slots --------------------------------------------------------------------------


def test_a_host_adds_a_slot_entered_in_tokyo_time(client, people, host, lunch):
    sign_in(client, people.alice)
    start = _at(5, 12)
    response = client.post(
        reverse("dialogues:add_slot"),
        {"kind": lunch.pk, "start": _local(start), "minutes": 45, "seats": 4, "place": "区長室"},
    )
    assert response.status_code == 302
    made = Slot.objects.get()
    assert made.start == start and made.start.astimezone(dt.UTC).hour == 3  # 12:00 JST
    assert (made.minutes, made.seats, made.place, made.host) == (45, 4, "区長室", host)


def test_a_bad_slot_is_refused_with_the_reason_and_nothing_is_made(client, people, host, lunch):
    sign_in(client, people.alice)
    past = client.post(
        reverse("dialogues:add_slot"),
        {"kind": lunch.pk, "start": _local(_at(-1)), "minutes": 60},
    )
    assert past.status_code == 400
    assert 'data-testid="errors"' in past.text
    evening = Kind.objects.get(code="evening")  # not a kind Alice is named for
    other_kind = client.post(
        reverse("dialogues:add_slot"),
        {"kind": evening.pk, "start": _local(_at(3)), "minutes": 60},
    )
    assert other_kind.status_code == 400
    too_long = client.post(
        reverse("dialogues:add_slot"),
        {"kind": lunch.pk, "start": _local(_at(3)), "minutes": 600},
    )
    assert too_long.status_code == 400
    assert not Slot.objects.exists()


def test_recurring_slots_fall_on_the_chosen_weekdays_less_the_exceptions(
    client, people, host, lunch
):
    monday = _day(7 - _day(0).weekday() + 7)  # a Monday at least a week away
    last = monday + dt.timedelta(days=27)
    skipped = [monday + dt.timedelta(days=1), monday + dt.timedelta(days=17)]  # Tue, Thu
    sign_in(client, people.alice)
    response = client.post(
        reverse("dialogues:add_recurring"),
        {
            "kind": lunch.pk,
            "weekdays": ["1", "3"],  # 火, 木
            "time": "12:15",
            "first_day": monday.isoformat(),
            "last_day": last.isoformat(),
            "minutes": 45,
            "place": "本庁舎 食堂",
            "exceptions": "\n".join(d.isoformat() for d in skipped),
        },
    )
    assert response.status_code == 302
    days = [s.start.astimezone(TOKYO) for s in Slot.objects.order_by("start")]
    expected = [
        monday + dt.timedelta(days=n)
        for n in range(28)
        if (monday + dt.timedelta(days=n)).weekday() in (1, 3)
        and monday + dt.timedelta(days=n) not in skipped
    ]
    assert [d.date() for d in days] == expected and len(expected) == 6
    assert {(d.hour, d.minute) for d in days} == {(12, 15)}
    assert not set(skipped) & {d.date() for d in days}


def test_a_recurring_rule_with_a_bad_exception_makes_nothing(client, people, host, lunch):
    monday = _day(7 - _day(0).weekday() + 7)
    sign_in(client, people.alice)
    form = {
        "kind": lunch.pk,
        "weekdays": ["1"],
        "time": "12:00",
        "first_day": monday.isoformat(),
        "last_day": (monday + dt.timedelta(days=20)).isoformat(),
        "minutes": 60,
    }
    for exceptions in ("2026-13-40", (monday + dt.timedelta(days=60)).isoformat()):
        response = client.post(
            reverse("dialogues:add_recurring"), form | {"exceptions": exceptions}
        )
        assert response.status_code == 400
    no_days = client.post(reverse("dialogues:add_recurring"), form | {"weekdays": []})
    assert no_days.status_code == 400
    assert not Slot.objects.exists()


# --- Moving and cancelling -------------------------------------------------------------------


def test_moving_a_slot_raises_its_sequence_and_sends_everyone_an_updated_invitation(
    client, people, slot, smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    actions.book(slot, people.bob.staff, members=[people.carol.staff])
    sign_in(client, people.alice)
    new_start = _at(8, 13)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dialogues:move", args=[slot.pk]), {"start": _local(new_start)}
        )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.start == new_start and slot.sequence == 1
    for address in ("bob@city.example", "carol@city.example"):
        [ical] = _calendar_parts(smtp, address)
        assert "METHOD:REQUEST" in ical and "SEQUENCE:1" in ical and slot.uid in ical
    assert smtp.to("alice@city.example") == []  # the host is not a participant


def test_a_move_into_the_past_is_refused_and_tells_nobody(
    client, people, slot, smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    actions.book(slot, people.bob.staff)
    sign_in(client, people.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dialogues:move", args=[slot.pk]), {"start": _local(_at(-2))}
        )
    assert response.status_code == 400
    slot.refresh_from_db()
    assert slot.sequence == 0 and smtp.messages == []


def test_cancelling_asks_first_then_sends_everyone_a_cancellation(
    client, people, slot, smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    actions.book(slot, people.bob.staff)
    sign_in(client, people.alice)
    confirm = client.get(reverse("dialogues:cancel_slot", args=[slot.pk]))
    assert confirm.status_code == 200 and 'method="post"' in confirm.text
    assert Slot.objects.get(pk=slot.pk).status == SlotStatus.OPEN  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dialogues:cancel_slot", args=[slot.pk]))
    slot.refresh_from_db()
    assert slot.status == SlotStatus.CANCELLED and slot.sequence == 1
    [ical] = _calendar_parts(smtp, "bob@city.example")
    assert "METHOD:CANCEL" in ical and slot.uid in ical
    assert Booking.objects.get(slot=slot).status == BookingStatus.CANCELLED


# --- The slot's people, notes and concerns ---------------------------------------------------


def test_the_slot_page_lists_groups_together_with_their_topic_and_the_waiting_list(
    client, people, host, lunch
):
    small = actions.add_slot(kind=lunch, host=host, start=_at(6), seats=2)
    actions.book(
        small, people.bob.staff, members=[people.carol.staff], topic="庁内の会議を減らしたい"
    )
    actions.book(small, people.erin.staff)  # waits
    sign_in(client, people.alice)
    page = client.get(reverse("dialogues:manage_slot", args=[small.pk])).text
    participants = page.split('data-testid="participants"')[1].split("</section>")[0]
    assert "馬場 勉" in participants and "加藤 花" in participants
    assert "危機管理部" in participants and "総務部" in participants
    assert "庁内の会議を減らしたい" in participants
    waiting = page.split('data-testid="waiting"')[1].split("</section>")[0]
    assert "江口 恵" in waiting and "馬場 勉" not in waiting


def test_notes_are_seen_by_the_host_alone(client, people, host, slot, lunch):
    actions.book(slot, people.bob.staff)
    sign_in(client, people.alice)
    client.post(reverse("dialogues:notes", args=[slot.pk]), {"text": "人事課の異動希望の件"})
    assert HostNote.objects.get(slot=slot).text == "人事課の異動希望の件"
    assert (
        "人事課の異動希望の件" in client.get(reverse("dialogues:manage_slot", args=[slot.pk])).text
    )

    sign_in(client, people.dave)  # an administrator: the slot, not the notes
    page = client.get(reverse("dialogues:manage_slot", args=[slot.pk]))
    assert page.status_code == 200 and "人事課の異動希望の件" not in page.text
    assert client.post(reverse("dialogues:notes", args=[slot.pk]), {"text": "x"}).status_code == 403

    erin_host = Host.objects.create(staff=people.erin.staff)  # another host
    erin_host.kinds.add(lunch)
    sign_in(client, people.erin)
    assert client.get(reverse("dialogues:manage_slot", args=[slot.pk])).status_code == 403
    assert client.post(reverse("dialogues:notes", args=[slot.pk]), {"text": "x"}).status_code == 403

    sign_in(client, people.bob)  # the participant
    assert client.get(reverse("dialogues:manage_slot", args=[slot.pk])).status_code == 403
    assert HostNote.objects.get(slot=slot).text == "人事課の異動希望の件"
    entry = AuditEntry.objects.get(action="dialogues.notes_saved")
    assert "人事課" not in str(entry.detail)  # nor in the audit log


def test_a_published_concern_shows_no_name(client, people, host, slot):
    actions.book(slot, people.bob.staff)
    sign_in(client, people.alice)
    client.post(
        reverse("dialogues:add_concern", args=[slot.pk]),
        {
            "text": "紙の決裁が多く在宅勤務ができない",
            "topic": "働き方",
            "department": people.bob.staff.department_id,
        },
    )
    concern = Concern.objects.get()
    assert concern.published_at is None and concern.topic == "働き方"
    client.post(reverse("dialogues:publish_concern", args=[concern.pk]))
    concern.refresh_from_db()
    assert concern.published_at is not None
    page = client.get(reverse("dialogues:manage_slot", args=[slot.pk])).text
    shown = page.split('data-testid="concerns"')[1].split("</ul>")[0]
    assert "紙の決裁が多く在宅勤務ができない" in shown and "危機管理部" in shown
    assert "馬場" not in shown and people.bob.staff.employee_number not in shown
    published = AuditEntry.objects.get(action="dialogues.concern_published")
    assert "馬場" not in str(published.detail)


def test_a_free_topic_is_kept_and_a_concern_needs_one(client, people, host, slot):
    sign_in(client, people.alice)
    empty = client.post(reverse("dialogues:add_concern", args=[slot.pk]), {"text": "何か"})
    assert empty.status_code == 400 and not Concern.objects.exists()
    client.post(
        reverse("dialogues:add_concern", args=[slot.pk]),
        {"text": "駐輪場が足りない", "topic": "", "other_topic": "駐輪場"},
    )
    assert Concern.objects.get().topic == "駐輪場"


def test_attendance_is_marked_after_the_slot_and_counts_in_reach(client, people, slot):
    booking = actions.book(slot, people.bob.staff, members=[people.carol.staff])
    bob, carol = booking.participants.order_by("pk")
    sign_in(client, people.alice)
    early = client.post(
        reverse("dialogues:manage_slot", args=[slot.pk]), {"action": "attendance", "came": [bob.pk]}
    )
    assert early.status_code == 400 and Participant.objects.get(pk=carol.pk).attended
    Slot.objects.filter(pk=slot.pk).update(start=timezone.now() - dt.timedelta(hours=2))
    client.post(
        reverse("dialogues:manage_slot", args=[slot.pk]), {"action": "attendance", "came": [bob.pk]}
    )
    assert Participant.objects.get(pk=bob.pk).attended
    assert not Participant.objects.get(pk=carol.pk).attended


# --- Council exchanges -----------------------------------------------------------------------


def test_a_council_exchange_has_guests_materials_and_minutes(client, people, host):
    council = actions.add_slot(
        kind=Kind.objects.get(code="council"), host=host, start=_at(10, 15), seats=20
    )
    sign_in(client, people.alice)
    url = reverse("dialogues:manage_slot", args=[council.pk])
    client.post(
        reverse("dialogues:guests", args=[council.pk]),
        {"name": "世田谷 一郎", "affiliation": "区民会議"},
    )
    pdf = io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")
    pdf.name = "区のDX資料.pdf"
    assert client.post(url, {"action": "material", "file": pdf}).status_code == 302
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf")
    fake.name = "virus.pdf"
    assert client.post(url, {"action": "material", "file": fake}).status_code == 400
    script = io.BytesIO(b"<script>alert(1)</script>")
    script.name = "page.html"
    assert client.post(url, {"action": "material", "file": script}).status_code == 400
    client.post(url, {"action": "minutes", "minutes_text": "DX推進計画について意見交換した。"})

    council.refresh_from_db()
    assert council.minutes_text == "DX推進計画について意見交換した。"
    [material] = council.materials.all()
    assert material.name == "区のDX資料.pdf"
    page = client.get(url).text
    assert "世田谷 一郎" in page and "区民会議" in page and "区のDX資料.pdf" in page
    download = client.get(url + f"?material={material.pk}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert "attachment" in download["Content-Disposition"]

    sign_in(client, people.bob)
    assert client.get(url + f"?material={material.pk}").status_code == 403


def test_a_lunch_chat_has_no_guests(client, people, slot):
    sign_in(client, people.alice)
    response = client.post(reverse("dialogues:guests", args=[slot.pk]), {"name": "外部 太郎"})
    assert response.status_code == 404 and not slot.guests.exists()


# --- Director visits -------------------------------------------------------------------------


@pytest.fixture
def director(org):
    staff = make_staff(
        org,
        family="部長",
        given="一郎",
        family_kana="ブチョウ",
        given_kana="イチロウ",
        department=org.gak,
        position="DIR",
        work_email="director@city.example",
    )
    return make_user(staff)


def test_queue_every_director_schedule_a_visit_and_the_director_is_booked(
    client, people, host, director, smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    sign_in(client, people.alice)
    url = reverse("dialogues:directors")
    assert "queue_all" in client.get(url).text  # the empty list offers it
    client.post(url, {"action": "queue_all"})
    visit = DirectorVisit.objects.get()
    assert visit.director == director.staff and visit.year == directors.fiscal_year()
    assert "部長 一郎" in client.get(url).text

    start = _at(4, 10)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dialogues:schedule_visit", args=[visit.pk]),
            {"start": _local(start), "minutes": 30, "place": ""},
        )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED and visit.slot.start == start
    assert visit.slot.place == "学校教育部"
    assert actions.show(visit.slot)["confirmed"] == [director.staff.employee_number]
    [ical] = _calendar_parts(smtp, "director@city.example")
    assert "METHOD:REQUEST" in ical

    # The director proposes another time; one click moves the visit there.
    proposed = _at(5, 15)
    directors.propose(visit, proposed, by=director)
    assert "proposed" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dialogues:schedule_visit", args=[visit.pk]), {"action": "proposed"})
    visit.refresh_from_db()
    assert visit.slot.start == proposed and visit.slot.sequence == 1
    assert visit.proposed_start is None

    # Another time later moves the same slot: the director is not booked twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dialogues:schedule_visit", args=[visit.pk]),
            {"start": _local(_at(6, 9)), "minutes": 30},
        )
    visit.refresh_from_db()
    assert visit.slot.start == _at(6, 9) and Slot.objects.count() == 1

    client.post(reverse("dialogues:mark_visited", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.VISITED


def test_the_directors_list_follows_the_fiscal_year_picked(client, people, host, director):
    year = directors.fiscal_year()
    DirectorVisit.objects.create(host=host, director=director.staff, year=year - 1)
    sign_in(client, people.alice)
    url = reverse("dialogues:directors")
    assert "部長 一郎" not in client.get(url).text
    assert "部長 一郎" in client.get(url + f"?year={year - 1}").text


# --- Reach -----------------------------------------------------------------------------------


@pytest.fixture
def held(people, host, lunch):
    """One lunch chat yesterday with a group (Bob of 危機管理部, Carol of 総務部)."""
    slot = actions.add_slot(kind=lunch, host=host, start=_at(3), seats=6)
    actions.book(slot, people.bob.staff, members=[people.carol.staff])
    yesterday = timezone.now() - dt.timedelta(days=1)
    Slot.objects.filter(pk=slot.pk).update(start=yesterday)
    return directors.fiscal_year(yesterday)


def test_the_reach_page_shows_the_figures_chart_and_departments(client, people, held):
    sign_in(client, people.alice)
    page = client.get(reverse("dialogues:reach") + f"?year={held}").text
    assert 'data-testid="sessions">1<' in page
    assert 'data-testid="groups">1<' in page
    assert 'data-testid="people">2<' in page
    assert 'data-testid="departments">2 / 3<' in page
    assert 'data-testid="sites">1 / 3<' in page
    assert "<title" in page and "<desc" in page and 'class="dhost-bar"' in page
    assert "style=" not in page  # the CSP allows no inline style
    months = page.split('data-testid="by-month"')[1].split("</table>")[0]
    assert months.count("<tr>") == 13  # the head and April to March

    outreach = client.get(reverse("dialogues:reach") + f"?year={held}&department=SOM").text
    not_reached = outreach.split('data-testid="not-reached"')[1].split("</ul>")[0]
    assert "青木 愛" in not_reached and "加藤 花" not in not_reached
    assert "松井" not in not_reached  # has left


def test_the_reach_csv_in_cp932_and_utf8_with_a_bom(client, people, held):
    sign_in(client, people.alice)
    url = reverse("dialogues:reach_csv") + f"?year={held}"
    cp932 = client.get(url + "&encoding=cp932")
    assert "Windows-31J" in cp932["Content-Type"]
    rows = list(csv.reader(io.StringIO(cp932.content.decode("cp932"))))
    assert rows[0][:2] == ["部局コード", "部局"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["SOM"][1] == "総務部" and by_code["SOM"][3] == "1"
    assert by_code["KIK"][1] == "危機管理部" and by_code["KIK"][3] == "1"
    assert by_code["GAK"][3] == "0"
    utf8 = client.get(url)
    assert utf8.content.startswith("\ufeff".encode())
    assert "総務部" in utf8.content.decode("utf-8-sig")


def test_a_department_named_like_a_formula_is_neutralised_in_the_csv(client, people, held, org):
    org.gak.name = "=HYPERLINK(1)"
    org.gak.save(update_fields=["name"])
    sign_in(client, people.alice)
    text = client.get(reverse("dialogues:reach_csv") + f"?year={held}").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
