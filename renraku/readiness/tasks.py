"""Huey tasks of readiness: the daily count per department, and the day's nudges (in
working hours). Each day's run is claimed once, whatever the number of worker hosts."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from renraku.bulletin.actions import in_working_hours

from . import nudges, snapshots


@db_periodic_task(crontab(minute="5"))
def take_readiness_snapshot():
    """Every hour: the day's first run counts each department (monitoring.runs)."""
    from renraku.monitoring.runs import run_once

    run_once("readiness.snapshot", "day", snapshots.take)


@db_periodic_task(crontab(minute="15"))
def send_readiness_nudges():
    """Every hour: the first run of the day in working hours sends the day's checks and
    reminders (outside them the day is not claimed, so a later hour still does it)."""
    from django.utils import timezone

    from renraku.monitoring.runs import run_once

    if in_working_hours(timezone.now()):
        run_once("readiness.nudges", "day", nudges.send_due)
