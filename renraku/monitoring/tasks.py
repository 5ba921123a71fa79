"""Every minute on the task worker: the heartbeat, and the dead man's switch."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import actions


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
