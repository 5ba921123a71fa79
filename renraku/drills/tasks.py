"""Huey task of the drills: every minute, the scheduled drills whose moment has come."""

from functools import partial

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from renraku.monitoring.runs import run_once

from . import schedule
from .models import ScheduledDrill


def send_due(now=None) -> int:
    """Send each drill whose moment is at or before `now`. Every worker host runs this;
    each drill is claimed once (monitoring.runs, a row per drill for the day of its
    moment) and its row locked while it is sent, so it goes out once. Returns how many
    this call sent."""
    now = now or timezone.now()
    sent = 0
    for pk, moment in ScheduledDrill.objects.due(now).values_list("pk", "send_at"):
        alert = []
        run_once(f"drills.send.{pk}", "day", partial(_send, pk, alert), now=moment)
        sent += len(alert)
    return sent


def _send(pk, out: list) -> None:
    alert = schedule.send_drill(pk)
    if alert is not None:
        out.append(alert)


@db_periodic_task(crontab(minute="*"))
def send_due_drills():
    send_due()
