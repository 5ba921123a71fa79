"""A display receipt end to end, in Chromium: the page registers the service worker; the
person's device is subscribed at the push-service stand-in (which checks the server's
VAPID token and decrypts the alert); the alert goes out; the stand-in's plaintext is
delivered to the service worker through DevTools (Chromium cannot take a push from a
loopback push service), which shows it and posts its receipt; the server folds it in and
the sender's dashboard says one person's device showed it."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from renraku.broadcast.actions import Draft, send_alert
from renraku.notices.models import Recipient
from renraku.notices.tasks import fold_receipts
from renraku.testing import PASSWORD, make_org, make_people, subscribe_push
from renraku.web.tests.browsing import assert_accessible, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def ward(committed_db):
    return make_people(make_org())


def in_a_thread(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    finally:
        connections.close_all()  # this thread's own, or the test database stays open


def test_the_service_worker_confirms_the_push_and_the_dashboard_counts_it(
    page, browser, server_url, ward, push_service
):
    page.context.grant_permissions(["notifications"], origin=server_url)
    page.goto("/accounts/login/")
    page.get_by_label("職員番号またはメールアドレス").fill(ward.alice.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("heading", name="この端末での緊急連絡")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready")

    # The device's subscription, at the stand-in. Stored directly: the server (rightly)
    # refuses to register a push service on loopback, and Chromium's own push service is
    # Google's, which this machine cannot reach.
    device = subscribe_push(ward.alice.staff, push_service)

    # Sent from another thread: the push channel runs its own event loop, and Playwright's
    # is running in this one.
    with ThreadPoolExecutor(1) as pool:
        alert = pool.submit(
            in_a_thread,
            send_alert,
            Draft(
                title="震度5弱 安否確認",
                body="回答してください。",
                audience={"staff": [ward.alice.username, ward.carol.username]},
                channels=["push", "email"],
                reply_form="safety",
                severity="emergency",
            ),
            sender=ward.bob,
        ).result()
    assert push_service.rejected == []
    [message] = push_service.messages(device)  # decrypted, as the phone would have it
    plaintext = json.dumps({k: v for k, v in message.items() if k not in ("urgency", "ttl")})
    alice = Recipient.objects.get(notice=alert, staff=ward.alice.staff)

    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    # The last hop, as the push service would make it (again every two seconds until the
    # receipt arrives: on a loaded machine the worker may still be starting; the tag makes a
    # repeat replace the notification, and a repeated receipt changes nothing).
    last_sent = -20
    for attempt in range(300):
        ours = [
            r for r in registrations if r["scopeURL"] == f"{server_url}/" and not r["isDeleted"]
        ]
        if ours and attempt - last_sent >= 20:
            last_sent = attempt
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": server_url,
                    "registrationId": ours[-1]["registrationId"],
                    "data": plaintext,
                },
            )
        fold_receipts()  # what the task worker does every few seconds
        alice.refresh_from_db()
        if alice.shown_at is not None:
            break
        page.wait_for_timeout(100)
    assert alice.shown_at is not None, "the service worker's receipt never arrived"
    assert alice.deliveries.get(channel="push").shown_at == alice.shown_at

    sender = signed_in_page(browser, server_url, ward.bob)
    sender.goto(f"/alerts/{alert.pk}/")
    expect(sender.get_by_test_id("count-shown")).to_have_text("1")
    expect(sender.get_by_test_id("funnel-push-shown")).to_have_text("1")
    expect(sender.get_by_test_id("funnel-push-accepted")).to_have_text("1")
    expect(sender.get_by_test_id("funnel-email-accepted")).to_have_text("1")  # Carol
    assert_accessible(sender)
    sender.context.close()
