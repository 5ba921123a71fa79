"""Periodic work for the directory, run by the Huey worker."""

import time

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .views import IMPORT_UPLOAD_DIR

# An upload waits here between its preview and "apply". It holds every member of staff's
# personal mobile, so it must not outlive the admin's session by much.
STALE_UPLOAD_SECONDS = 60 * 60


def remove_stale_import_uploads(now: float | None = None) -> int:
    """Delete previewed-but-never-applied HR files older than an hour; return how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in IMPORT_UPLOAD_DIR.glob("*.csv"):
        if now - path.stat().st_mtime > STALE_UPLOAD_SECONDS:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@db_periodic_task(crontab(minute="*/10"))
def sweep_import_uploads():
    remove_stale_import_uploads()
