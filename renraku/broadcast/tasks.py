"""Huey tasks: thin wrappers that tell broadcast.delivery to look at the database."""

import logging

from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from renraku.dbstats import analyze_if_outgrown

from . import delivery
from .models import Alert, Delivery, Recipient

log = logging.getLogger(__name__)


@HUEY.on_startup()
def warm_up():
    """Pay each worker's one-off costs (the channels and their libraries, the URL map
    for answer links, the Japanese catalogue) when it starts, not on the first alert,
    which may come after months of quiet."""
    from renraku.channels import registry

    from .links import answer_url

    for kind in registry.CHANNELS:
        registry.get(kind)
    with translation.override("ja"):
        answer_url(0)
        translation.gettext("[DRILL]")


@db_task()
def dispatch_alert(alert_id: int):
    alert = Alert.objects.get(pk=alert_id)
    queued = delivery.queued_ids(alert)
    # Before the batches read these tables by id (the ids above are read through the alert).
    analyze_if_outgrown(sum(map(len, queued.values())), Recipient, Delivery)
    for kind, ids in delivery.batches(queued):
        send_deliveries(kind, ids)


@db_task()
def send_deliveries(kind: str, ids: list[int]):
    result = delivery.send(kind, ids)
    for next_kind, next_ids in delivery.batches(delivery.by_channel(result.fallback_ids)):
        send_deliveries(next_kind, next_ids)
    if result.retry_ids:
        send_deliveries.schedule((kind, result.retry_ids), delay=result.retry_in)


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries():
    """Every minute: resend what a dead worker left and what a lost task never sent."""
    for kind, ids in delivery.batches(delivery.stale_work()):
        send_deliveries(kind, ids)


@db_periodic_task(crontab(minute="*"))
def run_escalations():
    """Every minute: the escalation steps whose time has come."""
    from . import escalation

    for alert, index, step in list(escalation.due_steps()):
        try:
            new_ids = escalation.run_step(alert, index, step)
        except Exception:  # one step that cannot run must not hold up the others
            log.exception("escalation step %s of alert %s failed; tried again", index, alert.pk)
            continue
        for kind, ids in delivery.batches(delivery.by_channel(new_ids)):
            send_deliveries(kind, ids)
