"""Huey tasks of the bulletin: scheduled publishing and the authors' feedback digest."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import actions, digest


@db_periodic_task(crontab(minute="*"))
def publish_scheduled_posts():
    """Every minute: the scheduled posts whose time has come."""
    actions.publish_due()


@db_periodic_task(crontab(minute="0"))
def send_feedback_digests():
    """Every hour: authors with feedback not yet told, once a day each (digest.due)."""
    digest.send_due()
