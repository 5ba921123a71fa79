"""Figures that many screens watch at once, computed once for all of them.

On the day of the earthquake twenty screens refresh the same dashboard every two seconds:
each refresh counting 100,000 recipients again was ten counts a second, more than two
cores can do (p95 of 4.5 s, measured with benchmarks/dashboard.py). The counts are kept
for LIVE_FIGURES_SECONDS (2 s) in each web process's own cache, so they are made at most
once a period per process, and a screen is at most that much behind — less than its own
refresh period. Permissions are never cached: only the figures, after the check.
"""

from django.conf import settings
from django.core.cache import cache


def shared(*key, compute):
    """compute(), or what it gave for the same key within the last LIVE_FIGURES_SECONDS."""
    name = "live:" + ":".join(map(str, key))
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, settings.LIVE_FIGURES_SECONDS)
    return value


def frozen(*key, compute, seconds: int = 3600):
    """For what never changes once an alert is sent (the departments of its recipients)."""
    return cache.get_or_set("frozen:" + ":".join(map(str, key)), compute, seconds)
