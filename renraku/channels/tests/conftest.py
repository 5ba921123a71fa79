import pytest

from renraku.channels import vapid, webpush
from renraku.channels.pushservice import PushService


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Every test here runs Huey's tasks as they are enqueued."""


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
