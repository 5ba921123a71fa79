"""Which channel kinds exist, by the import path of their class."""

from functools import cache

from django.utils.module_loading import import_string

CHANNELS = {
    "push": "renraku.channels.webpush.WebPushChannel",
    "email": "renraku.channels.email.EmailChannel",
    "sms": "renraku.channels.sms.SmsChannel",
    "voice": "renraku.channels.voice.VoiceChannel",
}
_NEED_PROVIDER = ("sms", "voice")


def available() -> list[str]:
    """The channels a sender can choose: SMS and voice only once a provider is configured."""
    from .sms import configured

    return [kind for kind in CHANNELS if kind not in _NEED_PROVIDER or configured()]


@cache
def get(kind: str):
    return import_string(CHANNELS[kind])()
