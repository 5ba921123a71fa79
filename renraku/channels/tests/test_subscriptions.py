import base64
import json

import pytest

from renraku.directory.models import PushSubscription
from renraku.testing import sign_in


def post(client, body):
    return client.post("/push/subscribe/", json.dumps(body), content_type="application/json")


def test_a_member_of_staff_registers_this_device(client, people, push_service):
    sign_in(client, people.alice)
    info = push_service.subscribe()
    assert post(client, info).status_code == 201
    saved = PushSubscription.objects.get()
    assert (saved.staff, saved.endpoint) == (people.alice.staff, info["endpoint"])
    assert post(client, info).status_code == 201  # again: still one
    assert PushSubscription.objects.count() == 1


def test_a_shared_device_moves_to_the_person_now_signed_in(client, people, push_service):
    info = push_service.subscribe()
    sign_in(client, people.alice)
    post(client, info)
    sign_in(client, people.bob)
    post(client, info)
    assert PushSubscription.objects.get().staff == people.bob.staff


@pytest.mark.parametrize(
    "endpoint, error",
    [
        ("https://evil.example/push/1", "not a known push service"),
        ("http://fcm.googleapis.com/fcm/send/x", "https"),
        ("https://169.254.169.254/latest/meta-data", "not a known push service"),
    ],
)
def test_endpoints_outside_the_known_push_services_are_refused(
    client, people, push_service, endpoint, error
):
    sign_in(client, people.alice)
    info = push_service.subscribe() | {"endpoint": endpoint}
    response = post(client, info)
    assert response.status_code == 400 and error in response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_malformed_keys_are_refused(client, people, push_service):
    sign_in(client, people.alice)
    info = push_service.subscribe()
    info["keys"]["p256dh"] = "AAAA"
    assert post(client, info).status_code == 400
    # The right length and prefix, but not a point on the curve.
    info["keys"]["p256dh"] = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode()
    assert post(client, info).status_code == 400
    assert post(client, {"nonsense": True}).status_code == 400


def test_signing_out_a_device(client, people, push_service):
    sign_in(client, people.alice)
    info = push_service.subscribe()
    post(client, info)
    client.post(
        "/push/unsubscribe/",
        json.dumps({"endpoint": info["endpoint"]}),
        content_type="application/json",
    )
    assert PushSubscription.objects.active().count() == 0


def test_registration_needs_sign_in_and_csrf(people, push_service):
    from django.test import Client

    info = push_service.subscribe()
    assert (
        Client()
        .post("/push/subscribe/", json.dumps(info), content_type="application/json")
        .status_code
        == 302
    )
    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, people.alice)
    assert (
        strict.post(
            "/push/subscribe/", json.dumps(info), content_type="application/json"
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda e: e + "\r\nX-Injected: 1", "printable ASCII"),
        (lambda e: e + "\nPOST /other HTTP/1.1", "printable ASCII"),
        (lambda e: e + " HTTP/1.0", "printable ASCII"),
        (lambda e: e + "\tx", "printable ASCII"),
        (lambda e: e + "\x00", "NUL"),  # refused before the view, as any JSON with a NUL
        (lambda e: e + "/プッシュ", "printable ASCII"),
        (lambda e: e + "/" + "a" * 1000, "at most 1000 characters"),
        (lambda e: e.replace("http://", "ftp://"), "https"),
        (lambda e: e.replace("http://", "http://user:secret@"), "user name"),
        (lambda e: e.replace("127.0.0.1:", "127.0.0.1:99999"), "not a port"),
        (lambda e: ["not", "text"], "string"),
        (lambda e: "https://user@fcm.googleapis.com/fcm/send/x", "user name"),
        (lambda e: "https://fcm.googleapis.com:6379/fcm/send/x", "https port"),
        (lambda e: "https://fcm.googleapis.com:0/fcm/send/x", "https port"),
    ],
)
def test_endpoints_that_could_not_be_sent_to_as_they_are_are_refused(
    client, people, push_service, change, error
):
    """The endpoint goes into a request line as it is: a CR LF there would let the
    subscriber write headers, or a request, of their own."""
    sign_in(client, people.alice)
    info = push_service.subscribe()
    info["endpoint"] = change(info["endpoint"])
    response = post(client, info)
    assert response.status_code == 400 and error in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "key, value, error",
    [
        ("p256dh", "A" * 150, "at most 100 characters"),
        ("auth", "A" * 40, "at most 32 characters"),
        ("p256dh", None, "string"),
        ("auth", 16, "string"),
    ],
)
def test_keys_are_capped_before_they_are_decoded(client, people, push_service, key, value, error):
    sign_in(client, people.alice)
    info = push_service.subscribe()
    info["keys"][key] = value
    response = post(client, info)
    assert response.status_code == 400 and error in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("key", ["p256dh", "auth"])
def test_a_key_with_characters_outside_base64url_is_refused(client, people, push_service, key):
    """The decoder alone would skip them and take the key: stored, and sent on, with them."""
    sign_in(client, people.alice)
    info = push_service.subscribe()
    value = info["keys"][key]
    info["keys"][key] = value[:10] + "\r\n\r\n" + value[10:]
    assert post(client, info).status_code == 400
    assert not PushSubscription.objects.exists()


def test_an_eleventh_device_retires_the_oldest(client, people, push_service):
    sign_in(client, people.alice)
    devices = [push_service.subscribe() for _ in range(11)]
    bobs = push_service.subscribe()
    PushSubscription.objects.create(
        staff=people.bob.staff,
        endpoint=bobs["endpoint"],
        p256dh=bobs["keys"]["p256dh"],
        auth=bobs["keys"]["auth"],
    )
    for info in devices:
        assert post(client, info).status_code == 201  # the newest is never refused
    active = PushSubscription.objects.active()
    mine = set(active.filter(staff=people.alice.staff).values_list("endpoint", flat=True))
    assert mine == {info["endpoint"] for info in devices[1:]}
    assert PushSubscription.objects.get(endpoint=devices[0]["endpoint"]).retired_at is not None
    assert active.filter(staff=people.bob.staff).count() == 1  # other people keep theirs
    # The old phone comes back: it is the one in hand now, and the next oldest gives way.
    assert post(client, devices[0]).status_code == 201
    assert PushSubscription.objects.get(endpoint=devices[0]["endpoint"]).retired_at is None
    assert PushSubscription.objects.get(endpoint=devices[1]["endpoint"]).retired_at is not None
    assert active.filter(staff=people.alice.staff).count() == 10


def test_a_body_larger_than_a_subscription_is_refused_unread(client, people, push_service):
    sign_in(client, people.alice)
    info = push_service.subscribe() | {"padding": "x" * 5000}
    assert post(client, info).status_code == 400
    assert not PushSubscription.objects.exists()
    response = client.post(
        "/push/unsubscribe/", json.dumps({"endpoint": "x" * 5000}), content_type="application/json"
    )
    assert response.status_code == 400


def test_json_nested_too_deep_is_a_bad_request(client, people, push_service):
    sign_in(client, people.alice)
    response = client.post("/push/subscribe/", "[" * 3000, content_type="application/json")
    assert response.status_code == 400
