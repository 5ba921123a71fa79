import os
from pathlib import Path

import pytest
from huey.contrib.djhuey import HUEY

from renraku.testing import make_org, make_people


@pytest.fixture
def org(db):
    return make_org()


@pytest.fixture
def people(org):
    return make_people(org)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    # PBKDF2's deliberate slowness protects real passwords; tests have none to protect.
    # Browser tests sign in through a separate server process, which hashes as production.
    if not request.node.get_closest_marker("browser"):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def _audit_triggers_restored(django_db_blocker):
    yield
    from django.db import connection

    from renraku.audit import triggers

    with django_db_blocker.unblock():
        triggers.install(connection)
        if connection.vendor == "postgresql":
            # The flush emptied the tables, but PostgreSQL keeps the statistics of what
            # they held (a seeded ward): later tests' small data then got plans made for
            # thousands of rows, and one test took minutes. Statistics of empty tables, as
            # a fresh test database has.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


@pytest.fixture
def _audit_triggers_lifted_for_flush():
    yield
    from django.db import connection

    from renraku.audit import triggers

    triggers.remove(connection)


@pytest.fixture
def committed_db(_audit_triggers_restored, transactional_db, _audit_triggers_lifted_for_flush):
    """A database whose transactions really commit (for threads, servers and browsers).

    Between such tests Django empties every table, which the audit log's triggers refuse;
    they are lifted for that moment only and put back straight after.
    """


@pytest.fixture
def tasks_run_at_once():
    """Huey runs each task as it is enqueued, in the test's thread."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback that Django's SMTP backend sends to."""
    from renraku.channels.testing import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Send a draft and run what happens after the commit (delivery), as in production."""
    from renraku.broadcast import actions

    def _send(draft, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.send_alert(draft, **kwargs)

    return _send


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with no cached figures: alert ids repeat from one test to the next
    once the database is emptied, and live figures are shared for a couple of seconds."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vapid_key(settings, tmp_path):
    """A fresh server key per test, made the way the server makes it on first run."""
    from renraku.channels import vapid, webpush

    settings.VAPID_PRIVATE_KEY_FILE = tmp_path / "vapid.pem"
    vapid.key.cache_clear()
    webpush._vapid_cache.clear()
    yield vapid.application_server_key()
    vapid.key.cache_clear()
    webpush._vapid_cache.clear()


@pytest.fixture
def push_service(vapid_key, settings):
    """The push-service stand-in on loopback: checks VAPID, decrypts every payload."""
    from renraku.channels.pushservice import PushService

    service = PushService(vapid_key).start()
    settings.PUSH_SERVICE_HOSTS = [*settings.PUSH_SERVICE_HOSTS, "127.0.0.1"]
    yield service
    service.stop()


# The browser tests' fixtures, registered once for every app (one Chromium, one server).
from renraku.web.tests.browsing import browser, page, server_url  # noqa: E402, F401


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's own var/ (settings.py gives each test run one), and any left by
    runs that were killed before they could remove theirs."""
    import shutil

    from django.conf import settings

    runs = Path(settings.BASE_DIR) / "var" / "test-runs"
    if os.environ.get("PYTEST_XDIST_WORKER") or not runs.is_dir():
        return
    for run in runs.iterdir():
        if run == Path(settings.VAR_DIR) or not _process_alive(run.name):
            shutil.rmtree(run, ignore_errors=True)


def _process_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
