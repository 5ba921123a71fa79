"""The one-tap answer page: no sign-in, reached from a push, an e-mail, an SMS or the app.

Safety first, then whether the person can come to work, then (if they like) where they
are and a comment: each is recorded as it is tapped, so someone who taps 無事 and puts the
phone away has answered. Every part is a plain form post: the page works without script
on the cheapest phone, and a screen reader hears each step as a heading and each result
as a status message.
"""

from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt

from renraku.notices.models import AnswerValue, Attendance, Recipient

from . import actions, links
from .models import ReplyForm

# Capabilities built on alerts add their part to the page (a mobilisation asks 参集 in
# place of 出勤可否): each registers `extra(recipient, alert, token)`, returning None or a
# dict with the "template" to include, its context, "replaces_attendance", and perhaps
# "answer_labels" (a reception test's 届いた for 確認しました). Registered
# by them, so broadcast never imports what sits above it.
_EXTRAS = []


def register_extra(extra) -> None:
    if extra not in _EXTRAS:
        _EXTRAS.append(extra)


def recipient_or_gone(request, token):
    """The recipient the signed token names, or the page to answer with instead."""
    try:
        recipient_id = links.recipient_id_from(token)
    except signing.SignatureExpired:
        return None, render(request, "broadcast/answer_gone.html", {"expired": True}, status=410)
    except signing.BadSignature:
        return None, render(request, "broadcast/answer_gone.html", status=404)
    recipient = get_object_or_404(
        Recipient.objects.select_related("notice__alert"), pk=recipient_id
    )
    return recipient, None


@csrf_exempt  # the signed token in the URL is the credential; there is no session to ride
def answer(request, token):
    recipient, gone = recipient_or_gone(request, token)
    if gone:
        return gone
    errors, saved = [], ""
    if request.method != "POST":
        actions.mark_read(recipient)  # an answer marks it read too, in the same transaction
    else:
        part, fields = _posted_part(request.POST)
        try:
            actions.record_answer(recipient, via=via(request, recipient), **fields)
            saved = part
        except ValidationError as exc:
            errors = exc.messages
    return render_page(request, recipient, token, errors=errors, saved=saved)


def render_page(request, recipient, token, *, errors=(), saved=""):
    alert = recipient.notice.alert
    extra = next((e for fn in _EXTRAS if (e := fn(recipient, alert, token))), None)
    replaced = bool(extra and extra.get("replaces_attendance"))
    return render(
        request,
        "broadcast/answer.html",
        {
            "recipient": recipient,
            "alert": alert,
            "errors": list(errors),
            "saved": saved,
            "extra": extra,
            "choices": [
                (v, (extra or {}).get("answer_labels", {}).get(v, AnswerValue(v).label))
                for v in AnswerValue.values
                if v in actions.VALUES_FOR[alert.reply_form]
            ],
            "asks_attendance": alert.reply_form == ReplyForm.SAFETY and not replaced,
            "asks_details": alert.reply_form == ReplyForm.SAFETY,
            "attendance_choices": Attendance.choices,
            "latest": recipient.answers.order_by("-at", "-pk").first()
            if recipient.answer
            else None,
            "location_max": actions.LOCATION_MAX,
            "comment_max": actions.COMMENT_MAX,
        },
        status=400 if errors else 200,
    )


def _posted_part(post) -> tuple[str, dict]:
    """Which step this post answers, and the fields it gives: those it leaves out stay as
    the latest answer had them (each button sends one; a form may send several)."""
    fields = {k: post[k] for k in ("value", "attendance", "location", "comment") if k in post}
    part = "answer" if "value" in fields else "attendance" if "attendance" in fields else "details"
    return part, fields


def via(request, recipient) -> str:
    """Decided here, never taken from the form: the app when the person is signed in as
    themselves, else the link (from a push, an e-mail or an SMS)."""
    user = request.user
    own = user.is_authenticated and getattr(user, "staff_id", None) == recipient.staff_id
    return "app" if own else "link"
