"""参集 answered on a cheap phone: by voice keypad and by SMS reply, through the webhooks as
the Twilio-compatible stand-in posts them (signed), after the safety answer."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.broadcast.actions import Draft
from renraku.broadcast.models import Alert
from renraku.broadcast.tasks import run_escalations
from renraku.channels.sms import signature
from renraku.mobilise import actions
from renraku.mobilise.models import Callup
from renraku.notices.models import Recipient

ALICE = "+819011112222"  # 090-1111-2222, her personal mobile (level 3, post: the school)


@pytest.fixture
def twilio(settings):
    from renraku.channels.testing import TwilioStandIn

    server = TwilioStandIn("AC" + "0" * 32, "secret-token").start()
    settings.TWILIO_URL, settings.TWILIO_SID, settings.TWILIO_TOKEN = (
        server.origin,
        server.sid,
        server.token,
    )
    settings.SMS_FROM = "+81312345678"
    yield server
    server.stop()


@pytest.fixture
def start(ward, twilio, django_capture_on_commit_callbacks):
    def _start(level=3):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.start(level, drill=True)

    return _start


def reply(client, settings, body):
    params = {"From": ALICE, "To": settings.SMS_FROM, "Body": body, "MessageSid": "SM1"}
    url = settings.BASE_URL + reverse("broadcast:incoming_sms")
    sig = signature(url, params, settings.TWILIO_TOKEN)
    response = client.post(reverse("broadcast:incoming_sms"), params, HTTP_X_TWILIO_SIGNATURE=sig)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    return response.text


def provider_posts(client, settings):
    def post(url, params, sig):
        response = client.post(
            url.removeprefix(settings.BASE_URL), params, HTTP_X_TWILIO_SIGNATURE=sig
        )
        assert response.status_code == 200, response.content
        return response.content

    return post


def call_alice(mobilisation, twilio):
    """The voice call that reaches Alice: the call-up's own step, to voice for those still
    silent after ten minutes (voice being configured)."""
    Alert.objects.filter(pk=mobilisation.pk).update(
        issued_at=timezone.now() - dt.timedelta(minutes=10),
    )
    run_escalations.call_local()
    [call] = twilio.calls_to(ALICE)
    return call


def alices(mobilisation, people) -> tuple[Recipient, Callup]:
    callup = Callup.objects.select_related("recipient").get(
        mobilisation=mobilisation, staff=people.alice.staff
    )
    return callup.recipient, callup


def test_on_the_keypad_safe_then_coming_within_an_hour(client, start, people, twilio, settings):
    m = start()
    said = twilio.pick_up(call_alice(m, twilio), "112", provider_posts(client, settings))
    assert "無事、と回答しました。" in said
    assert any("参集できるなら1" in s for s in said)
    assert not any("出勤できるなら" in s for s in said)  # 参集 replaces 出勤可否
    assert "1時間以内に参集、と回答しました。参集場所は区立池尻小学校です。" in said
    recipient, callup = alices(m, people)
    assert (recipient.answer, callup.coming, callup.eta) == ("safe", True, "60")
    latest = recipient.answers.order_by("-pk").first()
    assert (latest.attendance, latest.via) == ("can", "voice")


def test_on_the_keypad_cannot_come_with_a_reason_and_a_wrong_key_asked_again(
    client, start, people, twilio, settings
):
    m = start()
    said = twilio.pick_up(call_alice(m, twilio), "22793", provider_posts(client, settings))
    assert "その番号は選べません。" in said
    assert "参集できない、交通途絶、と回答しました。" in said
    recipient, callup = alices(m, people)
    assert recipient.answer == "minor"
    assert (callup.coming, callup.reason) == (False, "transport")
    assert recipient.attendance == "cannot"


def test_hanging_up_before_the_callup_question_leaves_it_unanswered(
    client, start, people, twilio, settings
):
    m = start()
    said = twilio.pick_up(call_alice(m, twilio), "1", provider_posts(client, settings))
    assert said.count("参集できるなら1、参集できないなら2を押してください。") == 2
    recipient, callup = alices(m, people)
    assert recipient.answer == "safe" and callup.answered_at is None


def test_by_sms_the_reply_to_the_safety_answer_explains_the_codes(client, start, people, settings):
    m = start()
    text = reply(client, settings, "1")
    assert "回答を受け付けました。" in text and "12=1時間以内" in text and "23=交通途絶" in text
    text = reply(client, settings, "１３")  # full-width, from a Japanese keyboard
    assert "3時間以内に参集、と回答しました。参集場所は区立池尻小学校です。" in text
    recipient, callup = alices(m, people)
    assert (recipient.answer, callup.coming, callup.eta) == ("safe", True, "180")
    assert recipient.answers.order_by("-pk").first().via == "sms"
    reply(client, settings, "2-2")
    callup.refresh_from_db()
    assert (callup.coming, callup.eta, callup.reason) == (False, "", "family")


def test_by_sms_a_code_before_the_safety_answer_or_a_wrong_code_changes_nothing(
    client, start, people, settings
):
    m = start()
    text = reply(client, settings, "11")
    assert "先に安否を答えてください。" in text and "1 無事" in text
    recipient, callup = alices(m, people)
    assert not recipient.answer and callup.answered_at is None
    reply(client, settings, "2")
    text = reply(client, settings, "15")  # a mistyped code is not the safety answer "1"
    assert "その番号は選べません。" in text and "11=30分以内" in text
    recipient, callup = alices(m, people)
    assert recipient.answer == "minor" and callup.answered_at is None


def test_someone_stood_down_is_told_so_and_not_asked(client, start, people, settings):
    m = start(3)
    actions.stand_down(m, 2)  # Alice is called at 3 only
    text = reply(client, settings, "1")
    assert "回答を受け付けました。" in text and "11=" not in text
    text = reply(client, settings, "11")
    assert "参集の対象ではなくなりました" in text
    assert alices(m, people)[1].answered_at is None


def test_an_alert_that_is_not_a_mobilisation_asks_no_callup_codes(
    client, people, twilio, send, settings
):
    draft = Draft(
        title="安否確認",
        body="回答してください。",
        audience={"staff": [people.alice.username]},
        channels=["sms"],
        reply_form="safety",
    )
    alert = send(draft, sender=people.bob)
    text = reply(client, settings, "11")
    assert "回答を受け付けました。" in text and "参集" not in text
    assert Recipient.objects.get(notice=alert).answer == "safe"
