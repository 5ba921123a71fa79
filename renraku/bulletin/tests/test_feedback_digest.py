"""The authors' daily digest of feedback goes through the one pipeline: an e-mail that is
retried when the mail server is down, and sent once an hour's run however many hosts."""

import pytest
from django.utils import timezone

from renraku.bulletin import actions, responses
from renraku.bulletin.tasks import send_feedback_digests
from renraku.notices.models import Delivery, Letter
from renraku.notices.tasks import sweep_deliveries


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Huey's tasks run as they are enqueued."""


@pytest.fixture
def feedback(people, django_capture_on_commit_callbacks):
    """Dave's post, and Alice's private feedback on it."""
    with django_capture_on_commit_callbacks(execute=True):
        post = actions.save_draft(
            people.dave, title="庁内ペーパーレスの進め方", body="本文", audience={"all": True}
        )
        post = actions.publish(post, by=people.dave)
    responses.send_feedback(post, people.alice, "資料の置き場所を教えてください")
    return post


def _run_digest(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_feedback_digests.call_local()


def test_the_author_gets_the_digest_by_email_through_the_pipeline(
    people, feedback, smtp, django_capture_on_commit_callbacks
):
    smtp.messages.clear()  # the post's own notifications
    _run_digest(django_capture_on_commit_callbacks)
    [mail] = smtp.to("dave@city.example")
    assert mail["X-Renraku-Notice"] == "feedback-digest"
    text = mail.get_content()
    assert "資料の置き場所を教えてください" in text and "/bulletin/mine/" in text
    letter = Letter.objects.get()
    assert list(Delivery.objects.filter(recipient__notice=letter).values_list("status")) == [
        ("sent",)
    ]


def test_a_digest_the_mail_server_refused_for_now_is_sent_later(
    people, feedback, smtp, settings, django_capture_on_commit_callbacks
):
    smtp.stop()
    _run_digest(django_capture_on_commit_callbacks)
    waiting = Delivery.objects.get(recipient__notice__in=Letter.objects.all())
    assert waiting.status == Delivery.Status.FAILED  # kept, to be retried
    smtp.__init__()
    smtp.start()
    settings.EMAIL_PORT = smtp.port
    Delivery.objects.filter(pk=waiting.pk).update(not_before=timezone.now())
    sweep_deliveries.call_local()
    assert len(smtp.to("dave@city.example")) == 1


def test_the_hours_run_sends_the_digest_once_when_two_hosts_run_it(
    people, feedback, smtp, django_capture_on_commit_callbacks
):
    smtp.messages.clear()
    _run_digest(django_capture_on_commit_callbacks)
    _run_digest(django_capture_on_commit_callbacks)  # the second host, the same hour
    assert len(smtp.to("dave@city.example")) == 1
    assert Letter.objects.count() == 1
