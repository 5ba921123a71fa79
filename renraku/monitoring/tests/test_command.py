import json
from io import StringIO

import pytest
from django.core.management import call_command

from renraku.feeds.models import FeedState

from .conftest import ago, worker_ran


def health(*args):
    out = StringIO()
    code = 0
    try:
        call_command("health", *args, stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_health_json_on_a_healthy_ward_exits_0(db, no_feeds):
    worker_ran()
    code, out = health("--json")
    result = json.loads(out)
    assert code == 0 and result["ok"] is True
    assert {c["name"] for c in result["checks"]} == {"worker", "feeds", "queue", "database"}
    assert all(set(c) == {"name", "ok", "detail"} for c in result["checks"])


def test_health_json_with_a_silent_feed_exits_1_naming_it(db, one_feed):
    worker_ran()
    FeedState.objects.create(url=one_feed, polled_at=ago(minutes=6))
    code, out = health("--json")
    result = json.loads(out)
    assert code == 1 and result["ok"] is False
    assert [c["name"] for c in result["checks"] if not c["ok"]] == [f"feed:{one_feed}"]


def test_health_text_marks_the_failing_check(db, no_feeds):
    code, out = health()  # the worker never ran
    assert code == 1
    assert [line.split()[0:2] for line in out.splitlines() if line.startswith("FAIL")] == [
        ["FAIL", "worker:"]
    ]


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_health_without_notify_tells_nobody(people, no_feeds, smtp, args):
    health(*args)
    assert smtp.messages == []
