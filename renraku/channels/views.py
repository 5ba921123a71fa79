import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from . import subscriptions

# A subscription is a few hundred bytes of JSON, 1,200 at most (an endpoint of up to 1000
# characters and two short keys): anything larger is not one, and is refused unparsed.
MAX_BODY = 4096


def _body(request) -> dict:
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # not JSON, or nested deeper than json will go
        return {}


def _too_large(request) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > MAX_BODY or len(request.body) > MAX_BODY


@login_required
@require_POST
def subscribe(request):
    """The page posts pushManager.subscribe()'s result here (with the CSRF header)."""
    if _too_large(request):
        return JsonResponse({"error": f"larger than {MAX_BODY} bytes"}, status=400)
    if request.user.staff is None:
        return JsonResponse({"error": "this account is not a member of staff"}, status=400)
    try:
        subscriptions.save(
            request.user.staff, _body(request), request.META.get("HTTP_USER_AGENT", "")
        )
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    return JsonResponse({"ok": True}, status=201)


@login_required
@require_POST
def unsubscribe(request):
    if _too_large(request):
        return JsonResponse({"error": f"larger than {MAX_BODY} bytes"}, status=400)
    if request.user.staff is not None:
        subscriptions.retire(request.user.staff, str(_body(request).get("endpoint", "")))
    return JsonResponse({"ok": True})
