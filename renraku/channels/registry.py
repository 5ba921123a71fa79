"""Which channel kinds exist, by the import path of their class."""

from functools import cache

from django.utils.module_loading import import_string

CHANNELS = {
    "push": "renraku.channels.webpush.WebPushChannel",
    "email": "renraku.channels.email.EmailChannel",
}


def available() -> list[str]:
    return list(CHANNELS)


@cache
def get(kind: str):
    return import_string(CHANNELS[kind])()
