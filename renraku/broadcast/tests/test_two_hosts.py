"""Task workers on two hosts, one database and one Redis: both send a 1,000-person alert,
and when one host dies mid-alert the sweep hands what it held to the other host. Everyone
gets the e-mail, each recipient ends with one delivery sent, and the links work whichever
host sent them."""

import datetime as dt
import os
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from renraku.broadcast.actions import Draft, send_alert
from renraku.channels.email import EmailChannel
from renraku.channels.testing import SmtpServer
from renraku.directory.models import Staff
from renraku.notices.models import Delivery, Recipient
from renraku.notices.tasks import sweep_deliveries
from renraku.testing import make_org

from .workers import kill, start_worker, wait_until, worker_env

pytestmark = pytest.mark.skipif(
    not os.environ.get("RENRAKU_REDIS_URL"),
    reason="workers on several hosts share a queue only on Redis: set RENRAKU_REDIS_URL",
)

PEOPLE = 1_000
# Shorter than the default 120 s, so that host A's claims are soon stale; still far longer
# than a living worker takes over a batch of 200 e-mails, so that a sweep never takes one
# back from a worker still sending it.
STALE_SECONDS = 15


class Host:
    """A machine running `renraku run-huey` as docs/operations.md says: its own working dir
    and var/, the shared database, Redis and keys, and its own mail relay (the local MTA),
    so that what each host sent is counted where it arrived."""

    def __init__(self, root: Path, name: str):
        self.dir = root / name
        self.dir.mkdir()
        self.log = self.dir / "worker.log"
        self.relay = SmtpServer().start()
        self.worker = None

    def start(self):
        env = worker_env(
            RENRAKU_VAR_DIR=str(self.dir / "var"),
            RENRAKU_SMTP_URL=f"smtp://127.0.0.1:{self.relay.port}",
            RENRAKU_STALE_CLAIM_SECONDS=str(STALE_SECONDS),
            # Every host has the web server's keys (here the same files; on real hosts
            # copies): a link signed with a key of its own would not open on the web.
            RENRAKU_SECRET_KEY=settings.SECRET_KEY,
            RENRAKU_AUDIT_KEY_FILE=str(settings.AUDIT_KEY_FILE),
            RENRAKU_VAPID_KEY_FILE=str(settings.VAPID_PRIVATE_KEY_FILE),
        )
        self.worker = start_worker(env=env, cwd=self.dir, log=self.log)

    def started(self) -> bool:
        return self.log.exists() and "Huey consumer started" in self.log.read_text()

    def sent(self, alert) -> list:
        """This alert's e-mails that reached this host's relay."""
        return [
            m for _, m in list(self.relay.messages) if m["X-Renraku-Notice"] == f"alert-{alert.pk}"
        ]

    def stop(self):
        if self.worker:
            kill(self.worker)
        self.relay.stop()

    def __str__(self):
        return f"--- {self.dir.name}'s worker.log\n" + (
            self.log.read_text()[-3000:] if self.log.exists() else "(none)"
        )


def test_two_hosts_share_an_alert_and_the_survivor_finishes_what_a_dead_one_held(
    committed_db, tmp_path, client, settings
):
    HUEY.immediate = False  # the hosts' workers do the work, through Redis
    HUEY.flush()
    org = make_org()
    Staff.objects.bulk_create(
        Staff(
            employee_number=f"{i:06d}",
            family_name="職員",
            given_name=str(i),
            family_name_kana="ショクイン",
            given_name_kana="タロウ",
            department=org.som,
            site=org.honcho,
            position=org.positions["STF"],
            work_email=f"staff{i:06d}@city.example.jp",
        )
        for i in range(PEOPLE)
    )
    a, b = Host(tmp_path, "host-a"), Host(tmp_path, "host-b")
    logs = lambda: f"{a}\n{b}"  # noqa: E731  (shown when a wait times out)
    # Host A's relay stops answering after 15 %: A is then certainly mid-send, with batches
    # claimed, when it dies, and nothing it sent can still arrive after the count below.
    a.relay.hold(after=PEOPLE * 15 // 100)
    try:
        a.start()
        b.start()
        wait_until(lambda: a.started() and b.started(), timeout=60, explain=logs)
        alert = send_alert(
            Draft(
                title="震度5弱 安否確認",
                body="回答してください。",
                audience={"all": True},
                channels=["email"],
                reply_form="safety",
            ),
            source="test",
        )
        wait_until(lambda: a.relay.held and b.sent(alert), timeout=120, explain=logs)
        kill(a.worker)  # host A dies with its batches claimed and half sent
        sent_by_a = len(a.sent(alert))
        sent_by_b_before = len(b.sent(alert))
        assert sent_by_a + sent_by_b_before < PEOPLE, "the alert was over before host A died"

        # Host B sends what was left in the queue; what A held stays claimed until its
        # claims are STALE_SECONDS old. Then the sweep that B's scheduler runs every minute
        # is run here at once (with the hosts' staleness) instead of waiting for the minute.
        ours = Delivery.objects.filter(recipient__notice=alert)
        wait_until(
            lambda: (
                not ours.exclude(
                    status__in=[Delivery.Status.SENT, Delivery.Status.SENDING]
                ).exists()
                and not ours.filter(
                    status=Delivery.Status.SENDING,
                    claimed_at__gt=timezone.now() - dt.timedelta(seconds=STALE_SECONDS),
                ).exists()
            ),
            timeout=120,
            explain=logs,
        )
        settings.DELIVERY_STALE_CLAIM_SECONDS = STALE_SECONDS
        sweep_deliveries.call_local()
        wait_until(
            lambda: (
                not Delivery.objects.filter(recipient__notice=alert)
                .exclude(status=Delivery.Status.SENT)
                .exists()
            ),
            timeout=180,
            explain=logs,
        )
    finally:
        a.stop()
        b.stop()
        HUEY.flush()

    # Both hosts did part of the work; the dead one sent nothing after it died.
    assert sent_by_a > 0 and len(b.sent(alert)) > sent_by_b_before
    assert len(a.sent(alert)) == sent_by_a
    # Every person has the e-mail. A second copy goes only to people in the batches host A
    # was sending when it died (sent, but not yet recorded): two processes, a batch each.
    received = Counter(m["To"] for host in (a, b) for m in host.sent(alert))
    assert set(received) == {f"staff{i:06d}@city.example.jp" for i in range(PEOPLE)}
    assert sum(n - 1 for n in received.values()) <= 2 * EmailChannel.batch_size
    # Each recipient ends with exactly one delivery, sent.
    per_recipient = Counter(
        Delivery.objects.filter(recipient__notice=alert).values_list("recipient_id", flat=True)
    )
    assert len(per_recipient) == Recipient.objects.filter(notice=alert).count() == PEOPLE
    assert set(per_recipient.values()) == {1}
    # An answer link opens on the web server whichever host signed it.
    for host in (a, b):
        link = next(w for w in host.sent(alert)[0].get_content().split() if "://" in w)
        assert client.get(urlsplit(link).path).status_code == 200


def total(a: Host, b: Host, alert) -> int:
    return len(a.sent(alert)) + len(b.sent(alert))
