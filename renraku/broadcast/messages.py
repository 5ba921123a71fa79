"""How an alert reads on each channel: the Message the pipeline hands the channels."""

from django.utils.translation import gettext as _

from renraku.channels.message import Message
from renraku.channels.webpush import PUSH_PAYLOAD_LIMIT
from renraku.notices.models import Urgency

from .models import Alert, AlertKind, ReplyForm, Severity

# A Japanese SMS is UCS-2: 70 characters in one segment, 67 in each of a longer message's
# segments (the rest carries the joining header). Carriers bill per segment.
SMS_SEGMENT = 70
SMS_MULTIPART_SEGMENT = 67


def subject(alert: Alert) -> str:
    """`【訓練】【訂正】title`: a drill or a correction must be unmistakable at a glance."""
    marks = []
    if alert.is_drill:
        marks.append(_("[DRILL]"))
    if alert.kind == AlertKind.CORRECTION:
        marks.append(_("[CORRECTION]"))
    elif alert.kind == AlertKind.CANCELLATION:
        marks.append(_("[CANCELLED]"))
    elif alert.kind == AlertKind.REMINDER:
        marks.append(_("[REMINDER]"))
    elif alert.kind == AlertKind.ALL_CLEAR:
        marks.append(_("[ALL CLEAR]"))
    return "".join(marks) + alert.title


def sms_segments(text: str) -> int:
    if len(text) <= SMS_SEGMENT:
        return 1
    return -(-len(text) // SMS_MULTIPART_SEGMENT)


def length_warnings(title: str, body: str, channels: list[str]) -> list[str]:
    """What will not fit, per channel, said before sending."""
    warnings = []
    if "sms" in channels and (n := sms_segments(f"{title}\n{body}")) > 1:
        warnings.append(
            _("SMS: %(n)d segments (70 characters each in Japanese); consider a shorter text.")
            % {"n": n}
        )
    if "push" in channels and len(f"{title}{body}".encode()) > PUSH_PAYLOAD_LIMIT:
        warnings.append(
            _(
                "Push: the text is too long for a notification and will be cut; "
                "the full text is in the app."
            )
        )
    return warnings


def message_of(alert: Alert) -> Message:
    """The alert in the words every channel sends: urgent, with the recipient's one-tap
    answer link, the reply digits for SMS and voice, and a drill marked as one."""
    from .links import answer_url
    from .phone import call_url

    reply_hint = sms_hint = ""
    if alert.reply_form == ReplyForm.SAFETY:
        reply_hint = _("Tell us you are safe, with one tap:")
        sms_hint = _("Reply 1 safe, 2 minor injury, 3 serious injury")
    elif alert.reply_form == ReplyForm.ACKNOWLEDGE:
        reply_hint = _("Confirm you have read this, with one tap:")
        sms_hint = _("Reply 1 to confirm")
    return Message(
        title=subject(alert),
        body=alert.body,
        link=answer_url,
        tag=f"alert-{alert.pk}",
        urgency=Urgency.HIGH,
        preface=_("This is a DRILL.") if alert.is_drill else "",
        reply_hint=reply_hint,
        sms_reply_hint=sms_hint,
        call_url=call_url,
        require_interaction=alert.severity in (Severity.EMERGENCY, Severity.WARNING),
        extra={"drill": alert.is_drill},
    )


def wording(notice_ids: list[int]) -> dict[int, Message | None]:
    """For the pipeline: each alert's Message; None once it is closed (nothing more is
    sent for a closed alert)."""
    return {
        alert.pk: message_of(alert) if alert.is_open else None
        for alert in Alert.objects.filter(pk__in=notice_ids)
    }
