"""How an alert reads on each channel."""

from django.utils.translation import gettext as _

from .models import Alert, Kind

# A Japanese SMS is UCS-2: 70 characters in one segment, 67 in each of a longer message's
# segments (the rest carries the joining header). Carriers bill per segment.
SMS_SEGMENT = 70
SMS_MULTIPART_SEGMENT = 67
# A push message must fit in 4,096 bytes once encrypted (RFC 8291 adds 103 bytes of
# header, padding and tag); JSON and our URL take the rest of the margin.
PUSH_PAYLOAD_LIMIT = 3_800


def subject(alert: Alert) -> str:
    """`【訓練】【訂正】title`: a drill or a correction must be unmistakable at a glance."""
    marks = []
    if alert.is_drill:
        marks.append(_("[DRILL]"))
    if alert.kind == Kind.CORRECTION:
        marks.append(_("[CORRECTION]"))
    elif alert.kind == Kind.CANCELLATION:
        marks.append(_("[CANCELLED]"))
    elif alert.kind == Kind.FOLLOW_UP:
        marks.append(_("[REMINDER]"))
    elif alert.kind == Kind.ALL_CLEAR:
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
