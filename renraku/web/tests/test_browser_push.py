"""Push in a real browser: the page registers the service worker and a subscription; a push
delivered to the service worker (DevTools' ServiceWorker.deliverPushMessage, as the push
service would) shows the notification; its click opens the alert; one tap answers."""

import json

import pytest
from playwright.sync_api import expect

from renraku.broadcast import links
from renraku.broadcast.actions import Draft, send_alert
from renraku.broadcast.messages import message_of
from renraku.channels.webpush import payload
from renraku.notices.models import Recipient
from renraku.testing import PASSWORD, make_org, make_people

pytestmark = pytest.mark.browser


@pytest.fixture
def ward(committed_db):
    return make_people(make_org())


def test_push_reaches_the_service_worker_and_opens_the_alert(
    page, server_url, ward, tasks_run_at_once
):
    page.context.grant_permissions(["notifications"], origin=server_url)
    page.goto("/accounts/login/")
    page.get_by_label("職員番号またはメールアドレス").fill(ward.alice.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("heading", name="この端末での緊急連絡")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready")

    # The page asks Chromium for a subscription. Chromium's own push service is Google's,
    # which this machine cannot reach, so the answer may be an error shown to the person;
    # either way the page must say something and not hang.
    page.get_by_role("button", name="この端末で受け取る").click()
    expect(page.locator("#push-state")).not_to_have_text(
        "renraku を閉じていても、この端末に緊急連絡を表示できます。"
    )

    alert = send_alert(
        Draft(
            title="震度5弱 安否確認",
            body="回答してください。",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
            severity="emergency",
        ),
        sender=ward.bob,
    )
    alice = Recipient.objects.get(notice=alert, staff=ward.alice.staff)

    cdp = page.context.new_cdp_session(page)
    registrations, errors = [], []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.on("ServiceWorker.workerErrorReported", lambda event: errors.append(event))
    cdp.send("ServiceWorker.enable")

    # Delivered as a push service would: to the newest live registration for our scope, and
    # again every two seconds until the worker shows it (a real push service retries too; on
    # a loaded machine the worker may still be starting). The tag makes a repeat replace,
    # not add, a notification.
    # Notifications are polled from the page: wait_for_function would take an async
    # function's Promise as an immediate "true".
    shown, last_sent = None, -20
    for attempt in range(200):
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
                    "data": payload(message_of(alert), alice.pk).decode(),
                },
            )
        shown = page.evaluate("""async () => {
            const reg = await navigator.serviceWorker.ready;
            const shown = await reg.getNotifications();
            return shown.length ? shown.map(n => [n.title, n.body, n.data.url, n.tag]) : null;
        }""")
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown, f"no notification; registrations {registrations}, worker errors {errors}"
    [(title, body, url, tag)] = shown
    assert (title, body, tag) == ("震度5弱 安否確認", "回答してください。", f"alert-{alert.pk}")
    # The link is Alice's own (its token is timestamped, so compare what it stands for).
    assert links.recipient_id_from(url.rstrip("/").rsplit("/", 1)[1]) == alice.pk

    # A tap on the notification: the worker's click handler opens the alert's page.
    worker = page.context.service_workers[0]
    opened = worker.evaluate("""async () => {
        const [notification] = await self.registration.getNotifications();
        let opened = null;
        clients.openWindow = async (target) => { opened = target; return null; };
        const event = new NotificationEvent("notificationclick", {notification});
        let settled = Promise.resolve();
        event.waitUntil = (promise) => { settled = promise; };
        self.dispatchEvent(event);
        await settled;
        return opened;
    }""")
    assert opened == url

    page.goto(url.removeprefix("http://127.0.0.1:8000"))
    page.get_by_role("button", name="無事").click()
    expect(page.get_by_test_id("answered")).to_have_text("あなたの回答：無事")
    alice.refresh_from_db()
    assert alice.answer == "safe"
    assert json.loads(payload(message_of(alert), alice.pk))["requireInteraction"] is True
