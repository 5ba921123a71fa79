import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from renraku.audit.models import AuditEntry
from renraku.broadcast import queries
from renraku.broadcast.actions import Draft, close_alert, remind_unanswered, send_correction
from renraku.broadcast.models import Alert, AlertKind
from renraku.notices.models import Delivery, Recipient


def draft(**overrides):
    values = {
        "title": "震度5弱 安否確認",
        "body": "無事かどうか回答してください。",
        "audience": {"all": True},
        "channels": ["email"],
        "reply_form": "safety",
        "category": "earthquake",
        "severity": "emergency",
    }
    return Draft(**(values | overrides))


def test_the_audience_is_frozen_at_send_time(people, org, send, smtp):
    alert = send(draft(audience={"departments": ["SOM"]}), sender=people.bob)
    frozen = set(alert.recipients.values_list("staff_id", flat=True))
    assert frozen == {people.alice.staff_id, people.carol.staff_id}
    alice = people.alice.staff
    alice.department = org.kik  # moved by an HR import after the alert went out
    alice.save(update_fields=["department"])
    assert set(alert.recipients.values_list("staff_id", flat=True)) == frozen
    assert Recipient.objects.get(notice=alert, staff=alice).department == org.som


def test_each_person_gets_one_email_with_their_own_link(people, send, smtp):
    alert = send(draft(), sender=people.bob)
    assert queries.status(alert) | {"sent": 5, "pending": 0} == queries.status(alert)
    [mail] = smtp.to("alice@city.example")
    assert mail["Subject"] == "震度5弱 安否確認"
    links = [line for line in mail.get_content().splitlines() if "/a/" in line]
    assert len(links) == 1
    assert len({m.get_content() for _r, m in smtp.messages}) == 5  # everyone's link differs


def test_a_drill_is_marked_in_the_subject_and_the_body(people, send, smtp):
    send(draft(is_drill=True), sender=people.bob)
    [mail] = smtp.to("alice@city.example")
    assert mail["Subject"].startswith("【訓練】")
    assert "訓練" in mail.get_content()


def test_a_sender_scoped_to_a_department_cannot_send_to_all(people, org, send):
    people.bob.scope_all = False
    people.bob.save(update_fields=["scope_all"])
    people.bob.scope_departments.add(org.kik)
    with pytest.raises(PermissionDenied):
        send(draft(), sender=people.bob)
    alert = send(draft(audience={"departments": ["KIK"]}), sender=people.bob)
    assert alert.recipients.count() == 3


def test_only_senders_send(people, send):
    for user in (people.alice, people.dave, people.erin):
        with pytest.raises(PermissionDenied):
            send(draft(), sender=user)


def test_bad_drafts_are_refused_with_every_reason_and_nothing_is_sent(people, send, smtp):
    with pytest.raises(ValidationError) as caught:
        send(
            draft(title="", channels=["carrier-pigeon"], audience={"sites": ["S999"]}),
            sender=people.bob,
        )
    assert len(caught.value.messages) == 3
    assert smtp.messages == []
    assert not AuditEntry.objects.filter(action="broadcast.sent").exists()


def test_a_nul_character_is_refused_clearly_not_a_database_error(people, send, smtp):
    # A form refuses it already; the CLI and integrations reach send_alert directly.
    with pytest.raises(ValidationError) as caught:
        send(draft(title="震度\x005弱", body="回答\x00"), sender=people.bob)
    assert caught.value.messages == ["タイトルと本文に NUL 文字は使えません。"]
    assert not Alert.objects.exists()


def test_people_no_channel_reaches_are_counted_not_lost(people, send, smtp):
    for user in (people.bob, people.carol, people.dave, people.erin):
        user.staff.work_email = ""
        user.staff.save(update_fields=["work_email"])
    alert = send(draft(), sender=people.bob)
    status = queries.status(alert)
    assert (status["recipients"], status["sent"], status["unreachable"]) == (5, 1, 4)


def test_sending_is_audited(people, send, smtp):
    alert = send(draft(), sender=people.bob)
    entry = AuditEntry.objects.get(action="broadcast.sent")
    assert entry.actor == people.bob.username and entry.target == f"alert:{alert.pk}"
    assert entry.detail["recipients"] == 5


def test_a_reminder_goes_only_to_the_unanswered(
    people, send, smtp, django_capture_on_commit_callbacks
):
    alert = send(draft(), sender=people.bob)
    Recipient.objects.filter(notice=alert, staff=people.alice.staff).update(
        answer="safe", answered_at=alert.issued_at
    )
    with django_capture_on_commit_callbacks(execute=True):
        reminder = remind_unanswered(alert, sender=people.bob)
    assert reminder.kind == AlertKind.REMINDER and reminder.parent == alert
    assert people.alice.staff_id not in set(reminder.recipients.values_list("staff_id", flat=True))
    assert reminder.recipients.count() == 4
    assert len(smtp.to("alice@city.example")) == 1
    assert [m["Subject"] for m in smtp.to("bob@city.example")] == [
        "震度5弱 安否確認",
        "【再送】震度5弱 安否確認",
    ]


def test_a_correction_goes_to_everyone_who_got_the_original(
    people, send, smtp, django_capture_on_commit_callbacks
):
    alert = send(draft(audience={"departments": ["SOM"]}), sender=people.bob)
    with django_capture_on_commit_callbacks(execute=True):
        send_correction(
            alert, title="震度4 に訂正", body="先ほどの震度は誤りでした。", sender=people.bob
        )
    subjects = [m["Subject"] for m in smtp.to("alice@city.example")]
    assert subjects == ["震度5弱 安否確認", "【訂正】震度4 に訂正"]


def test_closing_stops_deliveries_still_waiting(people, send, smtp):
    smtp.stop()  # the mail server is down: everything waits for a retry
    alert = send(draft(), sender=people.bob)
    assert Delivery.objects.filter(recipient__notice=alert, status="failed").count() == 5
    close_alert(alert, closed_by=people.bob)
    assert Delivery.objects.filter(recipient__notice=alert, status="permanent").count() == 5
    assert AuditEntry.objects.filter(action="broadcast.closed").exists()
