"""Alert titles and post titles follow one rule for one-line text (renraku/textcheck.py):
neither takes a right-to-left override (which makes "請求書\u202efdp.exe" read as
"請求書exe.pdf") nor a line separator (a line break in a mail header), at every door."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from renraku.accounts.models import ApiToken
from renraku.broadcast.models import Alert
from renraku.bulletin.models import Post
from renraku.testing import sign_in

TITLES = ["請求書\u202efdp.exe", "台風\u2028接近"]

ALERT_FORM = {
    "body": "回答してください。",
    "category": "weather",
    "severity": "warning",
    "reply_form": "safety",
    "order_email": "1",
    "departments": ["SOM"],
}


def _api_post(client, user, scope, path, body):
    _token, raw = ApiToken.issue(user, "防災システム", scopes=[scope])
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_IDEMPOTENCY_KEY="one-line",
    )


@pytest.mark.parametrize("title", TITLES)
def test_an_alert_title_must_be_one_line_on_the_page_the_api_and_the_command_line(
    client, people, title
):
    sign_in(client, people.bob)
    page = client.post(
        reverse("broadcast:compose"), {**ALERT_FORM, "title": title, "confirm": "send"}
    )
    assert page.status_code == 400
    body = {"title": title, "body": "b", "audience": "all", "channels": ["email"]}
    api = _api_post(client, people.bob, "alerts", "/api/v1/alerts", body)
    assert api.status_code == 400 and api.json()["errors"]
    with pytest.raises(CommandError, match="1行"):
        call_command(
            "alert",
            "send",
            *("--title", title, "--body", "b", "--audience", "all", "--channels", "email"),
        )
    assert not Alert.objects.exists()


@pytest.mark.parametrize("title", TITLES)
def test_a_post_title_must_be_one_line_on_the_page_the_api_and_the_command_line(
    client, people, tmp_path, title
):
    sign_in(client, people.dave)
    page = client.post(
        reverse("bulletin:compose"),
        {"title": title, "body": "本文", "departments": ["SOM"], "action": "publish"},
    )
    assert page.status_code == 400
    api = _api_post(
        client, people.dave, "bulletin", "/api/v1/posts", {"title": title, "body": "本文"}
    )
    assert api.status_code == 400 and api.json()["errors"]
    body_file = tmp_path / "body.md"
    body_file.write_text("本文", encoding="utf-8")
    with pytest.raises(CommandError, match="1行"):
        call_command("bulletin", "post", "--title", title, "--body-file", str(body_file))
    assert not Post.objects.exists()


def test_a_post_body_may_hold_line_breaks_but_not_a_right_to_left_override(client, people):
    sign_in(client, people.dave)
    form = {"title": "お知らせ", "departments": ["SOM"], "action": "publish"}
    refused = client.post(reverse("bulletin:compose"), {**form, "body": "本文\u202e逆"})
    assert refused.status_code == 400 and not Post.objects.exists()
    client.post(reverse("bulletin:compose"), {**form, "body": "一行目\n二行目\u2028三行目"})
    assert Post.objects.get().body == "一行目\n二行目\u2028三行目"
