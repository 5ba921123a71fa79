import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from renraku.broadcast import escalation
from renraku.broadcast.actions import Draft, close_alert
from renraku.broadcast.models import Alert, EscalationRun
from renraku.broadcast.tasks import run_escalations
from renraku.notices.models import Recipient

STEPS = [
    {"after_minutes": 5, "action": "channel", "channel": "email"},
    {"after_minutes": 15, "action": "supervisor"},
]


@pytest.fixture
def alert(people, send, smtp):
    return send(
        Draft(
            title="安否確認",
            body="回答してください",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
            escalation=STEPS,
        ),
        sender=people.bob,
    )


def minutes_later(alert, minutes):
    Alert.objects.filter(pk=alert.pk).update(
        issued_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def answer(alert, user):
    Recipient.objects.filter(notice=alert, staff=user.staff).update(
        answer="safe", answered_at=timezone.now()
    )


def test_nothing_happens_before_a_step_is_due(alert, smtp):
    minutes_later(alert, 4)
    run_escalations.call_local()
    assert len(smtp.messages) == 5 and not EscalationRun.objects.exists()


def test_after_five_minutes_only_the_unanswered_are_sent_it_again(alert, people, smtp):
    answer(alert, people.alice)
    minutes_later(alert, 5)
    run_escalations.call_local()
    assert len(smtp.to("alice@city.example")) == 1
    assert len(smtp.to("bob@city.example")) == 2
    run_escalations.call_local()  # a step runs once
    assert len(smtp.messages) == 9


@pytest.fixture
def director(alert, org):
    """総務部's director, not among the alert's recipients: a supervisor need not be."""
    from renraku.testing import make_staff

    return make_staff(
        org,
        family="総務",
        given="部長",
        position="DIR",
        department=org.som,
        work_email="director@city.example",
    )


def test_after_fifteen_minutes_supervisors_get_the_list_of_their_unanswered(
    alert, people, director, smtp, django_capture_on_commit_callbacks
):
    answer(alert, people.carol)
    minutes_later(alert, 16)
    with django_capture_on_commit_callbacks(execute=True):
        run_escalations.call_local()
    [mail] = smtp.to("director@city.example")
    text = mail.get_content()
    assert mail["Subject"].startswith("未回答者のお知らせ")
    assert "青木 愛" in text and "加藤 花" not in text  # Carol answered: she drops out
    run = EscalationRun.objects.get(alert=alert, step=1)
    # The list went out as a delivery of its own, through the channels, and is counted.
    [notice] = run.notices.all()
    assert notice.kind == "supervisor_list" and notice.parent == alert
    assert list(notice.recipients.values_list("reach", flat=True)) == ["sent"]
    assert run.reached >= 1


def test_a_supervisor_list_that_meets_a_dead_mail_server_is_retried_not_lost(
    alert, people, director, smtp, settings, django_capture_on_commit_callbacks
):
    from renraku.notices.models import Delivery
    from renraku.notices.tasks import sweep_deliveries

    minutes_later(alert, 16)
    settings.EMAIL_PORT, port = 1, settings.EMAIL_PORT  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        run_escalations.call_local()
    assert smtp.to("director@city.example") == []
    run = EscalationRun.objects.get(alert=alert, step=1)  # recorded as run …
    waiting = Delivery.objects.filter(recipient__notice__alert__escalation_run=run)
    assert set(waiting.values_list("status", flat=True)) == {"failed"}  # … and to be retried
    settings.EMAIL_PORT = port
    waiting.update(not_before=None)  # the retry's time has come
    sweep_deliveries.call_local()
    assert len(smtp.to("director@city.example")) == 1


def test_a_step_that_fails_while_planning_is_not_marked_run_nor_holds_up_others(
    alert, people, director, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    minutes_later(alert, 16)
    monkeypatch.setattr(escalation, "supervisors_of", broken)
    run_escalations.call_local()
    assert not EscalationRun.objects.filter(step=1).exists()  # it will run again
    assert EscalationRun.objects.filter(step=0).exists()  # the resend step ran all the same


def test_a_supervisor_list_goes_out_on_a_channel_still_configured(
    alert, people, director, smtp, settings, django_capture_on_commit_callbacks
):
    # SMS has been switched off since the alert was sent.
    Alert.objects.filter(pk=alert.pk).update(channel_order=["sms", "email"])
    alert.refresh_from_db()
    minutes_later(alert, 16)
    with django_capture_on_commit_callbacks(execute=True):
        run_escalations.call_local()
    assert len(smtp.to("director@city.example")) == 1


def test_closing_the_alert_closes_its_whole_thread(alert, people, director, smtp, client):
    from renraku.broadcast import links
    from renraku.broadcast.actions import remind_unanswered

    reminder = remind_unanswered(alert)
    close_alert(alert)
    reminder.refresh_from_db()
    assert not reminder.is_open
    recipient = reminder.recipients.get(staff=people.alice.staff)
    response = client.post(f"/a/{links.token_for(recipient.pk)}/", {"value": "safe"})
    assert response.status_code == 400 and not recipient.answers.exists()


def test_the_dashboard_lists_each_step_with_when_it_ran_and_to_how_many(
    client, alert, people, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from renraku.testing import sign_in

    answer(alert, people.alice)
    minutes_later(alert, 6)
    with django_capture_on_commit_callbacks(execute=True):
        run_escalations.call_local()
    sign_in(client, people.bob)
    page = client.get(reverse("broadcast:dashboard", args=[alert.pk]))
    first, second = page.context["steps"]
    assert (first["run"] is not None, first["planned"], first["reached"]) == (True, 4, 4)
    assert second["run"] is None
    assert "5分後 未回答者にメール" in page.text and "15分後 所属長に未回答者一覧" in page.text


def test_closing_the_alert_stops_every_step(alert, smtp):
    close_alert(alert)
    minutes_later(alert, 20)
    run_escalations.call_local()
    assert len(smtp.messages) == 5 and not EscalationRun.objects.exists()


def test_someone_who_answers_after_a_reminder_is_queued_is_not_reminded(alert, people, smtp):
    from renraku.notices.models import Delivery

    minutes_later(alert, 5)
    [(a, index, step), *_] = list(escalation.due_steps())
    ids = escalation.run_step(a, index, step)
    answer(alert, people.alice)
    from renraku.notices.tasks import send_deliveries

    send_deliveries.call_local("email", ids)
    assert len(smtp.to("alice@city.example")) == 1
    assert (
        Delivery.objects.get(id__in=ids, recipient__staff=people.alice.staff).error
        == "answered before sending"
    )


def test_bad_steps_are_refused(people, send):
    with pytest.raises(ValidationError) as caught:
        send(
            Draft(
                title="t",
                body="b",
                audience={"all": True},
                channels=["email"],
                escalation=[
                    {"after_minutes": 0, "action": "channel", "channel": "fax"},
                    {"action": "pray"},
                ],
            ),
            sender=people.bob,
        )
    assert len(caught.value.messages) == 3


def test_steps_on_the_command_line():
    assert escalation.parse_cli("5:email,15:supervisor") == STEPS
