import datetime as dt

import pytest
from django.utils import timezone

from renraku.directory.models import PushSubscription

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36"


def device(staff, *, shown_days_ago=None, age_days=90, agent=IPHONE, n=[0], **extra):  # noqa: B006
    """A stored subscription of `staff`, registered `age_days` ago, that last showed a
    notice `shown_days_ago` (None: never)."""
    n[0] += 1
    now = timezone.now()
    sub = PushSubscription.objects.create(
        staff=staff,
        endpoint=f"https://push.example/{n[0]}",
        p256dh="x",
        auth="y",
        user_agent=agent,
        last_shown_at=None if shown_days_ago is None else now - dt.timedelta(days=shown_days_ago),
        **extra,
    )
    PushSubscription.objects.filter(pk=sub.pk).update(created_at=now - dt.timedelta(days=age_days))
    return sub


@pytest.fixture(autouse=True)
def _no_sms(settings):
    """SMS and voice off unless a test configures them."""
    settings.TWILIO_URL = settings.TWILIO_SID = settings.TWILIO_TOKEN = ""
