"""`renraku demo-devices`: the demo ward's phones. Its devices' pushes are taken by a push
service on loopback that checks and decrypts them; the phones that showed notices lately
show this one too and say so, the silent ones show nothing, and the alert's dashboard
fills as on a real day, the silent people moving to e-mail."""

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from renraku.accounts.models import User
from renraku.broadcast.actions import Draft
from renraku.channels.testing import free_port
from renraku.directory.models import PushSubscription
from renraku.notices import planning
from renraku.notices.models import Delivery, Recipient
from renraku.notices.tasks import fold_receipts
from renraku.readiness.demo import demo_endpoint_prefix, device_keys
from renraku.testing import sign_in

DEPARTMENT = "KYS"  # one of the demo ward's departments with both kinds of device
SENDER = "900002"  # the demo's sender


def start_devices(port: int, server: str):
    """`renraku demo-devices` in its own process, trusting this test's VAPID key and
    sending receipts to `server`, once it answers."""
    command = ["demo-devices", "--port", str(port), "--delay", "0", "0.5"]
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "renraku.cli", *command],
        env={
            **os.environ,
            "RENRAKU_BASE_URL": server,
            "RENRAKU_VAPID_KEY_FILE": str(django_settings.VAPID_PRIVATE_KEY_FILE),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=1):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                said = process.stderr.read().decode()[-2000:]
                raise RuntimeError(f"demo-devices did not start: {said}") from None
            time.sleep(0.1)


def poll(condition, seconds: float = 60):
    """Wait for `condition` (the task worker's fold, here in the test's process)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "no display receipts in time"
        fold_receipts.call_local()
        time.sleep(0.2)


def test_the_demo_wards_phones_show_an_alert_and_the_dashboard_fills(
    committed_db, vapid_key, server_url, monkeypatch, tasks_run_at_once, send, client
):
    port = free_port()
    monkeypatch.setenv("RENRAKU_DEMO_PUSH_PORT", str(port))
    call_command("seed_demo", "--staff", 1_000, stdout=io.StringIO())
    devices = PushSubscription.objects.active().filter(staff__department__code=DEPARTMENT)
    recent = timezone.now() - dt.timedelta(days=30)
    showing = set(devices.filter(last_shown_at__gte=recent).values_list("staff_id", flat=True))
    silent = set(devices.values_list("staff_id", flat=True)) - showing
    assert len(showing) > 5 and silent  # both kinds, or the test proves little

    process = start_devices(port, server_url)
    sending = timezone.now().replace(microsecond=0)  # receipts are kept to the second
    try:
        alert = send(
            Draft(
                title="震度6弱 安否確認",
                body="回答してください。",
                audience={"departments": [DEPARTMENT]},
                channels=["push", "email"],
                reply_form="safety",
            ),
            sender=User.objects.get(username=SENDER),
        )
        pushes = Delivery.objects.filter(recipient__notice=alert, channel="push")
        # Every push taken by the push service at once: none left sending or retrying.
        assert pushes.count() == len(showing) + len(silent)
        assert set(pushes.values_list("status", flat=True)) == {Delivery.Status.SENT}

        shown = Recipient.objects.filter(notice=alert, shown_at__isnull=False)
        poll(lambda: shown.count() >= len(showing))
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert set(shown.values_list("staff_id", flat=True)) == showing
    assert PushSubscription.objects.filter(
        staff_id__in=showing, last_shown_at__gte=sending
    ).count() == len(showing)
    assert not PushSubscription.objects.filter(staff_id__in=silent, last_shown_at__gte=recent)

    sign_in(client, User.objects.get(username=SENDER))
    html = client.get(reverse("broadcast:dashboard", args=[alert.pk])).content.decode()
    funnel = {
        stage: re.search(rf'data-testid="funnel-push-{stage}">([^<]*)<', html).group(1)
        for stage in ("sent", "accepted", "shown")
    }
    everyone = str(len(showing) + len(silent))
    assert funnel == {"sent": everyone, "accepted": everyone, "shown": str(len(showing))}

    # A few minutes on, the people whose phones showed nothing are e-mailed; the others
    # are not.
    later = timezone.now() + dt.timedelta(seconds=django_settings.PUSH_SHOWN_WITHIN_SECONDS + 1)
    planning.fall_back_unshown(now=later)
    emailed = Delivery.objects.filter(recipient__notice=alert, channel="email")
    assert silent <= set(emailed.values_list("recipient__staff_id", flat=True))
    assert not emailed.filter(recipient__staff_id__in=showing)


def test_a_browser_cannot_register_a_loopback_push_service(client, people):
    """The demo's devices are written by the seed; a real registration at the same kind of
    endpoint is refused, as any push service not listed in RENRAKU_PUSH_HOSTS is."""
    sign_in(client, people.alice)
    p256dh, auth = device_keys(11)
    info = {"endpoint": f"{demo_endpoint_prefix(8081)}11", "keys": {"p256dh": p256dh, "auth": auth}}
    answer = client.post("/push/subscribe/", json.dumps(info), content_type="application/json")
    assert answer.status_code == 400
    assert "not a known push service: 127.0.0.1" in answer.json()["error"]
    assert not PushSubscription.objects.exists()
