"""Periodic work done once per period, however many worker hosts run it.

Every host runs every periodic task, so that one dying leaves nothing undone. Work that
tells people something (the auditors' checkpoint, the authors' feedback digest) must then
be claimed: `run_once` inserts a PeriodicRun row, unique per task and period, and only
the host whose insert succeeds does the work. Checking first ("was one sent in the last
20 hours?") and then sending lets two hosts both see "no" at 21:00 and both send.
"""

import socket
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PeriodicRun


def period_of(every: str, now=None) -> str:
    """The period `now` falls in, in the ward's time: "day" → "2026-12-07", "hour" →
    "2026-12-07T21"."""
    local = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    return local.strftime({"day": "%Y-%m-%d", "hour": "%Y-%m-%dT%H"}[every])


def claim(name: str, period: str) -> bool:
    """Insert-or-skip: True for the one caller that claims (`name`, `period`)."""
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=name, period=period, host=socket.gethostname()[:200])
    except IntegrityError:
        return False
    return True


def run_once(name: str, every: str, work: Callable[[], object], now=None) -> bool:
    """Do `work` unless another host has claimed this period of `name`; returns whether
    this call did it. The claim is committed before the work, so a slow mail server holds
    no lock; if the work fails the claim is withdrawn, so that a later run may try again."""
    period = period_of(every, now)
    if not claim(name, period):
        return False
    try:
        work()
    except BaseException:
        PeriodicRun.objects.filter(name=name, period=period).delete()
        raise
    return True
