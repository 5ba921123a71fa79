"""Which channel kinds exist, by the import path of their class."""

from functools import cache

from django.utils.module_loading import import_string

CHANNELS = {
    "push": "renraku.channels.webpush.WebPushChannel",
    "email": "renraku.channels.email.EmailChannel",
    "sms": "renraku.channels.sms.SmsChannel",
    "voice": "renraku.channels.voice.VoiceChannel",
    "line_works": "renraku.channels.lineworks.LineWorksChannel",
}
# Channels offered only once their service is configured: kind → its `configured` check.
_NEED_PROVIDER = {
    "sms": "renraku.channels.sms.configured",
    "voice": "renraku.channels.sms.configured",
    "line_works": "renraku.channels.lineworks.configured",
}


def available() -> list[str]:
    """The channels a sender can choose: SMS, voice and LINE WORKS only once their
    service is configured."""
    return [
        kind
        for kind in CHANNELS
        if kind not in _NEED_PROVIDER or import_string(_NEED_PROVIDER[kind])()
    ]


@cache
def get(kind: str):
    return import_string(CHANNELS[kind])()
