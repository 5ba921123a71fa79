"""参集 by telephone, for a cheap phone: after the safety answer a voice call asks on the
keypad whether the person can come (1) and when, or cannot (2) and why, one key each; an
SMS reply gives the same two keys as one code ("12": can come within an hour), explained
in the reply to their safety answer. Recorded as the answer page records them
(actions.record_answer, via "voice" or "sms"). Registered with broadcast's phone hooks
(apps.py): broadcast asks, this app answers.

The words are Japanese whatever the interface language: the voice that reads them is, and
so is a ward's SMS.
"""

import re

from django.core.exceptions import ValidationError
from django.utils import translation

from renraku.broadcast.phone import call_url, gather, hangup, say

from . import actions
from .models import Callup, Eta, Reason

ETAS = {"1": Eta.MIN30, "2": Eta.MIN60, "3": Eta.MIN180, "4": Eta.DAY}
REASONS = {"1": Reason.INJURED, "2": Reason.FAMILY, "3": Reason.TRANSPORT, "4": Reason.OTHER}
SPOKEN = {
    Eta.MIN30: "30分以内",
    Eta.MIN60: "1時間以内",
    Eta.MIN180: "3時間以内",
    Eta.DAY: "今日中",
    Reason.INJURED: "本人の負傷",
    Reason.FAMILY: "家族の事情",
    Reason.TRANSPORT: "交通途絶",
    Reason.OTHER: "その他",
}
ASK = "参集できるなら1、参集できないなら2を押してください。"
ASK_ETA = (
    "到着見込みが、30分以内なら1、1時間以内なら2、3時間以内なら3、今日中なら4を押してください。"
)
ASK_REASON = (
    "参集できない理由が、本人の負傷なら1、家族の事情なら2、交通途絶なら3、"
    "その他なら4を押してください。"
)
_STEPS = {"eta": (ETAS, ASK_ETA), "reason": (REASONS, ASK_REASON)}
SMS_CODES = (
    "参集できるなら到着見込みを返信: 11=30分以内 12=1時間以内 13=3時間以内 14=今日中。"
    "できないなら理由を返信: 21=本人の負傷 22=家族の事情 23=交通途絶 24=その他"
)
# Two digits (a space or hyphen between allowed) are a 参集 code, valid or not: "15" is a
# mistyped code, never the safety answer "1".
_TWO_DIGITS = re.compile(r"(\d)[\s\-]?(\d)")
_WRONG_KEY = "その番号は選べません。"


def _callup(recipient) -> Callup | None:
    callup = (
        Callup.objects.select_related("site", "mobilisation__alert")
        .filter(recipient_id=recipient.pk)
        .first()
    )
    if callup is not None:
        callup.recipient = recipient  # as the phone hook has it, its answer just recorded
    return callup


def _record(callup: Callup, *, eta: str = "", reason: str = "", via: str) -> str:
    """Record the answer; the reason in Japanese when it cannot be, else ""."""
    try:
        with translation.override("ja"):
            actions.record_answer(callup, eta=eta, reason=reason, via=via)
    except ValidationError as exc:
        with translation.override("ja"):
            return "".join(exc.messages)
    return ""


def _closed(callup: Callup) -> str:
    """Why no 参集 answer can be taken now (in Japanese), or ""."""
    with translation.override("ja"):
        try:
            actions._check_open(callup)
        except ValidationError as exc:
            return "".join(exc.messages)
    return ""


def _post(callup: Callup) -> str:
    site = callup.site
    if site is None:
        return ""
    return f"参集場所は{site.name}" + (f"（{site.address}）" if site.address else "") + "です。"


def _answered(callup: Callup, choice: str) -> str:
    if callup.coming:
        return f"{SPOKEN[choice]}に参集、と回答しました。{_post(callup)}"
    return f"参集できない、{SPOKEN[choice]}、と回答しました。"


class CallupByPhone:
    """broadcast.phone.FollowUp for an alert that is a mobilisation."""

    def asks(self, recipient) -> bool:
        return Callup.objects.filter(recipient_id=recipient.pk).exists()

    def voice(self, recipient, step: str, digit: str):
        if step not in ("", "callup", *_STEPS):
            return None
        callup = _callup(recipient)
        if closed := _closed(callup):
            return [say(closed), hangup()]
        url = call_url(recipient.pk, "callup")
        if step == "":
            return [
                gather(url, say(ASK)),
                gather(url, say("繰り返します。"), say(ASK)),
                say("参集の回答は、メールやアプリのリンクからもできます。ありがとうございました。"),
                hangup(),
            ]
        if step == "callup":
            if digit not in ("1", "2"):
                return [say(_WRONG_KEY), *self.voice(recipient, "", "")]
            step = "eta" if digit == "1" else "reason"
            return [gather(call_url(recipient.pk, step), say(_STEPS[step][1])), *self._no_key()]
        choices, question = _STEPS[step]
        choice = choices.get(digit)
        if choice is None:
            return [
                say(_WRONG_KEY),
                gather(call_url(recipient.pk, step), say(question)),
                *self._no_key(),
            ]
        if problem := _record(callup, via="voice", **{step: choice}):
            return [say(problem), hangup()]
        return [say(_answered(callup, choice)), say("ありがとうございました。"), hangup()]

    def _no_key(self):
        return [
            say("回答が確認できませんでした。メールまたはアプリから回答してください。"),
            hangup(),
        ]

    def sms_prompt(self, recipient) -> str:
        callup = _callup(recipient)
        return "" if _closed(callup) else SMS_CODES

    def sms_reply(self, recipient, body: str) -> str | None:
        code = _TWO_DIGITS.fullmatch(body)
        if code is None:
            return None
        first, second = code.groups()
        choices = {"1": ETAS, "2": REASONS}.get(first, {})
        choice = choices.get(second)
        if choice is None:
            return f"{_WRONG_KEY}{SMS_CODES}"
        callup = _callup(recipient)
        field = "eta" if first == "1" else "reason"
        if problem := _record(callup, via="sms", **{field: choice}):
            if not recipient.answer:
                problem += "1 無事、2 軽傷、3 重傷 を返信してください。"
            return problem
        return _answered(callup, choice)


CALLUP_BY_PHONE = CallupByPhone()
