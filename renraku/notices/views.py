"""The one page of the pipeline: where a device's service worker says it showed a push."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import receipts

# A token is 60 characters at most; anything much larger is not one and is not read.
MAX_BODY = 256


# No session and no CSRF token: the service worker posts with no cookies (a phone may
# show an alert while nobody is signed in on it). The signed token is the whole authority,
# and it can only say "this delivery was shown".
@csrf_exempt
@require_POST
def receipt(request):
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = MAX_BODY + 1
    if declared > MAX_BODY or len(request.body) > MAX_BODY:
        return JsonResponse({"error": f"larger than {MAX_BODY} bytes"}, status=400)
    try:
        receipts.record(request.body.decode("ascii", "replace"))
    except receipts.Refused as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status)
    return HttpResponse(status=204)
