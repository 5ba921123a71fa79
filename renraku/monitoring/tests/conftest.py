import datetime as dt

import pytest
from django.utils import timezone

from renraku.broadcast.actions import Draft, send_alert
from renraku.broadcast.models import Alert
from renraku.monitoring.models import Beat
from renraku.notices.models import Delivery, Notice

FEED = "https://www.data.jma.go.jp/developer/xml/feed/eqvol.xml"


def ago(**delta):
    return timezone.now() - dt.timedelta(**delta)


def worker_ran(when=None):
    Beat.objects.update_or_create(name="worker", defaults={"at": when or timezone.now()})


def queued_alert(people, *, minutes_old=0, to=("alice", "bob", "carol")):
    """An alert by e-mail whose deliveries stay queued: no task runs in these tests (the
    test's transaction never commits), as if the worker were gone."""
    alert = send_alert(
        Draft(
            title="安否確認",
            body="回答してください",
            audience={"staff": [getattr(people, n).staff.employee_number for n in to]},
            channels=["email"],
        ),
        sender=people.bob,
    )
    Alert.objects.filter(pk=alert.pk).update(issued_at=ago(minutes=minutes_old))
    Notice.objects.filter(pk=alert.pk).update(issued_at=ago(minutes=minutes_old))
    assert Delivery.objects.filter(recipient__notice=alert, status="queued").count() == len(to)
    return alert


@pytest.fixture
def no_feeds(settings):
    settings.JMA_FEEDS = []


@pytest.fixture
def one_feed(settings):
    settings.JMA_FEEDS = [FEED]
    return FEED
