"""Reading an attached PDF's text for search, outside the request that uploaded it.

A 7 KB PDF can hold a web worker for most of a minute while its text is extracted (30
pages sharing one stream of operators), and two such uploads stop the site. So the upload
only stores the file and marks its text pending; after commit, `start` launches
`python -m renraku.bulletin.extract_text ID`, detached from the web worker. That process
reads the file and hands it to a second child (pdftext.py) with limits on CPU time and
address space (setrlimit) and a wall-clock timeout; whatever that child cannot finish
within them is marked unreadable, and the post says so. Text that arrives is indexed.

Nothing here runs on the task workers that deliver alerts: the minute's sweep only
launches processes for extractions left pending (a process killed, a server restarted).
"""

import datetime as dt
import os
import resource
import subprocess
import sys

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

CPU_SECONDS = 20
MEMORY_BYTES = 768 * 1024 * 1024
WALL_SECONDS = 60
PAGES = 100
CHARS = 200_000
# A pending extraction not finished in this long was lost (its process killed): start
# it again, up to MAX_ATTEMPTS times in all, then it is unreadable.
STALE = dt.timedelta(seconds=WALL_SECONDS + 60)
MAX_ATTEMPTS = 2


def start(attachment_id: int) -> None:
    """Launch the extraction of this attachment's text in a process of its own, detached
    from the caller (a web worker returns at once and never waits for it). Through
    /bin/sh's `&`: the shell exits at once, so the worker has no child left to reap."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "renraku.settings"}
    command = [sys.executable, "-m", "renraku.bulletin.extract_text", str(attachment_id)]
    shell = subprocess.Popen(  # noqa: S603  (our own interpreter and module, an int)
        ["/bin/sh", "-c", 'exec "$@" </dev/null >/dev/null 2>&1 &', "sh", *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        env=env,
    )
    shell.wait()


def _limits(cpu_seconds: int, memory_bytes: int):
    def apply():  # in the child, before it runs Python
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def read_limited(data: bytes, *, cpu_seconds=CPU_SECONDS, memory_bytes=MEMORY_BYTES,
                 wall_seconds=WALL_SECONDS) -> str | None:  # fmt: skip
    """The text of PDF `data`, read by a child process within these limits; None when it
    could not be read (broken, hostile, or over a limit)."""
    try:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "renraku.bulletin.pdftext", str(PAGES), str(CHARS)],
            input=data,
            capture_output=True,
            timeout=wall_seconds,
            preexec_fn=_limits(cpu_seconds, memory_bytes),
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed it
        return None
    if done.returncode != 0:  # refused, or killed by SIGXCPU / out of memory
        return None
    return done.stdout.decode("utf-8", "replace")[:CHARS]


def extract(attachment_id: int, **limits) -> str | None:
    """Read, store and index one pending attachment's text. Returns its new status, or
    None when there was nothing to do (not pending, or another process is on it)."""
    from .models import Attachment, TextStatus

    now = timezone.now()
    row = Attachment.objects.filter(pk=attachment_id, text_status=TextStatus.PENDING).first()
    if row is None or (row.text_started_at and now - row.text_started_at < STALE):
        return None
    # Claimed by this process alone: of two launched for it, one finds the count moved.
    claimed = Attachment.objects.filter(
        pk=row.pk, text_status=TextStatus.PENDING, text_attempts=row.text_attempts
    ).update(text_started_at=now, text_attempts=F("text_attempts") + 1)
    if not claimed:
        return None
    if row.text_attempts >= MAX_ATTEMPTS:
        return _store(row, None)
    try:
        with row.file.open("rb") as stream:
            data = stream.read()
    except OSError:
        return _store(row, None)
    return _store(row, read_limited(data, **limits))


def _store(attachment, text: str | None) -> str:
    from . import actions, search
    from .models import Post, Status, TextStatus

    status = TextStatus.FAILED if text is None else TextStatus.DONE
    with transaction.atomic():
        attachment.text, attachment.text_status = text or "", status
        attachment.save(update_fields=["text", "text_status"])
        post = Post.objects.get(pk=attachment.post_id)
        actions.touch(post)  # the post's page says what became of it
        if text and post.status == Status.PUBLISHED:
            search.index_post(post)
    return status


def sweep(now=None) -> list[int]:
    """Launch again the extractions left pending (their process lost). The minute's task:
    it only starts processes, never reads a PDF itself."""
    from .models import Attachment, TextStatus

    now = now or timezone.now()
    lost = Attachment.objects.filter(text_status=TextStatus.PENDING).filter(
        Q(text_started_at__isnull=True) | Q(text_started_at__lt=now - STALE)
    )
    ids = list(lost.values_list("pk", flat=True)[:20])
    for pk in ids:
        start(pk)
    return ids


def main(argv) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renraku.settings")
    django.setup()
    if len(argv) != 2 or not argv[1].isascii() or not argv[1].isdigit():
        print("usage: python -m renraku.bulletin.extract_text ATTACHMENT_ID", file=sys.stderr)
        return 2
    extract(int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
