"""Webhooks the Twilio-compatible provider calls: an incoming SMS, and the steps of a voice
call, are someone answering an alert. Every request must carry the provider's signature."""

import functools
import hmac
from xml.sax.saxutils import escape

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from renraku.channels.sms import e164, signature
from renraku.directory.models import PersonalContact
from renraku.notices.models import Recipient

from . import phone as voice
from .actions import record_answer
from .links import recipient_id_from
from .phone import DIGITS

_HALF_WIDTH = str.maketrans("０１２３４５６７８９　", "0123456789 ")
_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response>{}</Response>'


def _twiml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml")


def _message(text: str) -> HttpResponse:
    # Escaped: a follow-up's reply may name a site ("&" in a name would break the XML).
    return _twiml(_TWIML.format(f"<Message>{escape(text)}</Message>" if text else ""))


def signed_by_provider(view):
    """Refuse (403) a request without a valid X-Twilio-Signature over the full URL, query
    string included, and the POST parameters. CSRF does not apply: the signature is the
    proof of origin."""

    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        url = settings.BASE_URL + request.get_full_path()
        expected = signature(url, request.POST.dict(), settings.TWILIO_TOKEN)
        given = request.headers.get("X-Twilio-Signature", "")
        if not settings.TWILIO_TOKEN or not hmac.compare_digest(expected, given):
            return HttpResponseForbidden("bad signature")
        return view(request, *args, **kwargs)

    return checked


@signed_by_provider
def incoming_sms(request):
    """Reply '1' → 無事 for the newest open alert that asked this number's owner."""
    sender = request.POST.get("From", "")
    staff_ids = [
        c.staff_id
        for c in PersonalContact.objects.exclude(mobile="").only("staff_id", "mobile")
        if e164(c.mobile) == sender
    ]
    recipient = (
        Recipient.objects.select_related("notice__alert")
        .filter(
            staff_id__in=staff_ids, notice__alert__isnull=False, notice__finished_at__isnull=True
        )
        .exclude(notice__alert__reply_form="none")
        .order_by("-notice__issued_at")
        .first()
    )
    if recipient is None:
        return _message("")
    # Full-width digits from Japanese keyboards; spaces a phone may add.
    body = request.POST.get("Body", "").translate(_HALF_WIDTH).strip()
    follow_up = voice.follow_up_for(recipient)
    if follow_up and (reply := follow_up.sms_reply(recipient, body)) is not None:
        return _message(reply)
    value = DIGITS.get(recipient.notice.alert.reply_form, {}).get(body[:1])
    if value is None:
        return _message("1, 2 または 3 を返信してください。")
    try:
        record_answer(recipient, value, via="sms")
    except ValidationError:
        return _message("")
    return _message(
        "回答を受け付けました。" + (follow_up.sms_prompt(recipient) if follow_up else "")
    )


@signed_by_provider
def voice_call(request, token):
    """One URL for the call and its keypad steps (?step=answer|attendance, or a registered
    follow-up's own steps): the token in it says whose call this is, as for a one-tap
    link."""
    try:
        recipient_id = recipient_id_from(token)
    except signing.BadSignature:
        return HttpResponseForbidden("link not valid")
    recipient = get_object_or_404(
        Recipient.objects.select_related("notice__alert"), pk=recipient_id
    )
    if not recipient.notice.alert.is_open:  # as for SMS and the answer page: no answers once closed
        return _twiml(voice.closed_twiml())
    digit = request.POST.get("Digits", "")[:1]
    step = request.GET.get("step", "")

    def answer(value=None, attendance=None):
        record_answer(recipient, value, attendance=attendance, via="voice")

    if step == "answer":
        return _twiml(voice.answer_twiml(recipient, digit, answer))
    if step == "attendance" and recipient.answer:
        return _twiml(voice.attendance_twiml(digit, lambda choice: answer(attendance=choice)))
    follow_up = voice.follow_up_for(recipient) if step and recipient.answer else None
    if follow_up and (verbs := follow_up.voice(recipient, step, digit)) is not None:
        return _twiml(voice.response(*verbs))
    return _twiml(voice.message_twiml(recipient))
