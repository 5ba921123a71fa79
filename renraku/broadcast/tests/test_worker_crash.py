"""A worker killed halfway through an alert, and started again: everyone gets
the alert, and nobody gets it twice."""

from huey.contrib.djhuey import HUEY

from renraku.broadcast.actions import Draft, send_alert
from renraku.channels import vapid
from renraku.channels.pushservice import PushService
from renraku.channels.webpush import WebPushChannel
from renraku.directory.models import PushSubscription, Staff
from renraku.notices.models import Delivery
from renraku.notices.tasks import sweep_deliveries
from renraku.testing import make_org

from .workers import kill, start_worker, wait_until, worker_env

# The size that shows the guarantee; benchmarks/fanout.py sends to 10,000 and more.
PEOPLE = 1_000


def start():
    return start_worker("--workers", "2", "--no-periodic", env=worker_env())


def test_a_worker_killed_halfway_sends_every_push_once(committed_db, settings):
    HUEY.immediate = False  # a real worker process does the work here
    HUEY.flush()
    service = PushService(vapid.application_server_key(), decrypt_every=100).start()
    org = make_org()
    Staff.objects.bulk_create(
        [
            Staff(
                employee_number=f"{i:06d}",
                family_name="職員",
                given_name=str(i),
                family_name_kana="ショクイン",
                given_name_kana="タロウ",
                department=org.som,
                site=org.honcho,
                position=org.positions["STF"],
            )
            for i in range(PEOPLE)
        ],
        batch_size=2000,
    )
    subscriptions = []
    for staff_id in Staff.objects.values_list("pk", flat=True):
        info = service.subscribe()
        subscriptions.append(
            PushSubscription(
                staff_id=staff_id,
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
            )
        )
    PushSubscription.objects.bulk_create(subscriptions, batch_size=2000)

    # The push service stops answering after 30 %: the worker is then certainly mid-send,
    # with batches claimed and pushes in flight, when it is killed.
    service.hold(after=PEOPLE * 3 // 10)
    worker = start()
    try:
        alert = send_alert(
            Draft(
                title="震度5弱 安否確認",
                body="回答してください。",
                audience={"all": True},
                channels=["push"],
                reply_form="safety",
            ),
            source="test",
        )
        wait_until(lambda: service.held > 0, timeout=120)
        kill(worker)  # no goodbye: claimed work is left mid-send
        halfway = service.accepted
        assert halfway < PEOPLE
        service.release()

        # What the minute's periodic sweep does once the dead worker's claims are stale
        # (here at once, rather than waiting for them to age).
        settings.DELIVERY_STALE_CLAIM_SECONDS = 0
        sweep_deliveries.call_local()  # here, with this setting, not on the queue
        worker = start()
        wait_until(
            lambda: (
                all(s.received for s in service.subscriptions.values())
                and not Delivery.objects.exclude(status="sent").exists()
            ),
            timeout=180,
        )
    finally:
        kill(worker)
        service.stop()
        HUEY.flush()

    received = [s.received for s in service.subscriptions.values()]
    shown = [len(s.messages) for s in service.subscriptions.values()]
    # What a person sees: exactly one notification each. A push in flight when the worker
    # died may be posted again; it carries the alert's Topic, so the push service replaces
    # the first copy instead of showing a second one.
    assert shown == [1] * PEOPLE
    # At most the batches in flight: one per worker process.
    assert sum(n > 1 for n in received) <= 2 * WebPushChannel.batch_size
    assert set(
        Delivery.objects.filter(recipient__notice=alert).values_list("status", flat=True)
    ) == {"sent"}
    assert service.rejected == []
