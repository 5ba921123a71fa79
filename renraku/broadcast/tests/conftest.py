import pytest
from huey.contrib.djhuey import HUEY

from renraku.broadcast import actions
from renraku.channels.testing import SmtpServer


@pytest.fixture(autouse=True)
def _tasks_run_at_once():
    """Huey runs each task as it is enqueued, in the test's thread."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Send a draft and run what happens after the commit (delivery), as in production."""

    def _send(draft, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.send_alert(draft, **kwargs)

    return _send
