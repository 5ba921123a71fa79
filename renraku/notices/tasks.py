"""Huey tasks: thin wrappers that tell the pipeline to look at the database."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from renraku.dbstats import analyze_if_outgrown

from . import pipeline, planning, receipts
from .models import Delivery, Notice, Recipient


@HUEY.on_startup()
def warm_up_channels():
    """Pay each worker's one-off costs (the channels and their libraries) when it starts,
    not on the first alert, which may come after months of quiet."""
    from renraku.channels import registry

    for kind in registry.CHANNELS:
        registry.get(kind)


@db_task()
def dispatch_notice(notice_id: int):
    notice = Notice.objects.get(pk=notice_id)
    queued = pipeline.queued_ids(notice)
    # Before the batches read these tables by id (the ids above are read through the notice).
    analyze_if_outgrown(sum(map(len, queued.values())), Recipient, Delivery)
    for kind, ids in pipeline.batches(queued):
        send_deliveries(kind, ids)


@db_task()
def send_deliveries(kind: str, ids: list[int]):
    result = pipeline.send(kind, ids)
    send_all(pipeline.by_channel(result.fallback_ids))
    if result.retry_ids:
        send_deliveries.schedule((kind, result.retry_ids), delay=result.retry_in)


def send_all(ids_by_channel: dict[str, list[int]]) -> None:
    """Queue these deliveries' sending, in batches."""
    for kind, ids in pipeline.batches(ids_by_channel):
        send_deliveries(kind, ids)


@db_task()
def fold_receipts():
    receipts.fold()


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries():
    """Every minute: fold display receipts in and move an alert's recipients whose push
    was accepted but never shown to its next channel; resend what a dead worker left and
    what a lost task never sent, and send what waited for the end of someone's quiet
    hours."""
    receipts.fold()
    planning.fall_back_unshown()
    send_all(pipeline.stale_work())
