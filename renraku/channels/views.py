import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from . import subscriptions


def _body(request) -> dict:
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return {}


@login_required
@require_POST
def subscribe(request):
    """The page posts pushManager.subscribe()'s result here (with the CSRF header)."""
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
    if request.user.staff is not None:
        subscriptions.retire(request.user.staff, str(_body(request).get("endpoint", "")))
    return JsonResponse({"ok": True})
