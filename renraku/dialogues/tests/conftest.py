import datetime as dt
import importlib

import pytest
from django.utils import timezone

from renraku.dialogues import actions
from renraku.dialogues.models import Host, Kind


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Notices go out as they are enqueued."""


@pytest.fixture(autouse=True)
def _kinds(request):
    """The kinds migration 0002 makes, made again if a test that commits (and so empties
    every table after it) ran before this one."""
    committed = "committed_db" in request.fixturenames or "page" in request.fixturenames
    request.getfixturevalue("committed_db" if committed else "db")
    from django.apps import apps

    importlib.import_module("renraku.dialogues.migrations.0002_kinds").add_kinds(apps, None)


@pytest.fixture
def host(people):
    """Dave's staff hosts every kind (a deputy mayor in the ward)."""
    host = Host.objects.create(staff=people.dave.staff)
    host.kinds.set(Kind.objects.all())
    return host


@pytest.fixture
def lunch(host):
    def _slot(seats=2, days=7, **kw):
        start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=days)
        return actions.add_slot(
            kind=Kind.objects.get(code="lunch"), host=host, start=start, seats=seats, **kw
        )

    return _slot
