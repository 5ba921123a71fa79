"""Webhooks the SMS provider calls: an incoming SMS is someone answering an alert."""

import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from renraku.broadcast.actions import record_answer
from renraku.broadcast.models import Recipient
from renraku.directory.models import PersonalContact

from .sms import DIGITS, e164, signature

_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response>{}</Response>'


def _message(text: str) -> HttpResponse:
    body = _TWIML.format(f"<Message>{text}</Message>" if text else "")
    return HttpResponse(body, content_type="text/xml")


@csrf_exempt  # authenticated by the provider's signature instead
@require_POST
def incoming_sms(request):
    """Reply '1' → 無事 for the newest open alert that asked this number's owner."""
    expected = signature(
        settings.BASE_URL + request.path, request.POST.dict(), settings.TWILIO_TOKEN
    )
    if not settings.TWILIO_TOKEN or not hmac.compare_digest(
        expected, request.headers.get("X-Twilio-Signature", "")
    ):
        return HttpResponseForbidden("bad signature")
    sender = request.POST.get("From", "")
    staff_ids = [
        c.staff_id
        for c in PersonalContact.objects.exclude(mobile="").only("staff_id", "mobile")
        if e164(c.mobile) == sender
    ]
    recipient = (
        Recipient.objects.select_related("alert")
        .filter(staff_id__in=staff_ids, alert__closed_at__isnull=True)
        .exclude(alert__reply_form="none")
        .order_by("-alert__created_at")
        .first()
    )
    if recipient is None:
        return _message("")
    digit = (
        request.POST.get("Body", "").strip()[:1].translate(str.maketrans("１２３", "123"))
    )  # full-width digits from Japanese keyboards
    value = DIGITS.get(recipient.alert.reply_form, {}).get(digit)
    if value is None:
        return _message("1, 2 または 3 を返信してください。")
    try:
        record_answer(recipient, value, via="sms", request=request)
    except ValidationError:
        return _message("")
    return _message("回答を受け付けました。")
