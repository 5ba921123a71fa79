"""SMS through a Twilio-compatible stand-in; answers by replying 1, 2 or 3."""

from django.urls import reverse
from django.utils import timezone

from renraku.broadcast.actions import Draft
from renraku.channels import registry
from renraku.channels.sms import e164, signature
from renraku.notices.models import Delivery, Recipient
from renraku.notices.tasks import sweep_deliveries

ALICE = "+819011112222"  # 090-1111-2222, her personal mobile


def draft(**kw):
    return Draft(
        **(
            {
                "title": "震度5弱 安否確認",
                "body": "回答してください。",
                "audience": {"staff": ["x"]},
                "channels": ["sms"],
                "reply_form": "safety",
            }
            | kw
        )
    )


def to_alice(people, **kw):
    return draft(audience={"staff": [people.alice.username]}, **kw)


def test_sms_is_offered_only_once_a_provider_is_configured(settings):
    settings.TWILIO_SID = ""
    assert "sms" not in registry.available()
    settings.TWILIO_SID, settings.TWILIO_TOKEN = "AC1", "token"
    assert "sms" in registry.available()


def test_the_message_says_how_to_answer(people, twilio, send):
    send(to_alice(people), sender=people.bob)
    [text] = twilio.to(ALICE)
    assert text.startswith("震度5弱 安否確認\n回答してください。")
    assert "1 無事、2 軽傷、3 重傷" in text and "/a/" in text


def test_the_providers_message_id_is_kept_with_the_delivery(people, twilio, send):
    alert = send(to_alice(people), sender=people.bob)
    [message] = twilio.messages
    delivery = Delivery.objects.get(recipient__notice=alert)
    assert (delivery.status, delivery.provider_id) == ("sent", message["sid"])


def test_a_number_that_does_not_exist_fails_for_good_and_falls_back_to_email(
    people, twilio, smtp, send
):
    twilio.fail(ALICE, 400, code=21211)
    alert = send(to_alice(people, channels=["sms", "email"]), sender=people.bob)
    assert dict(
        Delivery.objects.filter(recipient__notice=alert).values_list("channel", "status")
    ) == {"sms": "permanent", "email": "sent"}


def test_a_busy_provider_is_retried(people, twilio, send):
    twilio.fail(ALICE, 429, retry_after="3")
    alert = send(to_alice(people), sender=people.bob)
    Delivery.objects.filter(recipient__notice=alert).update(not_before=timezone.now())
    sweep_deliveries.call_local()
    assert len(twilio.to(ALICE)) == 1


def reply(client, settings, body, sender=ALICE, sign=True):
    params = {"From": sender, "To": "+81312345678", "Body": body, "MessageSid": "SM1"}
    url = settings.BASE_URL + reverse("broadcast:incoming_sms")
    headers = {
        "HTTP_X_TWILIO_SIGNATURE": signature(url, params, settings.TWILIO_TOKEN)
        if sign
        else "forged"
    }
    return client.post(reverse("broadcast:incoming_sms"), params, **headers)


def test_replying_1_answers_safe(client, people, twilio, send, settings):
    alert = send(to_alice(people), sender=people.bob)
    response = reply(client, settings, "１")  # a full-width digit from a Japanese keyboard
    assert "回答を受け付けました" in response.text
    recipient = Recipient.objects.get(notice=alert, staff=people.alice.staff)
    assert recipient.answer == "safe"
    assert recipient.answers.get().via == "sms"


def test_a_reply_that_is_not_a_choice_is_explained(client, people, twilio, send, settings):
    alert = send(to_alice(people), sender=people.bob)
    assert "1, 2 または 3" in reply(client, settings, "はい").text
    assert not Recipient.objects.get(notice=alert, staff=people.alice.staff).answer


def test_an_unsigned_or_forged_webhook_is_refused(client, people, twilio, send, settings):
    alert = send(to_alice(people), sender=people.bob)
    assert reply(client, settings, "1", sign=False).status_code == 403
    assert not Recipient.objects.get(notice=alert, staff=people.alice.staff).answer


def test_japanese_numbers_become_e164():
    assert e164("090-1234-5678") == "+819012345678"
    assert e164("03-5432-1111") == "+81354321111"
