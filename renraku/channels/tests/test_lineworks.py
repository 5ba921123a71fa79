"""LINE WORKS through its stand-in on loopback: the service account's token, the message
with the person's own link, tokens kept and renewed, and failures that fall back."""

import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from renraku.broadcast.models import Alert
from renraku.channels import lineworks, registry
from renraku.channels.lineworks_standin import LineWorksStandIn
from renraku.notices.models import Delivery, Recipient
from renraku.notices.tasks import sweep_deliveries
from renraku.testing import sign_in

ALICE = "alice.yamada@ward.example"  # her LINE WORKS id
CLIENT_ID, SERVICE_ACCOUNT, BOT_ID = "c1ient1d", "abcde.serviceaccount@ward.example", "2000001"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
def line_works(settings, tmp_path):
    """The stand-in, and the settings that point the channel at it with a key made here
    (never one from the repository)."""
    key = new_key()
    key_file = tmp_path / "line-works.key"
    key_file.write_bytes(pem(key))
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    server = LineWorksStandIn(
        client_id=CLIENT_ID,
        client_secret="s3cret",
        service_account=SERVICE_ACCOUNT,
        public_key_pem=public,
        bot_id=BOT_ID,
        users={ALICE},
    ).start()
    settings.LINE_WORKS_CLIENT_ID = CLIENT_ID
    settings.LINE_WORKS_CLIENT_SECRET = "s3cret"
    settings.LINE_WORKS_SERVICE_ACCOUNT = SERVICE_ACCOUNT
    settings.LINE_WORKS_PRIVATE_KEY_FILE = str(key_file)
    settings.LINE_WORKS_BOT_ID = BOT_ID
    settings.LINE_WORKS_AUTH_URL = server.auth_url
    settings.LINE_WORKS_API_URL = server.api_url
    lineworks.tokens.clear()  # a token of an earlier test's stand-in means nothing here
    yield server
    lineworks.tokens.clear()
    server.stop()


@pytest.fixture
def alice(people):
    people.alice.staff.line_works_id = ALICE
    people.alice.staff.save(update_fields=["line_works_id"])
    return people.alice


def alert_from_the_cli(alice, django_capture_on_commit_callbacks, channels="line_works", *more):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "alert",
            "send",
            "--title",
            "震度5弱 安否確認",
            "--body",
            "落ち着いて回答してください。",
            "--audience",
            f"staff={alice.username}",
            "--channels",
            channels,
            *more,
            stdout=out,
        )
    return Alert.objects.get(pk=int(out.getvalue()))


def deliveries(alert) -> dict[str, str]:
    return dict(Delivery.objects.filter(recipient__notice=alert).values_list("channel", "status"))


def errors(alert) -> list[str]:
    return list(Delivery.objects.filter(recipient__notice=alert).values_list("error", flat=True))


def test_line_works_is_offered_only_once_it_is_configured(settings, line_works):
    assert "line_works" in registry.available()
    settings.LINE_WORKS_BOT_ID = ""
    assert "line_works" not in registry.available()


def test_an_alert_reaches_the_person_with_a_button_to_their_own_answer_page(
    client, alice, line_works, django_capture_on_commit_callbacks
):
    alert = alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    assert deliveries(alert) == {"line_works": "sent"}, (errors(alert), line_works.refused)
    [content] = line_works.to(ALICE)
    assert content["type"] == "button_template"
    assert content["contentText"].startswith("震度5弱 安否確認\n\n落ち着いて回答してください。")
    [button] = content["actions"]
    assert (button["type"], button["label"]) == ("uri", "回答する")
    # The button opens her own one-tap answer page.
    page = client.get(urlsplit(button["uri"]).path)
    assert page.status_code == 200 and "震度5弱 安否確認" in page.text
    # The message went with a token issued for the service account's signed assertion.
    [claims] = line_works.assertions
    assert (claims["iss"], claims["sub"]) == (CLIENT_ID, SERVICE_ACCOUNT)
    assert line_works.messages[0]["token"] == line_works.issued[0]
    recipient = Recipient.objects.get(notice=alert)
    assert recipient.reached_via == "line_works"


def test_a_drill_says_so_first(alice, line_works, django_capture_on_commit_callbacks):
    alert_from_the_cli(alice, django_capture_on_commit_callbacks, "line_works", "--drill")
    [content] = line_works.to(ALICE)
    assert content["contentText"].startswith("これは訓練です。\n【訓練】震度5弱")


def test_the_token_is_kept_for_the_next_alert(
    alice, line_works, django_capture_on_commit_callbacks
):
    alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    assert len(line_works.issued) == 1
    assert [m["token"] for m in line_works.messages] == line_works.issued * 2


def test_a_token_close_to_its_expiry_is_not_used_a_new_one_is_fetched(
    alice, line_works, django_capture_on_commit_callbacks
):
    line_works.token_lifetime = lineworks.REFRESH_MARGIN // 2
    alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    assert len(line_works.issued) == 2
    assert [m["token"] for m in line_works.messages] == line_works.issued
    assert not line_works.refused  # renewed before LINE WORKS had to refuse it


def test_a_token_refused_with_401_is_renewed_and_the_message_sent_once(
    alice, line_works, django_capture_on_commit_callbacks
):
    alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    line_works.expire_tokens()
    second = alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    assert [(where, status) for where, status, _why in line_works.refused] == [("message", 401)]
    assert len(line_works.issued) == 2
    assert [m["token"] for m in line_works.messages] == line_works.issued
    assert Delivery.objects.get(recipient__notice=second).tries == 0


def test_an_unknown_user_fails_for_good_and_falls_back_to_email(
    alice, line_works, smtp, django_capture_on_commit_callbacks
):
    line_works.users = {"someone.else@ward.example"}
    alert = alert_from_the_cli(alice, django_capture_on_commit_callbacks, "line_works,email")
    assert deliveries(alert) == {"line_works": "permanent", "email": "sent"}
    failed = Delivery.objects.get(recipient__notice=alert, channel="line_works")
    assert "404" in failed.error and "User not found" in failed.error
    assert len(smtp.to("alice@city.example")) == 1


def test_a_rate_limited_message_waits_for_retry_after_then_goes(
    alice, line_works, django_capture_on_commit_callbacks
):
    line_works.fail(ALICE, 429, "TOO_MANY_REQUESTS", retry_after="40")
    started = timezone.now()
    alert = alert_from_the_cli(alice, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(recipient__notice=alert)
    assert (delivery.status, delivery.tries) == ("failed", 1)
    assert delivery.not_before >= started + dt.timedelta(seconds=40)
    assert line_works.to(ALICE) == []
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())
    sweep_deliveries.call_local()
    assert len(line_works.to(ALICE)) == 1
    assert deliveries(alert) == {"line_works": "sent"}


@pytest.mark.parametrize(
    ("setting", "value", "refusal"),
    [
        ("LINE_WORKS_CLIENT_SECRET", "wrong", "401 invalid_client"),
        ("LINE_WORKS_SERVICE_ACCOUNT", "other.serviceaccount@ward.example", "400 invalid_grant"),
    ],
)
def test_credentials_line_works_refuses_fail_for_good_and_fall_back(
    settings, alice, line_works, smtp, django_capture_on_commit_callbacks, setting, value, refusal
):
    setattr(settings, setting, value)
    alert = alert_from_the_cli(alice, django_capture_on_commit_callbacks, "line_works,email")
    assert deliveries(alert) == {"line_works": "permanent", "email": "sent"}
    failed = Delivery.objects.get(recipient__notice=alert, channel="line_works")
    assert f"no access token: {refusal}" in failed.error
    assert line_works.messages == []


def test_an_assertion_signed_with_another_key_is_refused(
    settings, tmp_path, alice, line_works, smtp, django_capture_on_commit_callbacks
):
    other = tmp_path / "other.key"
    other.write_bytes(pem(new_key()))
    settings.LINE_WORKS_PRIVATE_KEY_FILE = str(other)
    alert = alert_from_the_cli(alice, django_capture_on_commit_callbacks, "line_works,email")
    assert deliveries(alert) == {"line_works": "permanent", "email": "sent"}
    [(where, status, why)] = line_works.refused
    assert (where, status) == ("token", 400) and "Signature verification failed" in why


def test_a_long_body_is_cut_to_what_line_works_takes(
    alice, line_works, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "alert",
            "send",
            "--title",
            "避難所開設",
            "--body",
            "あ" * 3000,
            "--audience",
            f"staff={alice.username}",
            "--channels",
            "line_works",
            stdout=out,
        )
    [content] = line_works.to(ALICE)
    assert len(content["contentText"]) == lineworks.TEXT_LIMIT
    assert content["contentText"].endswith("…")


def test_people_without_an_id_are_not_reached_by_line_works(
    people, line_works, smtp, django_capture_on_commit_callbacks
):
    alert = alert_from_the_cli(people.alice, django_capture_on_commit_callbacks, "line_works,email")
    assert deliveries(alert) == {"email": "sent"}
    assert line_works.issued == []


def test_the_command_line_refuses_line_works_until_it_is_configured(people, settings):
    settings.LINE_WORKS_CLIENT_ID = ""
    with pytest.raises(CommandError):
        call_command(
            "alert",
            "send",
            "--title",
            "t",
            "--body",
            "b",
            "--audience",
            f"staff={people.alice.username}",
            "--channels",
            "line_works",
        )
    assert not Alert.objects.exists()


def test_an_escalation_step_can_name_line_works_once_configured(
    people, settings, line_works, alice, smtp, django_capture_on_commit_callbacks
):
    alert = alert_from_the_cli(
        alice, django_capture_on_commit_callbacks, "email", "--escalate", "5:line_works"
    )
    assert alert.escalation == [{"after_minutes": 5, "action": "channel", "channel": "line_works"}]
    settings.LINE_WORKS_CLIENT_ID = ""
    with pytest.raises(CommandError, match="利用できない連絡手段"):
        alert_from_the_cli(
            alice, django_capture_on_commit_callbacks, "email", "--escalate", "5:line_works"
        )


def test_the_compose_page_offers_line_works_and_sends_by_it(
    client, people, alice, line_works, smtp, django_capture_on_commit_callbacks
):
    sign_in(client, people.bob)
    assert "order_line_works" in client.get(reverse("broadcast:compose")).context["form"].fields
    form = {
        "title": "台風接近 安否確認",
        "body": "回答してください。",
        "category": "weather",
        "severity": "warning",
        "reply_form": "safety",
        "order_line_works": "1",
        "order_email": "2",
        "departments": ["SOM"],
    }
    preview = client.post(reverse("broadcast:compose"), {**form, "confirm": "preview"})
    assert {"channel": "LINE WORKS", "covers": 1, "first": 1} in preview.context["preview"][
        "coverage"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("broadcast:compose"), {**form, "confirm": "send"})
    alert = Alert.objects.get()
    assert len(line_works.to(ALICE)) == 1
    assert {m["To"] for _r, m in smtp.messages} == {"carol@city.example"}
    assert dict(Recipient.objects.filter(notice=alert).values_list("staff", "reached_via")) == {
        alice.staff.pk: "line_works",
        people.carol.staff.pk: "email",
    }


def test_the_compose_page_does_not_offer_line_works_unconfigured(client, people):
    sign_in(client, people.bob)
    assert "order_line_works" not in client.get(reverse("broadcast:compose")).context["form"].fields
