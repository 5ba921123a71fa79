"""The dialogues in Chromium, on a 390 px phone: a member of staff signs up for a lunch
chat from the home page in a few taps, sees it confirmed and cancels it; the staff pages
pass axe-core.

Names in the page are matched in English or Japanese: the new strings are English until
their translations are merged."""

# The browser fixtures are imported here (as bulletin/tests/conftest.py does) rather than in
# this folder's conftest.py, which the host pages' tests share; tests then name them.

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from renraku.dialogues import actions
from renraku.dialogues.models import Booking, BookingStatus, Concern, Host, Kind
from renraku.testing import make_org, make_people
from renraku.web.tests.conftest import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def slot(committed_db):
    """A lunch chat hosted by Dave in five days, six seats. The kinds are made again: a
    committed test's flush empties the rows the migration made."""
    people = make_people(make_org())
    lunch, _ = Kind.objects.get_or_create(
        code="lunch",
        defaults={
            "name": "お昼ザツダン",
            "description": "昼休みに副区長と雑談します。",
            "default_seats": 6,
            "is_break_time": True,
            "order": 1,
        },
    )
    host = Host.objects.create(staff=people.dave.staff)
    host.kinds.add(lunch)
    day = (timezone.now() + dt.timedelta(days=5)).astimezone(actions.TOKYO).date()
    start = dt.datetime.combine(day, dt.time(12, 0), tzinfo=actions.TOKYO)
    made = actions.add_slot(kind=lunch, host=host, start=start, seats=6, place="本庁舎 第1会議室")
    return made, people


def signed_in(browser, server_url, user):
    """A phone-sized page signed in as `user` (staff have no second factor to pass)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page = browser.new_context(base_url=server_url, locale="ja-JP", viewport=PHONE).new_page()
    page.set_default_timeout(10_000)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": server_url}]
    )
    return page


def test_staff_sign_up_for_a_lunch_chat_from_the_home_page_and_cancel_it(browser, server_url, slot):
    slot, people = slot
    alice = signed_in(browser, server_url, people.alice)
    alice.goto("/")
    home = alice.get_by_test_id("dialogues")
    home.get_by_role("link", name=re.compile("お昼ザツダン")).click()  # tap 1
    expect(alice.get_by_role("heading", name=re.compile("お昼ザツダン"))).to_be_visible()
    expect(alice.get_by_test_id("rules")).to_contain_text(re.compile("休憩時間|break time"))
    alice.get_by_role("button", name=re.compile("^(Book|申し込む)$")).click()  # tap 2

    status = alice.get_by_test_id("booking-status")
    expect(status).to_contain_text(re.compile("Confirmed|参加確定"))
    assert Booking.objects.get(slot=slot).status == BookingStatus.CONFIRMED
    alice.goto("/")
    expect(alice.get_by_test_id("my-next-booking")).to_contain_text("お昼ザツダン")

    alice.get_by_test_id("my-next-booking").get_by_role("link").click()
    alice.get_by_role("button", name=re.compile("Cancel this booking|取り消す")).click()
    expect(alice.get_by_test_id("book-form")).to_be_visible()
    expect(alice.get_by_test_id("my-booking")).to_have_count(0)
    assert Booking.objects.get(slot=slot).status == BookingStatus.CANCELLED
    alice.context.close()


def test_the_staff_pages_pass_axe(browser, server_url, slot):
    slot, people = slot
    actions.book(slot, people.carol.staff)
    Concern.objects.create(
        slot=slot, text="出張申請の押印が多い", topic="手続き", published_at=timezone.now()
    )
    alice = signed_in(browser, server_url, people.alice)
    for path in (
        "/dialogues/",
        f"/dialogues/slots/{slot.pk}/",
        f"/dialogues/slots/{slot.pk}/?q=かとう",  # the colleague search's results
        "/dialogues/concerns/",
        "/dialogues/calendar/",
    ):
        alice.goto(path)
        assert_accessible(alice)
    # Booked: the slot page with the booking and its cancel button, and "mine".
    actions.book(slot, people.alice.staff)
    for path in (f"/dialogues/slots/{slot.pk}/", "/dialogues/mine/"):
        alice.goto(path)
        assert_accessible(alice)
    # The calendar page showing a new address once.
    alice.goto("/dialogues/calendar/")
    alice.get_by_role("button").filter(has_text=re.compile("address|アドレス")).click()
    expect(alice.get_by_test_id("feed-url")).to_be_visible()
    assert_accessible(alice)
    alice.context.close()
