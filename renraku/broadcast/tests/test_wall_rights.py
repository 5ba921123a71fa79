"""A display link shows figures on its maker's authority, asked again on every use: it stops
when the maker's account is deactivated, demoted or narrowed. Lives come first: a live
alert's department-head links and its escalation keep going whoever sent it."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.accounts.models import Role
from renraku.broadcast.actions import Draft, close_alert
from renraku.broadcast.models import Alert, DisplayLink, EscalationRun
from renraku.broadcast.tasks import run_escalations
from renraku.testing import make_staff, make_user, sign_in

MAKER_GONE = "この表示用リンクを作成した人は、この状況を表示する権限がなくなりました"


def draft(**kw):
    return Draft(
        **{
            "title": "震度6弱 安否確認",
            "body": "安否を",
            "audience": {"all": True},
            "channels": ["email"],
            "reply_form": "safety",
        }
        | kw
    )


def make_link(client, alert) -> str:
    response = client.post(reverse("broadcast:display_create", args=[alert.pk]), {})
    assert response.status_code == 200
    url = re.search(r'data-testid="new-link-url">([^<]+)<', response.content.decode())[1]
    return "/" + url.split("//", 1)[1].split("/", 1)[1]


def assert_stopped(client, path):
    for url in (path, f"{path}live/"):
        response = client.get(url)
        assert response.status_code == 410, url
        assert MAKER_GONE in response.content.decode()
        assert 'data-testid="wall-answered"' not in response.content.decode()


@pytest.fixture
def wall(client, people, send, smtp):
    alert = send(draft(), sender=people.bob)
    path = make_link(sign_in(client, people.bob), alert)
    client.logout()
    assert client.get(path).status_code == 200
    return alert, path


def test_a_wall_link_stops_once_its_makers_account_is_deactivated(client, people, wall):
    _alert, path = wall
    people.bob.is_active = False
    people.bob.save(update_fields=["is_active"])
    assert_stopped(client, path)


def test_a_wall_link_stops_once_its_maker_is_no_longer_a_sender(client, people, wall):
    _alert, path = wall
    people.bob.role = Role.STAFF
    people.bob.save(update_fields=["role"])
    assert_stopped(client, path)
    people.bob.role = Role.SENDER  # given back: it shows again (it was never revoked)
    people.bob.save(update_fields=["role"])
    assert client.get(f"{path}live/").status_code == 200


def test_a_scoped_makers_link_stops_when_the_department_leaves_their_scope(
    client, people, org, send, smtp
):
    sam = make_user(
        make_staff(org, family="佐藤", given="三郎", family_kana="サトウ", given_kana="サブロウ"),
        Role.SENDER,
    )
    sam.scope_departments.add(org.som)
    alert = send(draft(audience={"departments": ["SOM"]}), sender=people.bob)
    path = make_link(sign_in(client, sam), alert)
    client.logout()
    assert client.get(path).status_code == 200
    sam.scope_departments.clear()
    assert_stopped(client, path)


def test_department_heads_links_to_a_live_alert_keep_going_after_the_sender_left(
    client, people, org, send, smtp
):
    make_staff(org, family="総務", given="部長", position="DIR", number="900101")
    alert = send(draft(), sender=people.bob)
    sign_in(client, people.bob)
    assert client.post(reverse("broadcast:display_send_heads", args=[alert.pk])).status_code == 302
    client.logout()
    notice = Alert.objects.get(parent=alert, source="department_link")
    path = re.search(r"https?://[^/\s]+(/wall/[^/\s]+/)", notice.body)[1]
    people.bob.is_active = False  # the sender has left
    people.bob.save(update_fields=["is_active"])
    assert client.get(path).status_code == 200
    assert client.get(f"{path}live/").status_code == 200
    close_alert(alert)  # no longer live: the maker's rights count again
    assert client.get(f"{path}live/").status_code == 410
    assert DisplayLink.objects.get().revoked_at is None


def test_a_live_alerts_escalation_keeps_going_after_its_sender_left(people, send, smtp):
    steps = [{"after_minutes": 5, "action": "channel", "channel": "email"}]
    alert = send(draft(escalation=steps), sender=people.bob)
    people.bob.is_active = False
    people.bob.save(update_fields=["is_active"])
    Alert.objects.filter(pk=alert.pk).update(issued_at=timezone.now() - dt.timedelta(minutes=6))
    run_escalations.call_local()
    assert EscalationRun.objects.filter(alert=alert).count() == 1
    assert len(smtp.to("alice@city.example")) == 2
