"""/healthz/ready (every health check; 503 when one fails) and /metrics (Prometheus).

/healthz stays the liveness probe (renraku/web/views.py: 200 while the web process and the
database answer). The server fixtures, `renraku serve` and load balancers wait on it, and a
web server with no task worker yet is alive and should take traffic; the full checks, which
fail without a worker, are a separate URL for monitoring.
"""

import hmac
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renraku.audit.actions import client_address

from . import checks
from . import metrics as collector

# Unauthenticated: whoever asks more often than this gets the same answer, so a flood of
# requests costs the database one round of checks every few seconds.
READY_CACHE_SECONDS = 5
METRICS_CACHE_SECONDS = 10


@require_GET
@never_cache
def ready(request):
    key = f"monitoring:ready:{get_language()}"
    result = cache.get(key)
    if result is None:
        result = checks.run_checks()
        cache.set(key, result, READY_CACHE_SECONDS)
    return JsonResponse(
        result, status=200 if result["ok"] else 503, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
@never_cache
def metrics(request):
    """Prometheus text format, for a caller with the bearer token (RENRAKU_METRICS_TOKEN)
    or from an allowed network (RENRAKU_METRICS_ALLOW). With neither configured the page
    does not exist (404): nothing about the ward is served to whoever finds the URL."""
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOW:
        raise Http404
    if not (_has_token(request) or _from_allowed_network(request)):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    body = cache.get("monitoring:metrics")
    if body is None:
        body = collector.render()
        cache.set("monitoring:metrics", body, METRICS_CACHE_SECONDS)
    return HttpResponse(body, content_type=collector.CONTENT_TYPE)


def _has_token(request) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not settings.METRICS_TOKEN or not header.startswith("Bearer "):
        return False
    given = header.removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), settings.METRICS_TOKEN.encode())


def _from_allowed_network(request) -> bool:
    address = client_address(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    for network in settings.METRICS_ALLOW:
        try:  # a mistyped entry allows nobody rather than failing every scrape
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False
