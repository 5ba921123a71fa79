"""What an alert says on a voice call (TwiML <Say language="ja-JP">) and how it is answered
on the keypad (<Gather>). The words are Japanese whatever the interface language, because
the voice that reads them is. The provider fetches these through phone_hooks.
"""

import xml.etree.ElementTree as ET

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


def call_url(recipient_id: int, step: str = "") -> str:
    url = settings.BASE_URL + reverse("broadcast:voice_call", args=[token_for(recipient_id)])
    return f"{url}?step={step}" if step else url


def _response(*verbs: ET.Element) -> str:
    root = ET.Element("Response")
    root.extend(verbs)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode")


def _say(text: str) -> ET.Element:
    say = ET.Element("Say", language=LANGUAGE)
    say.text = text
    return say


def _gather(action: str, *says: ET.Element) -> ET.Element:
    gather = ET.Element(
        "Gather", input="dtmf", numDigits="1", timeout="8", action=action, method="POST"
    )
    gather.extend(says)
    return gather


def _hangup() -> ET.Element:
    return ET.Element("Hangup")


def message_twiml(recipient) -> str:
    """What the person hears on picking up: who calls, the alert, and which key to press.
    Said twice if no key is pressed, as the ring may have woken them."""
    alert = recipient.notice.alert
    spoken = _say(f"{settings.WARD_NAME}からの連絡です。{subject(alert)}。{alert.body}")
    choices = _CHOICES.get(alert.reply_form)
    if choices is None:
        return _response(spoken, _say("繰り返します。"), spoken, _hangup())
    action = call_url(recipient.pk, "answer")
    return _response(
        _gather(action, spoken, _say(choices)),
        _gather(action, _say("繰り返します。"), spoken, _say(choices)),
        _say("回答が確認できませんでした。メールまたはアプリから回答してください。"),
        _hangup(),
    )


def answer_twiml(recipient, digit: str, record) -> str:
    """After a key: store the answer with `record(value)`; for a safety question, then ask
    whether they can come to work."""
    value = DIGITS.get(recipient.notice.alert.reply_form, {}).get(digit)
    if value is None:
        return _response(_say("その番号は選べません。"), _redirect(call_url(recipient.pk)))
    record(value)
    heard = _say(f"{_SPOKEN[value]}、と回答しました。")
    if recipient.notice.alert.reply_form != ReplyForm.SAFETY:
        return _response(heard, _say("ありがとうございました。"), _hangup())
    return _response(
        heard,
        _gather(call_url(recipient.pk, "attendance"), _say(_ATTENDANCE)),
        _say("ありがとうございました。"),
        _hangup(),
    )


def attendance_twiml(digit: str, record) -> str:
    attendance = ATTENDANCE_DIGITS.get(digit)
    if attendance is not None:
        record(attendance)
    return _response(_say("回答を受け付けました。ありがとうございました。"), _hangup())


def closed_twiml() -> str:
    return _response(_say("この連絡は終了しました。回答は受け付けていません。"), _hangup())


def _redirect(url: str) -> ET.Element:
    redirect = ET.Element("Redirect", method="POST")
    redirect.text = url
    return redirect
