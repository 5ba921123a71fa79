"""An alert's delivery funnel on its dashboard and the headquarters' view: per channel,
sent → accepted → shown on the device → read → answered, with first and median times."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.broadcast.actions import Draft
from renraku.notices.models import Recipient
from renraku.notices.tasks import sweep_deliveries
from renraku.testing import sign_in, subscribe_push


@pytest.fixture
def alert(people, push_service, smtp, send, client):
    """Pushed to Alice and Bob, who each have a device; e-mailed to the other three.
    Alice's phone says it showed it; Alice and Carol then answer."""
    alice = subscribe_push(people.alice.staff, push_service)
    subscribe_push(people.bob.staff, push_service)
    alert = send(
        Draft(
            title="震度5弱 安否確認",
            body="回答してください。",
            audience={"all": True},
            channels=["push", "email"],
            reply_form="safety",
        ),
        sender=people.bob,
    )
    [message] = push_service.messages(alice)
    assert client.post("/push/shown/", message["receipt"], "text/plain").status_code == 204
    sweep_deliveries()
    now = timezone.now()
    for person in (people.alice, people.carol):
        Recipient.objects.filter(notice=alert, staff=person.staff).update(
            read_at=now, answered_at=now, answer="safe"
        )
    return alert


def cell(html, channel, stage) -> str:
    return re.search(rf'data-testid="funnel-{channel}-{stage}">([^<]*)<', html).group(1)


def funnel_of(html) -> dict:
    return {
        (channel, stage): cell(html, channel, stage)
        for channel in ("push", "email")
        for stage in ("sent", "accepted", "shown", "read", "answered")
    }


EXPECTED = {
    ("push", "sent"): "2",
    ("push", "accepted"): "2",
    ("push", "shown"): "1",
    ("push", "read"): "1",
    ("push", "answered"): "1",
    ("email", "sent"): "3",
    ("email", "accepted"): "3",
    ("email", "shown"): "",  # e-mail cannot tell: a dash with its reason
    ("email", "read"): "1",
    ("email", "answered"): "1",
}


def test_the_dashboard_shows_each_channel_from_sent_to_answered(client, people, alert):
    sign_in(client, people.bob)
    html = client.get(reverse("broadcast:dashboard", args=[alert.pk])).content.decode()
    assert funnel_of(html) == EXPECTED
    assert 'data-testid="count-shown">1<' in html
    assert "経路ごとの到達状況" in html and "端末に表示" in html
    # Times after sending, as m:ss: everything here happened within the test's minute.
    push = html.split('data-testid="funnel-push"')[1].split("</table>")[0]
    assert re.findall(r"<td>(\d+:\d\d|—)</td>", push)[:2] == ["—", "—"]  # sent: no time
    assert all(re.fullmatch(r"\d+:\d\d", t) for t in re.findall(r"<td>([^<]*)</td>", push)[2:])


def test_the_headquarters_view_shows_the_funnel_to_who_sees_the_whole_ward(client, people, alert):
    sign_in(client, people.dave)
    html = client.get(reverse("broadcast:situation", args=[alert.pk])).content.decode()
    assert funnel_of(html) == EXPECTED


def test_a_department_administrator_sees_no_ward_wide_funnel(client, people, alert):
    sign_in(client, people.carol)
    response = client.get(reverse("broadcast:situation", args=[alert.pk]))
    assert response.status_code == 200
    assert 'data-testid="funnel"' not in response.content.decode()
