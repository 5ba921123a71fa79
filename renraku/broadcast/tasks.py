"""Huey tasks of alerts: escalation steps on a timer. (Sending is the pipeline's:
renraku.notices.tasks.)"""

import logging

from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from renraku.notices import pipeline
from renraku.notices.tasks import send_all

log = logging.getLogger(__name__)


@HUEY.on_startup()
def warm_up():
    """Resolve the URL map for answer links and load the Japanese catalogue when a worker
    starts, not on the first alert, which may come after months of quiet."""
    from .links import answer_url

    with translation.override("ja"):
        answer_url(0)
        translation.gettext("[DRILL]")


@db_periodic_task(crontab(minute="*"))
def run_escalations():
    """Every minute: the escalation steps whose time has come."""
    from . import escalation

    for alert, index, step in list(escalation.due_steps()):
        try:
            new_ids = escalation.run_step(alert, index, step)
        except Exception:  # one step that cannot run must not hold up the others
            log.exception("escalation step %s of alert %s failed; tried again", index, alert.pk)
            continue
        send_all(pipeline.by_channel(new_ids))
