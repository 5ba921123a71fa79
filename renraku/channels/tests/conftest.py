import pytest
from huey.contrib.djhuey import HUEY

from renraku.broadcast import actions
from renraku.channels import vapid, webpush
from renraku.channels.pushservice import PushService
from renraku.channels.testing import SmtpServer


@pytest.fixture(autouse=True)
def _tasks_run_at_once():
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def vapid_key(settings, tmp_path):
    """A fresh server key per test, made the way the server makes it on first run."""
    settings.VAPID_PRIVATE_KEY_FILE = tmp_path / "vapid.pem"
    vapid.key.cache_clear()
    webpush._vapid_cache.clear()
    yield vapid.application_server_key()
    vapid.key.cache_clear()
    webpush._vapid_cache.clear()


@pytest.fixture
def push_service(vapid_key, settings):
    service = PushService(vapid_key).start()
    settings.PUSH_SERVICE_HOSTS = [*settings.PUSH_SERVICE_HOSTS, "127.0.0.1"]
    yield service
    service.stop()


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    yield server
    server.stop()


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def _send(draft, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.send_alert(draft, **kwargs)

    return _send


@pytest.fixture
def twilio(settings):
    from renraku.channels.testing import TwilioStandIn

    server = TwilioStandIn("AC" + "0" * 32, "secret-token").start()
    settings.TWILIO_URL, settings.TWILIO_SID, settings.TWILIO_TOKEN = (
        server.origin,
        server.sid,
        server.token,
    )
    settings.SMS_FROM = "+81312345678"
    yield server
    server.stop()
