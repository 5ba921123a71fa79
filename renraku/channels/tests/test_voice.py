"""Voice calls through the Twilio-compatible stand-in: the alert read out in Japanese,
answered on the keypad, every webhook signed."""

import datetime as dt

from django.utils import timezone

from renraku.broadcast.actions import Draft
from renraku.broadcast.models import Alert
from renraku.broadcast.tasks import run_escalations
from renraku.channels import registry
from renraku.notices.models import Delivery, Recipient

ALICE = "+819011112222"  # 090-1111-2222, her personal mobile


def to_alice(people, **kw):
    fields = {
        "title": "震度5弱 安否確認",
        "body": "区内で強い揺れを観測しました。",
        "audience": {"staff": [people.alice.username]},
        "channels": ["voice"],
        "reply_form": "safety",
    }
    return Draft(**(fields | kw))


def provider_posts(client, settings):
    """How the provider's requests reach our server in these tests: the Django client,
    with the path and query of the URL it was given."""

    def post(url, params, signature):
        assert url.startswith(settings.BASE_URL)
        path = url.removeprefix(settings.BASE_URL)
        response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/xml")
        return response.content

    return post


def alice_of(alert, people):
    return Recipient.objects.get(notice=alert, staff=people.alice.staff)


def test_voice_is_offered_only_once_a_provider_is_configured(settings):
    settings.TWILIO_SID = ""
    assert "voice" not in registry.available()
    settings.TWILIO_SID, settings.TWILIO_TOKEN = "AC1", "token"
    assert "voice" in registry.available()


def test_the_call_reads_the_alert_in_japanese_and_asks_for_a_key(
    client, people, twilio, send, settings
):
    alert = send(to_alice(people), sender=people.bob)
    [call] = twilio.calls_to(ALICE)
    assert call["From"] == settings.SMS_FROM
    said = twilio.pick_up(call, "", provider_posts(client, settings))
    assert (
        said[0]
        == f"{settings.WARD_NAME}からの連絡です。震度5弱 安否確認。区内で強い揺れを観測しました。"
    )
    assert "無事なら1" in said[1]
    assert "繰り返します。" in said  # nobody pressed a key: said once more, then given up
    assert "回答が確認できませんでした" in said[-1]
    assert not alice_of(alert, people).answer
    assert Delivery.objects.get(recipient__notice=alert).status == "sent"


def test_the_twiml_is_spoken_by_a_japanese_voice(client, people, twilio, send, settings):
    send(to_alice(people), sender=people.bob)
    [call] = twilio.calls_to(ALICE)
    path = call["Url"].removeprefix(settings.BASE_URL)
    from renraku.channels.sms import signature

    twiml = client.post(
        path, {}, HTTP_X_TWILIO_SIGNATURE=signature(call["Url"], {}, settings.TWILIO_TOKEN)
    ).text
    assert twiml.count('<Say language="ja-JP">') >= 4 and "<Gather" in twiml


def test_pressing_1_then_2_answers_safe_and_coming_late(client, people, twilio, send, settings):
    alert = send(to_alice(people), sender=people.bob)
    [call] = twilio.calls_to(ALICE)
    said = twilio.pick_up(call, "12", provider_posts(client, settings))
    assert "無事、と回答しました。" in said and "出勤できるなら1" in said[-2]
    assert "回答を受け付けました" in said[-1]
    recipient = alice_of(alert, people)
    assert recipient.answer == "safe"
    latest = recipient.answers.order_by("-pk").first()
    assert (latest.value, latest.attendance, latest.via) == ("safe", "late", "voice")


def test_a_key_that_is_not_a_choice_is_said_and_the_question_asked_again(
    client, people, twilio, send, settings
):
    alert = send(to_alice(people), sender=people.bob)
    [call] = twilio.calls_to(ALICE)
    said = twilio.pick_up(call, "93", provider_posts(client, settings))
    assert "その番号は選べません。" in said
    assert alice_of(alert, people).answer == "serious"


def test_an_acknowledgement_takes_one_key(client, people, twilio, send, settings):
    alert = send(to_alice(people, reply_form="acknowledge"), sender=people.bob)
    [call] = twilio.calls_to(ALICE)
    said = twilio.pick_up(call, "1", provider_posts(client, settings))
    assert "確認しました、と回答しました。" in said
    assert alice_of(alert, people).answer == "ack"


def test_forged_or_unsigned_webhooks_and_forged_links_are_refused(
    client, people, twilio, send, settings
):
    alert = send(to_alice(people), sender=people.bob)
    [call] = twilio.calls_to(ALICE)
    path = call["Url"].removeprefix(settings.BASE_URL)
    answer = {"Digits": "1"}
    assert client.post(path + "?step=answer", answer).status_code == 403
    forged = client.post(path + "?step=answer", answer, HTTP_X_TWILIO_SIGNATURE="AAAA")
    assert forged.status_code == 403
    # A validly signed request for a token we did not make is refused as well.
    from renraku.channels.sms import signature

    fake = f"{settings.BASE_URL}/hooks/voice/{alice_of(alert, people).pk}/?step=answer"
    signed = signature(fake, answer, settings.TWILIO_TOKEN)
    response = client.post(
        fake.removeprefix(settings.BASE_URL), answer, HTTP_X_TWILIO_SIGNATURE=signed
    )
    assert response.status_code == 403
    assert not alice_of(alert, people).answer


def test_escalation_calls_only_those_still_unanswered(people, twilio, smtp, send):
    alert = send(
        Draft(
            title="安否確認",
            body="回答してください",
            audience={"staff": [people.alice.username, people.bob.username]},
            channels=["email"],
            reply_form="safety",
            escalation=[{"after_minutes": 10, "action": "channel", "channel": "voice"}],
        ),
        sender=people.bob,
    )
    Recipient.objects.filter(notice=alert, staff=people.bob.staff).update(
        answer="safe", answered_at=timezone.now()
    )
    Alert.objects.filter(pk=alert.pk).update(issued_at=timezone.now() - dt.timedelta(minutes=10))
    run_escalations.call_local()
    assert [c["To"] for c in twilio.calls] == [ALICE]


def test_the_providers_published_signature_example():
    """Twilio's own example (token 12345), so our check agrees with the real provider."""
    from renraku.channels.sms import signature

    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature(url, params, "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
