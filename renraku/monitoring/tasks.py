"""On the task worker: every minute the heartbeat and the dead man's switch; once a day
the audit checkpoint to the auditors."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from renraku.accounts.models import Role, User
from renraku.audit.checkpoints import send_checkpoint

from . import actions
from .runs import run_once


@db_periodic_task(crontab(minute="*"))
def heartbeat():
    """That the task worker runs periodic work at all: the health checks fail when this
    has not run for 2 minutes."""
    actions.beat()
    actions.remember_feed_successes()


@db_periodic_task(crontab(minute="*"))
def dead_mans_switch():
    """Tell the administrators of a silent feed or a stuck queue. It beats first: this task
    running is itself proof that the worker runs, and the heartbeat of the same minute may
    not have run yet (after a restart it would report the worker dead for a minute). A dead
    worker is noticed by `renraku health --notify` run from elsewhere."""
    actions.beat()
    actions.remember_feed_successes()
    actions.tell_administrators()


# Huey reads crontabs in UTC (its default, utc=True), not in the machine's zone: 21:00 UTC
# is 06:00 in Tokyo (Japan has no summer time), before the working day's first entries.
@db_periodic_task(crontab(minute="0", hour="21"))
def send_audit_checkpoint():
    """The head of the audit chain to the auditors by e-mail. Every worker host runs the
    periodic tasks (so that one that dies leaves nothing undone); the auditors get one
    checkpoint a day all the same: the day's run is claimed once (runs.run_once), by
    whichever host comes first. Scheduled here, above the log and the accounts: the log
    (audit.checkpoints) knows no roles, so it is told who the auditors are."""
    auditors = (
        User.objects.filter(role=Role.AUDITOR, is_active=True).exclude(email="").order_by("pk")
    )
    run_once(
        "audit.checkpoint",
        "day",
        lambda: send_checkpoint(list(auditors.values_list("email", flat=True))),
    )
