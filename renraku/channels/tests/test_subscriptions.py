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
