"""Web push against a push service stand-in that checks VAPID and decrypts every payload."""

import base64
import time

import pytest
from django.utils import timezone

from renraku.broadcast import links
from renraku.broadcast.actions import Draft
from renraku.channels import webpush
from renraku.directory.models import PushSubscription
from renraku.notices.models import Delivery
from renraku.notices.tasks import sweep_deliveries
from renraku.testing import subscribe_push as subscribe


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


def test_a_subscribed_person_gets_one_push_the_rest_email(people, push_service, smtp, send):
    alice = subscribe(people.alice.staff, push_service)
    alert = send(draft(), sender=people.bob)
    [message] = push_service.messages(alice)
    assert message["title"] == "震度5弱 安否確認" and message["body"] == "回答してください。"
    recipient = alert.recipients.get(staff=people.alice.staff)
    token = message["url"].rstrip("/").rsplit("/", 1)[1]  # timestamped: compare its meaning
    assert links.recipient_id_from(token) == recipient.pk
    assert (message["urgency"], message["ttl"]) == ("high", str(webpush.TTL_SECONDS))
    assert message["requireInteraction"] is True
    assert smtp.to("alice@city.example") == []  # push reached her: no e-mail on top
    assert len(smtp.messages) == 4
    assert push_service.rejected == []


def test_a_gone_subscription_is_retired_and_the_person_gets_email(people, push_service, smtp, send):
    for status in (404, 410):
        alice = subscribe(people.alice.staff, push_service)
        push_service.fail(alice, status)
        alert = send(draft(audience={"staff": [people.alice.username]}), sender=people.bob)
        assert PushSubscription.objects.get(endpoint=alice["endpoint"]).retired_at is not None
        deliveries = dict(
            Delivery.objects.filter(recipient__notice=alert).values_list("channel", "status")
        )
        assert deliveries == {"push": "permanent", "email": "sent"}
    assert len(smtp.to("alice@city.example")) == 2


def test_a_key_that_cannot_be_encrypted_to_fails_alone_and_falls_back(
    people, push_service, smtp, send
):
    alice = subscribe(people.alice.staff, push_service)
    bob = subscribe(people.bob.staff, push_service)
    # Stored before keys were checked on the curve: right length, not a point on it.
    PushSubscription.objects.filter(endpoint=bob["endpoint"]).update(
        p256dh=base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode()
    )
    alert = send(draft(), sender=people.bob)
    assert len(push_service.messages(alice)) == 1  # the same batch went out
    assert PushSubscription.objects.get(endpoint=bob["endpoint"]).retired_at is not None
    bobs = alert.recipients.get(staff=people.bob.staff)
    assert dict(bobs.deliveries.values_list("channel", "status")) == {
        "push": "permanent",
        "email": "sent",
    }


def test_an_endpoint_stored_with_a_line_break_is_retired_never_sent(
    people, push_service, smtp, send
):
    """Stored before registration checked its characters: CR LF would be written into the
    request line, a header of our choosing for whoever registered it."""
    alice = subscribe(people.alice.staff, push_service)
    bob = subscribe(people.bob.staff, push_service)
    PushSubscription.objects.filter(endpoint=bob["endpoint"]).update(
        endpoint=bob["endpoint"] + "\r\nX-Injected: 1"
    )
    alert = send(draft(), sender=people.bob)
    assert len(push_service.messages(alice)) == 1
    assert PushSubscription.objects.get(staff=people.bob.staff).retired_at is not None
    bobs = alert.recipients.get(staff=people.bob.staff)
    assert set(bobs.deliveries.values_list("channel", "status")) == {
        ("push", "permanent"),
        ("email", "sent"),
    }


def test_too_many_requests_is_retried_after_the_time_the_service_asks(
    people, push_service, smtp, send
):
    alice = subscribe(people.alice.staff, push_service)
    push_service.fail(alice, 429, retry_after="7")
    alert = send(draft(audience={"staff": [people.alice.username]}), sender=people.bob)
    delivery = Delivery.objects.get(recipient__notice=alert)
    assert delivery.status == "failed"
    wait = (delivery.not_before - timezone.now()).total_seconds()
    assert 5 < wait <= 7
    sweep_deliveries.call_local()
    assert push_service.messages(alice) == []  # not before its time
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())
    sweep_deliveries.call_local()
    assert len(push_service.messages(alice)) == 1
    assert smtp.messages == []


def test_a_server_error_is_retried_with_backoff(people, push_service, smtp, send):
    alice = subscribe(people.alice.staff, push_service)
    push_service.fail(alice, 503, times=2)
    alert = send(draft(audience={"staff": [people.alice.username]}), sender=people.bob)
    for _ in range(2):
        Delivery.objects.filter(recipient__notice=alert).update(not_before=timezone.now())
        sweep_deliveries.call_local()
    delivery = Delivery.objects.get(recipient__notice=alert)
    assert (delivery.status, delivery.tries) == ("sent", 2)
    assert len(push_service.messages(alice)) == 1


def test_every_device_of_a_person_gets_it(people, push_service, smtp, send):
    phone, tablet = (subscribe(people.alice.staff, push_service) for _ in range(2))
    push_service.fail(tablet, 410)
    send(draft(audience={"staff": [people.alice.username]}), sender=people.bob)
    assert len(push_service.messages(phone)) == 1
    assert smtp.messages == []  # one device accepted it: she is reached


def test_a_resend_of_the_same_alert_replaces_rather_than_repeats(people, push_service, smtp, send):
    alice = subscribe(people.alice.staff, push_service)
    alert = send(draft(audience={"staff": [people.alice.username]}), sender=people.bob)
    # The same delivery sent again (a worker died after the push, before recording it).
    Delivery.objects.filter(recipient__notice=alert).update(status="queued")
    sweep_deliveries.call_local()
    assert push_service._sub(alice).received == 2
    assert len(push_service.messages(alice)) == 1  # same Topic: one notification


def test_the_vapid_header_is_signed_once_per_push_service(vapid_key):
    first = webpush.vapid_headers("https://fcm.googleapis.com/fcm/send/abc")
    again = webpush.vapid_headers("https://fcm.googleapis.com/fcm/send/def")
    other = webpush.vapid_headers("https://updates.push.services.mozilla.com/wpush/v2/x")
    assert first is again
    assert other["Authorization"] != first["Authorization"]


def test_a_server_with_another_key_is_refused_and_falls_back(
    people, vapid_key, smtp, send, settings
):
    from renraku.channels.pushservice import PushService

    service = PushService("B" * 87).start()  # trusts some other application server
    try:
        alice = subscribe(people.alice.staff, service)
        send(draft(audience={"staff": [people.alice.username]}), sender=people.bob)
        assert service.rejected == ["unknown application server key"]
        assert service.messages(alice) == []
        assert len(smtp.to("alice@city.example")) == 1
    finally:
        service.stop()


def test_a_long_message_is_cut_to_fit_a_push(people, push_service, smtp, send):
    alice = subscribe(people.alice.staff, push_service)
    send(draft(body="長" * 3000, audience={"staff": [people.alice.username]}), sender=people.bob)
    [message] = push_service.messages(alice)
    assert message["body"].endswith("…") and len(message["body"]) < 3000


def test_text_that_mimics_the_link_field_does_not_displace_the_link(people, push_service, send):
    alice = subscribe(people.alice.staff, push_service)
    tricky = '"url": "\\u0000" "url": "/a/forged/"'
    alert = send(
        draft(title=tricky, body=tricky, audience={"staff": [people.alice.username]}),
        sender=people.bob,
    )
    [message] = push_service.messages(alice)
    assert (message["title"], message["body"]) == (tricky, tricky)
    token = message["url"].rstrip("/").rsplit("/", 1)[1]
    assert links.recipient_id_from(token) == alert.recipients.get().pk


@pytest.mark.parametrize("value, seconds", [("30", 30.0), (None, None), ("soon", None)])
def test_retry_after_in_seconds(value, seconds):
    assert webpush.retry_after(value) == seconds


def test_retry_after_as_a_date():
    from email.utils import formatdate

    assert 55 < webpush.retry_after(formatdate(time.time() + 60, usegmt=True)) <= 60


# RFC 8291 §5, "Push Message Encryption Example": the keys, salt and the exact body.
RFC8291 = {
    "plaintext": b"When I grow up, I want to be a watermelon",
    "as_private": "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
    "ua_private": "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
    "ua_public": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SR"
    "pkNtoIAiw4",
    "auth": "BTBZMqHH6r4Tts7J_aSIgg",
    "salt": "DGv6ra1nlYgDCS1FRnbzlw",
    "body": "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocIn"
    "mYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQex"
    "SgSxsj_Qulcy4a-fN",
}


def _private(b64: str):
    from cryptography.hazmat.primitives.asymmetric import ec

    from renraku.channels.pushservice import b64d

    return ec.derive_private_key(int.from_bytes(b64d(b64), "big"), ec.SECP256R1())


def test_our_encryption_gives_the_rfcs_example_byte_for_byte():
    from renraku.channels.pushservice import b64d, b64e

    body = webpush.encrypt(
        RFC8291["plaintext"],
        RFC8291["ua_public"],
        RFC8291["auth"],
        ephemeral=_private(RFC8291["as_private"]),
        salt=b64d(RFC8291["salt"]),
    )
    assert b64e(body) == RFC8291["body"]


def test_the_stand_in_decrypts_the_rfcs_example():
    from renraku.channels.pushservice import b64d, decrypt_aes128gcm

    body = b64d(RFC8291["body"])
    plain = decrypt_aes128gcm(body, _private(RFC8291["ua_private"]), b64d(RFC8291["auth"]))
    assert plain == RFC8291["plaintext"]
