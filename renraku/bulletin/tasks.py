"""Huey tasks of the bulletin: scheduled publishing, held reminders and lost text
extractions (each re-checked or relaunched), and the authors' feedback digest."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import deferred, digest, extract_text


@db_periodic_task(crontab(minute="*"))
def publish_scheduled_posts():
    """Every minute: the scheduled posts whose time has come, and the reminders held for
    working hours, each only if whoever asked for it still may (deferred.py)."""
    deferred.publish_due()
    deferred.stop_reminders()
    extract_text.sweep()  # only launches processes: no PDF is read on this worker


@db_periodic_task(crontab(minute="0"))
def send_feedback_digests():
    """Every hour: authors with feedback not yet told, once a day each (digest.due). The
    hour's run is claimed once, whatever the number of worker hosts (monitoring.runs)."""
    from renraku.monitoring.runs import run_once

    run_once("bulletin.feedback_digest", "hour", digest.send_due)
