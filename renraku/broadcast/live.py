"""Figures that many screens watch at once, computed once for all of them.

On the day of the earthquake twenty screens refresh the same dashboard every two seconds:
each refresh counting 100,000 recipients again was ten counts a second, more than two
cores can do (p95 of 4.5 s, measured with benchmarks/dashboard.py). The counts are kept
for LIVE_FIGURES_SECONDS (2 s) in the cache the server's web processes share (files under
var/), so they are made about once a period, and a screen is at most that much behind —
less than its own refresh period. Permissions are never cached: only the figures, after
the check.
"""

from django.conf import settings
from django.core.cache import cache


def shared(*key, compute, periods: int = 1):
    """compute(), or what it gave for the same key within the last LIVE_FIGURES_SECONDS
    (times `periods`: an answer curve over many minutes may lag a little more)."""
    name = "live:" + ":".join(map(str, key))
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, settings.LIVE_FIGURES_SECONDS * periods)
    return value


# The answer curve reads every answer in order (a window over 50,000 rows at 100,000
# recipients, the dearest part of a refresh); drawn over minutes, it may lag ten seconds.
CURVE_PERIODS = 5


def frozen(*key, compute, seconds: int = 3600):
    """For what never changes once an alert is sent (the departments of its recipients)."""
    return cache.get_or_set("frozen:" + ":".join(map(str, key)), compute, seconds)
