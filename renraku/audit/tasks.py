"""Once a day, the head of the audit chain goes to the auditors by e-mail."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


# Huey reads crontabs in UTC (its default, utc=True), not in the machine's zone: 21:00 UTC
# is 06:00 in Tokyo (Japan has no summer time), before the working day's first entries.
@db_periodic_task(crontab(minute="0", hour="21"))
def send_audit_checkpoint():
    from .checkpoints import send_checkpoint

    send_checkpoint()
