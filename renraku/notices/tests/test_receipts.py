"""Display receipts: a push carries a signed token; the device's service worker posts it
back once the notification is shown; the server keeps it without a session, refuses what
it did not sign, and an alert's push that no device showed in time moves the person to the
alert's next channel, once.

The receipt endpoint takes no session (the service worker sends no cookies): the token is
its only credential, so "who may use it" is "whoever holds a token", tested here."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from renraku.broadcast.actions import Draft
from renraku.directory.models import PushSubscription, Staff
from renraku.notices import pipeline
from renraku.notices.models import Delivery, Receipt, Recipient
from renraku.notices.planning import NOT_SHOWN
from renraku.notices.tasks import sweep_deliveries
from renraku.testing import subscribe_push

RECEIPT_URL = "/push/shown/"


def draft(**kw):
    return Draft(
        **(
            {
                "title": "震度5弱 安否確認",
                "body": "回答してください。",
                "audience": {"all": True},
                "channels": ["push", "email"],
                "reply_form": "safety",
                "severity": "emergency",
            }
            | kw
        )
    )


def status_json(alert) -> dict:
    out = StringIO()
    call_command("alert", "status", str(alert.pk), "--json", stdout=out)
    return json.loads(out.getvalue())


def post_receipt(client, token):
    return client.post(RECEIPT_URL, data=token, content_type="text/plain")


@pytest.fixture
def pushed(people, push_service, smtp, send):
    """An alert pushed to Alice and Bob (a device each, at the stand-in); the others by
    e-mail."""
    devices = {
        name: subscribe_push(getattr(people, name).staff, push_service) for name in ("alice", "bob")
    }
    alert = send(draft(), sender=people.bob)
    return alert, devices


def receipt_of(push_service, device) -> str:
    [message] = push_service.messages(device)
    return message["receipt"]


def test_a_receipt_from_the_device_marks_the_alert_shown(client, people, push_service, pushed):
    alert, devices = pushed
    assert status_json(alert)["shown"] == 0
    response = post_receipt(client, receipt_of(push_service, devices["alice"]))
    assert response.status_code == 204
    assert not client.cookies  # no session was made for it
    sweep_deliveries()  # the task worker folds what came in

    alice = Recipient.objects.get(notice=alert, staff=people.alice.staff)
    assert alice.shown_at is not None
    assert alice.deliveries.get(channel="push").shown_at == alice.shown_at
    device = PushSubscription.objects.get(endpoint=devices["alice"]["endpoint"])
    assert device.last_shown_at == alice.shown_at
    assert Recipient.objects.get(notice=alert, staff=people.bob.staff).shown_at is None
    assert status_json(alert)["shown"] == 1
    assert Receipt.objects.count() == 0  # folded, not kept


def test_the_same_receipt_twice_keeps_the_first_time(client, people, push_service, pushed):
    alert, devices = pushed
    token = receipt_of(push_service, devices["alice"])
    assert post_receipt(client, token).status_code == 204
    sweep_deliveries()
    alices = Recipient.objects.filter(notice=alert, staff=people.alice.staff)
    first = alices.get().shown_at
    alices.update(shown_at=first.replace(year=first.year - 1))
    assert post_receipt(client, token).status_code == 204
    sweep_deliveries()
    # The recipient's first receipt stays; the device's latest moves on.
    assert Recipient.objects.get(notice=alert, staff=people.alice.staff).shown_at.year == (
        first.year - 1
    )
    assert status_json(alert)["shown"] == 1


@pytest.mark.parametrize(
    "tamper, status",
    [
        # Alice's token made to name Bob's delivery: its MAC does not cover that.
        ("other_delivery", 403),
        ("other_subscription", 403),
        ("forged_mac", 403),
        ("not_a_token", 400),
        ("too_long", 400),
    ],
)
def test_a_forged_or_altered_receipt_is_refused_and_changes_nothing(
    client, people, push_service, pushed, tamper, status
):
    alert, devices = pushed
    token = receipt_of(push_service, devices["alice"])
    delivery_id, subscription_id, mac = token.split(".")
    bobs = Delivery.objects.get(recipient__notice=alert, recipient__staff=people.bob.staff)
    bob_device = PushSubscription.objects.get(endpoint=devices["bob"]["endpoint"])
    crafted = {
        "other_delivery": f"{bobs.pk}.{subscription_id}.{mac}",
        "other_subscription": f"{delivery_id}.{bob_device.pk}.{mac}",
        "forged_mac": f"{delivery_id}.{subscription_id}.{'A' * 22}",
        "not_a_token": "２.1.x",
        "too_long": token + "x" * 300,
    }[tamper]
    response = post_receipt(client, crafted)
    assert response.status_code == status
    assert response.json()["error"]  # said, in the person's language
    sweep_deliveries()
    assert Receipt.objects.count() == 0
    assert status_json(alert)["shown"] == 0
    assert not Delivery.objects.filter(shown_at__isnull=False).exists()
    assert not PushSubscription.objects.filter(last_shown_at__isnull=False).exists()


def test_the_refusal_is_in_japanese(client, pushed):
    response = post_receipt(client, "1.1." + "A" * 22)
    assert response.status_code == 403
    assert response.json()["error"] == "この表示確認は、このサーバーが発行したものではありません。"


def test_a_receipt_is_only_posted(client, db):
    assert client.get(RECEIPT_URL).status_code == 405


def test_a_push_not_shown_in_time_moves_to_the_next_channel_once(
    client, people, push_service, smtp, pushed, settings
):
    alert, devices = pushed
    post_receipt(client, receipt_of(push_service, devices["alice"]))
    before = len(smtp.messages)
    sweep_deliveries()  # within the time: nothing moves
    assert len(smtp.messages) == before

    settings.PUSH_SHOWN_WITHIN_SECONDS = 0  # the few minutes have passed
    sweep_deliveries()
    # Bob's phone never said it showed the alert: he is e-mailed; Alice's did: she is not.
    assert len(smtp.to("bob@city.example")) == 1
    assert smtp.to("alice@city.example") == []
    bobs = Recipient.objects.get(notice=alert, staff=people.bob.staff)
    assert dict(bobs.deliveries.values_list("channel", "status")) == {
        "push": "sent",
        "email": "sent",
    }
    assert bobs.deliveries.get(channel="push").error == NOT_SHOWN
    sweep_deliveries()
    assert len(smtp.to("bob@city.example")) == 1  # once


def test_no_fallback_for_those_who_answered_or_read(people, push_service, smtp, pushed, settings):
    alert, _devices = pushed
    Recipient.objects.filter(notice=alert, staff=people.alice.staff).update(
        answered_at=timezone.now(), answer="safe"
    )
    Recipient.objects.filter(notice=alert, staff=people.bob.staff).update(read_at=timezone.now())
    settings.PUSH_SHOWN_WITHIN_SECONDS = 0
    before = len(smtp.messages)
    sweep_deliveries()
    assert len(smtp.messages) == before


def test_an_everyday_notice_does_not_fall_back_for_want_of_a_receipt(
    people, push_service, smtp, settings, django_capture_on_commit_callbacks, letter
):
    subscribe_push(people.alice.staff, push_service)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.issue(
            letter(channel_order=["push", "email"]), Staff.objects.filter(pk=people.alice.staff.pk)
        )
    settings.PUSH_SHOWN_WITHIN_SECONDS = 0
    sweep_deliveries()
    assert smtp.to("alice@city.example") == []


def test_a_replayed_receipt_writes_nothing_once_it_is_folded(client, people, push_service, pushed):
    """One valid token posted again and again (a script, or an old token resent to keep a
    silent device looking alive) cannot fill the buffer nor move the device's last proof."""
    _alert, devices = pushed
    token = receipt_of(push_service, devices["alice"])
    assert post_receipt(client, token).status_code == 204
    sweep_deliveries()
    device = PushSubscription.objects.get(endpoint=devices["alice"]["endpoint"])
    proven = device.last_shown_at
    PushSubscription.objects.filter(pk=device.pk).update(last_shown_at=proven.replace(year=2000))
    for _ in range(50):
        assert post_receipt(client, token).status_code == 204
    assert Receipt.objects.count() == 0
    sweep_deliveries()
    assert PushSubscription.objects.get(pk=device.pk).last_shown_at.year == 2000


def test_a_signed_receipt_for_no_delivery_writes_nothing(client, people, push_service, pushed):
    _alert, devices = pushed
    device = PushSubscription.objects.get(endpoint=devices["alice"]["endpoint"])
    from renraku.channels.receipts import sign

    assert post_receipt(client, sign(987654321, device.pk)).status_code == 204
    assert Receipt.objects.count() == 0
