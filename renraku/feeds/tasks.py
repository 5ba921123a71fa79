"""Every minute, JMA's own cadence: look at the feeds."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def poll_feeds():
    from .polling import poll_all

    poll_all()
