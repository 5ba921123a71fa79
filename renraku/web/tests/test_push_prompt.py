"""The home page's "alerts on this device" section, as the server renders it: it promises
only the channels this ward has, and tells the page which subscriptions are this person's.
(What the script makes of it on each kind of device: test_browser_push_prompt.py.)"""

import json
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.utils import timezone

from renraku.directory.models import PushSubscription
from renraku.testing import sign_in


def _home(client, user):
    sign_in(client, user)
    return client.get("/", HTTP_ACCEPT_LANGUAGE="en").text


def _push_section(text: str) -> str:
    return re.search(r'<section class="card push".*?</section>', text, re.S).group(0)


def test_without_sms_the_section_promises_e_mail_only(client, people, settings):
    settings.TWILIO_SID = settings.TWILIO_TOKEN = ""
    section = _push_section(_home(client, people.alice))
    assert "Alerts also reach you by e-mail." in section
    assert "SMS" not in section


def test_with_sms_set_up_the_section_says_so(client, people, settings):
    settings.TWILIO_SID, settings.TWILIO_TOKEN = "AC123", "secret"
    section = _push_section(_home(client, people.alice))
    assert "Alerts also reach you by e-mail and SMS." in section


def test_the_page_knows_only_this_persons_live_subscriptions(client, people):
    def subscribe(user, endpoint, **extra):
        PushSubscription.objects.create(
            staff=user.staff, endpoint=endpoint, p256dh="k", auth="a", **extra
        )

    subscribe(people.alice, "https://fcm.googleapis.com/fcm/send/alice-phone")
    subscribe(people.alice, "https://fcm.googleapis.com/fcm/send/old", retired_at=timezone.now())
    subscribe(people.bob, "https://fcm.googleapis.com/fcm/send/bob-phone")
    section = _push_section(_home(client, people.alice))
    endpoints = re.search(r'data-endpoints="([^"]*)"', section).group(1).replace("&quot;", '"')
    assert json.loads(endpoints) == ["https://fcm.googleapis.com/fcm/send/alice-phone"]


def test_every_word_the_script_may_show_comes_from_the_template(client, people):
    section = _push_section(_home(client, people.alice))
    for state in ("on", "off", "working", "failed", "blocked", "install", "old", "unsupported"):
        assert re.search(rf'data-{state}="[^"]+"', section), state
    assert "Add to Home Screen" in section


def test_the_script_has_no_words_of_its_own():
    """Text set by renraku.js comes from the translated template; an exception's name
    ("AbortError") is for the console, never for the person."""
    script = Path(finders.find("web/renraku.js")).read_text(encoding="utf-8")
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", script)
    assert "error.name" not in script
