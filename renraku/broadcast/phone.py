"""What an alert says on a voice call (TwiML <Say language="ja-JP">) and how it is answered
on the keypad (<Gather>). The words are Japanese whatever the interface language, because
the voice that reads them is. The provider fetches these through phone_hooks.

After the safety answer a capability built on alerts may ask its own question in place of
出勤可否, by voice and SMS reply alike (a mobilisation asks 参集: renraku/mobilise/phone.py).
It registers a FollowUp here, so broadcast never imports what sits above it.
"""

import xml.etree.ElementTree as ET
from typing import Protocol

from django.conf import settings
from django.urls import reverse

from renraku.notices.models import AnswerValue, Attendance

from .links import token_for
from .messages import subject
from .models import ReplyForm

LANGUAGE = "ja-JP"
# Keypad / reply digits for each answer, the same on SMS and voice.
DIGITS = {
    ReplyForm.SAFETY: {"1": "safe", "2": "minor", "3": "serious"},
    ReplyForm.ACKNOWLEDGE: {"1": "ack"},
}
ATTENDANCE_DIGITS = {"1": Attendance.CAN, "2": Attendance.LATE, "3": Attendance.CANNOT}
_CHOICES = {
    ReplyForm.SAFETY: "無事なら1、軽いけがなら2、重いけがなら3を押してください。",
    ReplyForm.ACKNOWLEDGE: "確認したら1を押してください。",
}
_ATTENDANCE = "出勤できるなら1、遅れて出勤できるなら2、出勤できないなら3を押してください。"
_SPOKEN = {
    AnswerValue.SAFE: "無事",
    AnswerValue.MINOR: "軽傷",
    AnswerValue.SERIOUS: "重傷",
    AnswerValue.ACKNOWLEDGED: "確認しました",
}


class FollowUp(Protocol):
    """A question after the safety answer, on the keypad and by SMS reply."""

    def asks(self, recipient) -> bool:
        """Whether it asks this recipient (e.g. their alert is a mobilisation)."""

    def voice(self, recipient, step: str, digit: str) -> list[ET.Element] | None:
        """The verbs for one of its own steps (step "": its first question, asked after
        the safety answer is heard back); None for a step that is not its own."""

    def sms_prompt(self, recipient) -> str:
        """What the reply to an SMS safety answer adds: its question and reply codes."""

    def sms_reply(self, recipient, body: str) -> str | None:
        """The reply to an SMS that is one of its codes (recorded); None otherwise."""


_FOLLOW_UPS: list[FollowUp] = []


def register_follow_up(follow_up: FollowUp) -> None:
    if follow_up not in _FOLLOW_UPS:
        _FOLLOW_UPS.append(follow_up)


def follow_up_for(recipient) -> FollowUp | None:
    if recipient.notice.alert.reply_form != ReplyForm.SAFETY:
        return None
    return next((f for f in _FOLLOW_UPS if f.asks(recipient)), None)


def call_url(recipient_id: int, step: str = "") -> str:
    url = settings.BASE_URL + reverse("broadcast:voice_call", args=[token_for(recipient_id)])
    return f"{url}?step={step}" if step else url


def response(*verbs: ET.Element) -> str:
    root = ET.Element("Response")
    root.extend(verbs)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode")


def say(text: str) -> ET.Element:
    say = ET.Element("Say", language=LANGUAGE)
    say.text = text
    return say


def gather(action: str, *says: ET.Element) -> ET.Element:
    gather = ET.Element(
        "Gather", input="dtmf", numDigits="1", timeout="8", action=action, method="POST"
    )
    gather.extend(says)
    return gather


def hangup() -> ET.Element:
    return ET.Element("Hangup")


def message_twiml(recipient) -> str:
    """What the person hears on picking up: who calls, the alert, and which key to press.
    Said twice if no key is pressed, as the ring may have woken them."""
    alert = recipient.notice.alert
    spoken = say(f"{settings.WARD_NAME}からの連絡です。{subject(alert)}。{alert.body}")
    choices = _CHOICES.get(alert.reply_form)
    if choices is None:
        return response(spoken, say("繰り返します。"), spoken, hangup())
    action = call_url(recipient.pk, "answer")
    return response(
        gather(action, spoken, say(choices)),
        gather(action, say("繰り返します。"), spoken, say(choices)),
        say("回答が確認できませんでした。メールまたはアプリから回答してください。"),
        hangup(),
    )


def answer_twiml(recipient, digit: str, record) -> str:
    """After a key: store the answer with `record(value)`; for a safety question, then ask
    whether they can come to work (or what a registered follow-up asks instead)."""
    value = DIGITS.get(recipient.notice.alert.reply_form, {}).get(digit)
    if value is None:
        return response(say("その番号は選べません。"), redirect(call_url(recipient.pk)))
    record(value)
    heard = say(f"{_SPOKEN[value]}、と回答しました。")
    if recipient.notice.alert.reply_form != ReplyForm.SAFETY:
        return response(heard, say("ありがとうございました。"), hangup())
    if follow_up := follow_up_for(recipient):
        return response(heard, *follow_up.voice(recipient, "", ""))
    return response(
        heard,
        gather(call_url(recipient.pk, "attendance"), say(_ATTENDANCE)),
        say("ありがとうございました。"),
        hangup(),
    )


def attendance_twiml(digit: str, record) -> str:
    attendance = ATTENDANCE_DIGITS.get(digit)
    if attendance is not None:
        record(attendance)
    return response(say("回答を受け付けました。ありがとうございました。"), hangup())


def closed_twiml() -> str:
    return response(say("この連絡は終了しました。回答は受け付けていません。"), hangup())


def redirect(url: str) -> ET.Element:
    redirect = ET.Element("Redirect", method="POST")
    redirect.text = url
    return redirect
