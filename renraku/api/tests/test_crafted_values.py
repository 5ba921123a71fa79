"""Crafted numbers in an API body are refused with a clear message, and change nothing.

"²".isdigit() is true and int("²") fails: such a rank or escalation minute used to reach
int() and answer 500 (after the audience had been looked at)."""

import pytest

from renraku.broadcast.models import Alert
from renraku.bulletin.models import Post

ALERT = {
    "title": "訓練",
    "body": "回答してください。",
    "audience": "all",
    "channels": ["email"],
    "reply": "safety",
}


@pytest.mark.parametrize("rank", ["²", "١", "３"])
def test_an_alert_to_a_rank_that_is_not_a_number_is_refused(api, people, rank):
    raw = api.token(people.bob, "alerts")
    body = ALERT | {"audience": {"ranks": [rank]}}
    response = api.post("/api/v1/alerts", raw, body, key="rank")
    assert response.status_code == 400, response.content
    assert any("ranks" in problem for problem in response.json()["errors"]), response.json()
    assert not Alert.objects.exists()


@pytest.mark.parametrize("audience", ["ranks=²", {"ranks": ["²"]}])
def test_an_alert_to_a_crafted_rank_in_either_form_is_refused(api, people, audience):
    raw = api.token(people.bob, "alerts")
    response = api.post("/api/v1/alerts", raw, ALERT | {"audience": audience}, key="k")
    assert response.status_code == 400, response.content
    assert not Alert.objects.exists()


def test_an_escalation_step_with_crafted_minutes_is_refused(api, people):
    raw = api.token(people.bob, "alerts")
    response = api.post("/api/v1/alerts", raw, ALERT | {"escalate": "²:email"}, key="k")
    assert response.status_code == 400, response.content
    assert any("1" in problem and "1440" in problem for problem in response.json()["errors"])
    assert not Alert.objects.exists()


@pytest.mark.parametrize("audience", ["ranks=²", {"ranks": ["²"]}, {"ranks": [" ²"]}])
def test_a_post_to_a_crafted_rank_is_refused(api, people, audience):
    raw = api.token(people.dave, "bulletin")
    body = {"title": "題", "body": "本文", "audience": audience}
    response = api.post("/api/v1/posts", raw, body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    assert not Post.objects.exists()
