"""One-tap answers: no sign-in, signed, bound to one person, expiring, idempotent."""

import datetime as dt

import pytest
from django.urls import reverse

from renraku.audit.models import AuditEntry
from renraku.broadcast import links
from renraku.broadcast.actions import Draft
from renraku.broadcast.models import Answer, Recipient


@pytest.fixture
def alert(people, send, smtp):
    return send(
        Draft(
            title="安否確認",
            body="回答してください",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
        ),
        sender=people.bob,
    )


@pytest.fixture
def alice(alert, people):
    return Recipient.objects.get(alert=alert, staff=people.alice.staff)


def url(recipient):
    return reverse("broadcast:answer", args=[links.token_for(recipient.pk)])


def test_the_link_in_the_email_opens_the_answer_page_and_marks_it_read(client, alice, smtp):
    [mail] = smtp.to("alice@city.example")
    link = next(line for line in mail.get_content().splitlines() if "/a/" in line)
    page = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "安否確認" in page.text and "無事" in page.text
    alice.refresh_from_db()
    assert alice.read_at is not None and alice.answered_at is None


def test_one_tap_on_safe_records_the_answer(client, alice):
    response = client.post(url(alice), {"value": "safe"})
    assert response.status_code == 200
    assert "あなたの回答：無事" in response.text
    alice.refresh_from_db()
    assert (alice.answer, alice.answered_at is not None) == ("safe", True)
    assert alice.answers.get().via == "link"  # the answer's own history, not the audit log
    assert not AuditEntry.objects.filter(
        target=f"alert:{alice.alert_id}", actor__startswith="staff:"
    ).exists()


def test_the_same_answer_twice_is_recorded_once(client, alice):
    client.post(url(alice), {"value": "safe"})
    client.post(url(alice), {"value": "safe"})
    assert alice.answers.count() == 1


def test_changing_an_answer_keeps_the_history(client, alice):
    client.post(url(alice), {"value": "safe"})
    client.post(url(alice), {"value": "minor", "location": "自宅", "attendance": "late"})
    assert list(alice.answers.values_list("value", flat=True)) == ["safe", "minor"]
    alice.refresh_from_db()
    assert alice.answer == "minor"
    assert alice.answers.last().location == "自宅"


def test_an_answer_the_alert_does_not_take_is_refused(client, alice):
    response = client.post(url(alice), {"value": "ack"})
    assert response.status_code == 400
    assert not alice.answers.exists()


def test_a_forged_or_altered_token_is_refused(client, alice):
    token = links.token_for(alice.pk)
    other = links.token_for(alice.pk + 1)
    forged = other.split(":")[0] + ":" + ":".join(token.split(":")[1:])
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        response = client.post(reverse("broadcast:answer", args=[bad]), {"value": "safe"})
        assert response.status_code == 404
    assert not Answer.objects.exists()


def test_an_expired_link_says_so(client, alice, settings, monkeypatch):
    token = links.token_for(alice.pk)
    settings.ANSWER_LINK_MAX_AGE = 60
    later = dt.datetime.now(dt.UTC).timestamp() + 120
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.post(reverse("broadcast:answer", args=[token]), {"value": "safe"})
    assert response.status_code == 410
    assert not Answer.objects.exists()


def test_the_app_home_shows_the_alert_waiting_for_an_answer(client, alice, people):
    from renraku.testing import sign_in

    sign_in(client, people.alice)
    home = client.get("/")
    assert "安否確認" in home.text and "回答する" in home.text
    client.post(url(alice), {"value": "safe", "via": "app"})
    assert "あなたの回答：無事" in client.get("/").text
