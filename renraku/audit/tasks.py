"""Once a day, the head of the audit chain goes to the auditors by e-mail."""

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


# Huey reads crontabs in UTC (its default, utc=True), not in the machine's zone: 21:00 UTC
# is 06:00 in Tokyo (Japan has no summer time), before the working day's first entries.
@db_periodic_task(crontab(minute="0", hour="21"))
def send_audit_checkpoint():
    """Every worker host runs the periodic tasks (so that one that dies leaves nothing
    undone); the auditors get one checkpoint a day all the same."""
    from .actions import recent_count
    from .checkpoints import send_checkpoint

    if recent_count("audit.checkpoint_sent", since=dt.timedelta(hours=20)):
        return
    send_checkpoint()
