"""One-tap answers: no sign-in, signed, bound to one person, expiring, idempotent."""

import datetime as dt

import pytest
from django.urls import reverse

from renraku.audit.models import AuditEntry
from renraku.broadcast import links
from renraku.broadcast.actions import Draft
from renraku.broadcast.models import Answer
from renraku.notices.models import Recipient


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
    return Recipient.objects.get(notice=alert, staff=people.alice.staff)


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
        target=f"alert:{alice.notice_id}", actor__startswith="staff:"
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
    client.post(url(alice), {"value": "safe", "via": "sms"})
    assert "あなたの回答：無事" in client.get("/").text
    assert alice.answers.get().via == "app"  # decided by the server: Alice, signed in


def test_safety_first_then_attendance_each_recorded_as_tapped(client, alice):
    """One who taps 無事 has answered; the next question appears on the same page, and
    their attendance is added when they tap it, without answering again."""
    first = client.post(url(alice), {"value": "safe"})
    alice.refresh_from_db()
    assert (alice.answer, alice.attendance) == ("safe", "")
    assert 'name="attendance"' in first.text  # the next question, not a hidden section
    client.post(url(alice), {"attendance": "late"})
    client.post(url(alice), {"location": "自宅（世田谷区）", "comment": "電車が止まっています"})
    alice.refresh_from_db()
    assert (alice.answer, alice.attendance) == ("safe", "late")
    history = list(alice.answers.values_list("value", "attendance", "location"))
    assert history == [("safe", "", ""), ("safe", "late", ""), ("safe", "late", "自宅（世田谷区）")]


def test_attendance_before_any_answer_is_refused(client, alice):
    response = client.post(url(alice), {"attendance": "can"})
    assert response.status_code == 400
    assert not alice.answers.exists()


def test_the_channel_of_an_answer_is_never_taken_from_the_form(client, alice):
    client.post(url(alice), {"value": "safe", "via": "x" * 5000})
    assert alice.answers.get().via == "link"


@pytest.mark.parametrize(
    "fields",
    [
        {"location": "x" * 201},
        {"comment": "x" * 501},
        {"comment": "a\x00b"},
    ],
)
def test_overlong_or_nul_text_is_refused_with_a_message(client, alice, fields):
    client.post(url(alice), {"value": "safe"})
    response = client.post(url(alice), fields)
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert alice.answers.count() == 1


def test_answers_after_the_alert_is_closed_are_refused(client, alice):
    from renraku.broadcast.actions import close_alert

    close_alert(alice.notice.alert)
    page = client.get(url(alice))
    assert 'data-testid="closed"' in page.text and 'name="value"' not in page.text
    assert client.post(url(alice), {"value": "safe"}).status_code == 400
    assert not alice.answers.exists()


def test_a_link_cannot_grow_the_history_without_end(client, alice):
    from renraku.broadcast.actions import MAX_ANSWERS_PER_RECIPIENT

    for n in range(MAX_ANSWERS_PER_RECIPIENT + 5):
        client.post(url(alice), {"value": "safe", "comment": str(n)})
    assert alice.answers.count() == MAX_ANSWERS_PER_RECIPIENT


def test_attendance_where_and_comments_are_on_the_dashboard_csv_and_report(client, alice, people):
    from renraku.testing import sign_in

    client.post(url(alice), {"value": "minor"})
    client.post(url(alice), {"attendance": "cannot"})
    client.post(url(alice), {"location": "=HYPERLINK(1)", "comment": "足をけがしました"})
    sign_in(client, people.bob)
    live = client.get(reverse("broadcast:dashboard", args=[alice.notice_id]))
    status = live.context["status"]
    assert status["attendance"] == {"can": 0, "late": 0, "cannot": 1}
    assert (status["answer_rate"], status["unanswered"]) == (20, 4)
    assert "足をけがしました" in live.text
    csv = client.get(reverse("broadcast:export", args=[alice.notice_id]))
    assert "no-store" in csv["Cache-Control"]
    row = next(line for line in csv.content.decode("utf-8-sig").splitlines() if "青木" in line)
    assert "軽傷" in row and "出勤不可" in row and "足をけがしました" in row
    assert "'=HYPERLINK(1)" in row  # neutralised: a spreadsheet shows it, never runs it
    report = client.get(reverse("broadcast:report", args=[alice.notice_id]))
    assert report.context["report"]["attendance"]["cannot"] == 1
    assert "足をけがしました" in report.text


def test_attendance_is_taken_only_where_it_is_asked(client, people, send, smtp):
    notice = send(
        Draft(
            title="確認",
            body="読んだら確認を",
            audience={"all": True},
            channels=["email"],
            reply_form="acknowledge",
        ),
        sender=people.bob,
    )
    alice = Recipient.objects.get(notice=notice, staff=people.alice.staff)
    client.post(url(alice), {"value": "ack"})
    assert client.post(url(alice), {"attendance": "can"}).status_code == 400
    alice.refresh_from_db()
    assert alice.attendance == ""
