"""The web floor for the benchmarks: the cheapest signed-in request this server can answer.

Through the whole middleware (session, user, CSRF on POST, two-factor, messages …) and
nothing else: no template, no query of its own. benchmarks/bulletin.py and booking.py
measure our pages as a share of its throughput on the same workers (docs/ARCHITECTURE.md,
"Targets"). Only routed when RENRAKU_BENCHMARK_FLOOR=1 (renraku/urls.py): never in
production.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_http_methods


@login_required
@require_http_methods(["GET", "POST"])
def floor(request):
    # A POST reaches here only past CsrfViewMiddleware: the booking's floor.
    return HttpResponse(b"ok", content_type="text/plain")
