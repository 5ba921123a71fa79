import datetime as dt

from django.utils import translation

from renraku.api.models import IdempotencyKey
from renraku.audit.models import AuditEntry
from renraku.broadcast.models import Alert
from renraku.notices.models import Recipient

EARTHQUAKE = {
    "title": "震度5弱 安否確認",
    "body": "無事かどうか回答してください。",
    "audience": "all",
    "channels": ["email"],
    "reply": "safety",
    "drill": False,
    "escalate": "5:email,15:supervisor",
    "category": "earthquake",
    "severity": "emergency",
}


def test_an_integration_sends_an_alert_with_a_token(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    response = api.post("/api/v1/alerts", raw, EARTHQUAKE, key="jma-2024-0101-1610")
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "title": "震度5弱 安否確認", "recipients": 5}
    alert = Alert.objects.get(pk=body["id"])
    assert alert.sender == people.bob
    assert alert.escalation == [
        {"after_minutes": 5, "action": "channel", "channel": "email"},
        {"after_minutes": 15, "action": "supervisor"},
    ]
    assert len(smtp.to("alice@city.example")) == 1
    [sent] = AuditEntry.objects.filter(action="broadcast.sent")
    assert sent.actor_user_id == people.bob.pk and sent.target == f"alert:{alert.pk}"


def test_a_retried_request_sends_once_and_answers_the_same(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    first = api.post("/api/v1/alerts", raw, EARTHQUAKE, key="retry-me")
    again = api.post("/api/v1/alerts", raw, EARTHQUAKE, key="retry-me")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Alert.objects.count() == 1
    assert Recipient.objects.count() == 5
    assert len(smtp.to("alice@city.example")) == 1
    assert AuditEntry.objects.filter(action="broadcast.sent").count() == 1


def test_the_list_form_of_the_steps_is_the_same_request_as_the_text(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    api.post("/api/v1/alerts", raw, EARTHQUAKE, key="k")
    steps = [
        {"after_minutes": 5, "action": "channel", "channel": "email"},
        {"after_minutes": 15, "action": "supervisor"},
    ]
    again = api.post("/api/v1/alerts", raw, EARTHQUAKE | {"escalate": steps}, key="k")
    assert again.status_code == 200
    assert Alert.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    api.post("/api/v1/alerts", raw, EARTHQUAKE, key="k1")
    other = api.post("/api/v1/alerts", raw, EARTHQUAKE | {"title": "訂正"}, key="k1")
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["error"]
    assert Alert.objects.count() == 1


def test_keys_belong_to_their_token(api, people, smtp):
    first, second = api.token(people.bob, "alerts"), api.token(people.bob, "alerts")
    assert api.post("/api/v1/alerts", first, EARTHQUAKE, key="k").status_code == 201
    assert api.post("/api/v1/alerts", second, EARTHQUAKE, key="k").status_code == 201
    assert Alert.objects.count() == 2


def test_a_key_older_than_a_day_starts_a_new_alert(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    api.post("/api/v1/alerts", raw, EARTHQUAKE, key="daily")
    kept = IdempotencyKey.objects.get()
    kept.created_at -= dt.timedelta(hours=25)
    kept.save(update_fields=["created_at"])
    assert api.post("/api/v1/alerts", raw, EARTHQUAKE, key="daily").status_code == 201
    assert Alert.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_a_request_without_a_usable_key_is_refused(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    for key in (None, "", "x" * 101, "鍵"):
        response = api.post("/api/v1/alerts", raw, EARTHQUAKE, key=key)
        assert response.status_code == 400, key
        assert any("Idempotency-Key" in p for p in response.json()["errors"])
    assert not Alert.objects.exists()


def test_bad_input_lists_every_problem_and_sends_nothing(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    bad = EARTHQUAKE | {
        "title": "",
        "channels": "carrier-pigeon",
        "audience": {"sites": ["S999"]},
        "escalate": "0:email",
    }
    with translation.override("en"):
        response = api.post("/api/v1/alerts", raw, bad, key="bad", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    problems = response.json()["errors"]
    assert len(problems) == 4
    assert "Unknown in the audience: sites: S999" in problems
    assert not Alert.objects.exists() and smtp.messages == []
    assert not AuditEntry.objects.filter(action="broadcast.sent").exists()
    # the key was not spent on the failure: the corrected request goes out under it
    assert api.post("/api/v1/alerts", raw, EARTHQUAKE, key="bad").status_code == 201


def test_a_malformed_body_is_a_400_listing_the_fields(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    response = api.post(
        "/api/v1/alerts", raw, {"title": 5, "audience": {"departments": "SOM"}}, key="m"
    )
    assert response.status_code == 400
    problems = " ".join(response.json()["errors"])
    assert "title" in problems and "body" in problems and "channels" in problems
    shape = api.post(
        "/api/v1/alerts", raw, EARTHQUAKE | {"audience": {"departments": "SOM"}}, key="m"
    )
    assert shape.status_code == 400
    assert shape.json() == {"errors": ["audience.departments: a list of codes"]}
    assert not Alert.objects.exists()


def test_an_audience_in_the_command_lines_words(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    body = EARTHQUAKE | {"audience": "departments=SOM", "channels": "email"}
    response = api.post("/api/v1/alerts", raw, body, key="cli")
    assert response.status_code == 201
    assert response.json()["recipients"] == 2


def test_a_token_without_the_alerts_scope_cannot_send(api, people, smtp):
    raw = api.token(people.bob, "directory")
    response = api.post("/api/v1/alerts", raw, EARTHQUAKE, key="k")
    assert response.status_code == 403
    assert response.json()["scope"] == "alerts"
    assert not Alert.objects.exists()


def test_a_token_sends_only_what_its_user_may(api, people, org, smtp):
    for user in (people.alice, people.carol, people.dave, people.erin):
        raw = api.token(user, "alerts")
        assert api.post("/api/v1/alerts", raw, EARTHQUAKE, key="k").status_code == 403
    people.bob.scope_all = False
    people.bob.save(update_fields=["scope_all"])
    people.bob.scope_departments.add(org.kik)
    raw = api.token(people.bob, "alerts")
    outside = EARTHQUAKE | {"audience": {"departments": ["SOM"]}}
    assert api.post("/api/v1/alerts", raw, outside, key="som").status_code == 403
    assert not Alert.objects.exists()
    inside = EARTHQUAKE | {"audience": {"departments": ["KIK"]}}
    assert api.post("/api/v1/alerts", raw, inside, key="kik").status_code == 201


def test_status_gives_the_counts_of_the_command_line(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    alert_id = api.post("/api/v1/alerts", raw, EARTHQUAKE, key="s").json()["id"]
    response = api.get(f"/api/v1/alerts/{alert_id}", raw)
    assert response.status_code == 200
    status = response.json()
    assert status["id"] == alert_id and status["open"] is True
    assert status["title"] == "震度5弱 安否確認"
    assert (status["recipients"], status["sent"], status["answered"]) == (5, 5, 0)
    assert status["by_channel"] == {"email": 5}
    assert status["unanswered"] == 5 and status["answer_rate"] == 0


def test_close_stops_the_alert(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    alert_id = api.post("/api/v1/alerts", raw, EARTHQUAKE, key="c").json()["id"]
    response = api.post(f"/api/v1/alerts/{alert_id}/close", raw)
    assert response.status_code == 200
    assert response.json()["open"] is False
    assert Alert.objects.get(pk=alert_id).finished_at is not None
    [closed] = AuditEntry.objects.filter(action="broadcast.closed")
    assert closed.actor_user_id == people.bob.pk
    assert api.get(f"/api/v1/alerts/{alert_id}", raw).json()["open"] is False


def test_only_those_who_may_manage_an_alert_read_or_close_it(api, people, org, smtp):
    raw = api.token(people.bob, "alerts")
    alert_id = api.post("/api/v1/alerts", raw, EARTHQUAKE, key="x").json()["id"]
    alice = api.token(people.alice, "alerts")
    assert api.get(f"/api/v1/alerts/{alert_id}", alice).status_code == 403
    assert api.post(f"/api/v1/alerts/{alert_id}/close", alice).status_code == 403
    assert Alert.objects.get(pk=alert_id).finished_at is None
    reader = api.token(people.bob, "directory")
    assert api.get(f"/api/v1/alerts/{alert_id}", reader).status_code == 403
    dave = api.token(people.dave, "alerts")  # an administrator follows every alert
    assert api.get(f"/api/v1/alerts/{alert_id}", dave).status_code == 200
    assert api.get("/api/v1/alerts/999999", raw).status_code == 404
