"""Periodic work that tells people is done once per period, however many worker hosts
run it at the same moment."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from renraku.monitoring.models import PeriodicRun
from renraku.monitoring.runs import claim, period_of, run_once


def _at_once(function, n=2):
    """Call `function` from `n` threads released together; returns their results."""
    start, results, errors = threading.Barrier(n), [], []

    def host():
        try:
            start.wait()
            results.append(function())
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=host) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_two_hosts_claiming_the_same_run_at_once_one_wins(committed_db):
    assert sorted(_at_once(lambda: claim("audit.checkpoint", "2030-01-16"))) == [False, True]
    assert PeriodicRun.objects.count() == 1


def test_the_auditors_get_one_checkpoint_when_two_hosts_send_it_at_once(
    committed_db, smtp, settings
):
    from renraku.monitoring.tasks import send_audit_checkpoint
    from renraku.testing import make_org, make_people

    people = make_people(make_org())
    _at_once(send_audit_checkpoint.call_local)
    assert [rcpts for rcpts, _message in smtp.messages] == [[people.erin.email]]


def test_a_run_that_failed_is_tried_again_by_the_next_run(db):
    done = []

    def fails():
        raise OSError("mail server down")

    with pytest.raises(OSError):
        run_once("bulletin.feedback_digest", "hour", fails)
    assert run_once("bulletin.feedback_digest", "hour", lambda: done.append(1))
    assert not run_once("bulletin.feedback_digest", "hour", lambda: done.append(2))
    assert done == [1]


def test_periods_are_the_wards_days_and_hours():
    # 21:30 UTC on 15 January is 06:30 on the 16th in Tokyo.
    late = dt.datetime(2030, 1, 15, 21, 30, tzinfo=dt.UTC)
    assert period_of("day", late) == "2030-01-16"
    assert period_of("hour", late) == "2030-01-16T06"
    assert period_of("day", timezone.now()) == timezone.localdate().isoformat()
