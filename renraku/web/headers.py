"""Response headers that views choose for themselves."""

from django.views.decorators.cache import never_cache


def no_store(view):
    """`Cache-Control: no-store` (with no-cache, private, max-age=0): for responses carrying
    personal data (a personal contact, a CSV of who answered what). Without it a shared PC's
    browser cache, or a proxy on the way, keeps a copy that the next person can open."""
    return never_cache(view)
