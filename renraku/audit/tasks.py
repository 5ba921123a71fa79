"""Once a day, the head of the audit chain goes to the auditors by e-mail."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


# Huey reads crontabs in UTC (its default, utc=True), not in the machine's zone: 21:00 UTC
# is 06:00 in Tokyo (Japan has no summer time), before the working day's first entries.
@db_periodic_task(crontab(minute="0", hour="21"))
def send_audit_checkpoint():
    """Every worker host runs the periodic tasks (so that one that dies leaves nothing
    undone); the auditors get one checkpoint a day all the same: the day's run is claimed
    once (monitoring.runs), by whichever host comes first."""
    # The claim table is a scheduling concern of the task, not of the audit log: the log
    # itself (checkpoints.py) imports nothing above it.
    from renraku.monitoring.runs import run_once

    from .checkpoints import send_checkpoint

    run_once("audit.checkpoint", "day", send_checkpoint)
