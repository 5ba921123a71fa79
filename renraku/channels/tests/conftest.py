import pytest


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Every test here runs Huey's tasks as they are enqueued."""


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
