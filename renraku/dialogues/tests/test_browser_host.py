"""The hosts' pages in Chromium pass axe-core: the dashboard, a slot with its people,
concerns and notes, the director visits with a proposal, and the reach with its chart and
the outreach list — for a host who is ordinary staff (no second factor) and for an
administrator picking a host."""

import datetime as dt

import pytest
from django.utils import timezone

from renraku.bulletin.tests.test_browser_bulletin import signed_in
from renraku.dialogues import actions, directors
from renraku.dialogues.models import Concern, DirectorVisit, Host, Kind, Slot
from renraku.testing import make_org, make_people, make_staff
from renraku.web.tests.conftest import assert_accessible

pytestmark = pytest.mark.browser


def _kind(code, name, **rules):
    # Between committed tests every table is emptied, the kinds the migration made too.
    return Kind.objects.get_or_create(code=code, defaults={"name": name, **rules})[0]


@pytest.fixture
def ward(committed_db):
    org = make_org()
    people = make_people(org)
    lunch = _kind("lunch", "お昼ザツダン", default_seats=6, is_break_time=True)
    visit_kind = _kind("director_visit", "部長のお部屋訪問", open_signup=False, default_seats=1)
    host = Host.objects.create(staff=people.alice.staff, visits_directors=True)
    host.kinds.set([lunch, visit_kind])
    start = timezone.now() + dt.timedelta(days=5)
    slot = actions.add_slot(kind=lunch, host=host, start=start, seats=2, place="第1会議室")
    actions.book(slot, people.bob.staff, topic="庁内の会議を減らしたい")
    actions.book(slot, people.carol.staff, members=[people.erin.staff])  # waits
    Concern.objects.create(slot=slot, text="紙の決裁が多い", topic="働き方")
    held = actions.add_slot(kind=lunch, host=host, start=start + dt.timedelta(days=1), seats=6)
    actions.book(held, people.dave.staff)
    Slot.objects.filter(pk=held.pk).update(start=timezone.now() - dt.timedelta(hours=3))
    for n, family in enumerate(["部長", "局長"]):
        make_staff(
            org,
            family=family,
            given="一郎",
            family_kana="ブチョウ",
            given_kana="イチロウ",
            department=org.gak,
            position="DIR",
            number=f"90000{n}",
        )
    directors.queue_all(host)
    first = DirectorVisit.objects.order_by("pk").first()
    directors.schedule(first, start + dt.timedelta(days=2))
    first.proposed_start = start + dt.timedelta(days=3)
    first.save(update_fields=["proposed_start"])
    return people, slot


def test_the_hosts_pages_pass_axe(browser, server_url, ward):
    people, slot = ward
    alice = signed_in(browser, server_url, people.alice)  # a host who is ordinary staff
    alice.set_viewport_size({"width": 390, "height": 844})
    for path in (
        "/dialogues/host/",
        f"/dialogues/host/slots/{slot.pk}/",
        "/dialogues/host/directors/",
        "/dialogues/host/reach/?department=SOM",
    ):
        response = alice.goto(path)
        assert response.status == 200, path
        assert_accessible(alice)
    alice.context.close()

    dave = signed_in(browser, server_url, people.dave)  # an administrator, with the picker
    dave.set_viewport_size({"width": 390, "height": 844})
    for path in ("/dialogues/host/", "/dialogues/host/reach/"):
        response = dave.goto(path)
        assert response.status == 200, path
        assert_accessible(dave)
    dave.context.close()
