"""Work that runs later on someone's behalf is checked again when it runs: a scheduled
post, a reminder held for working hours. Carol (department administrator of 総務部) writes
to 総務部; Dave is the administrator who is told when something could not run."""

import datetime as dt

import pytest
from django.utils import timezone

from renraku.accounts.models import Role
from renraku.audit.models import AuditEntry
from renraku.bulletin import actions, tasks
from renraku.bulletin.models import Post, Status
from renraku.notices.models import Delivery


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Huey's tasks run as they are enqueued."""


@pytest.fixture
def scheduled(people):
    post = actions.save_draft(
        people.carol, title="総務部からのお知らせ", body="来週の予定です。",
        audience={"departments": ["SOM"]},
    )  # fmt: skip
    actions.schedule(post, timezone.now() + dt.timedelta(hours=1), by=people.carol)
    # Its time comes.
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - dt.timedelta(minutes=1))
    return post


def _minute(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.publish_scheduled_posts.call_local()


def _told(smtp, address, words):
    return [m for m in smtp.to(address) if words in str(m["Subject"])]


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"role": Role.STAFF}], ids=["deactivated", "demoted"]
)
def test_a_scheduled_post_is_not_published_once_its_author_may_not_post(
    people, scheduled, smtp, django_capture_on_commit_callbacks, change
):
    for field, value in change.items():
        setattr(people.carol, field, value)
    people.carol.save()

    _minute(django_capture_on_commit_callbacks)

    post = Post.objects.get(pk=scheduled.pk)
    assert post.status == Status.DRAFT and post.publish_at is None and post.notice_id is None
    assert smtp.to("alice@city.example") == []  # nobody was sent it
    # Its author and the administrators are told, by the everyday pipeline.
    assert _told(smtp, "dave@city.example", "公開されませんでした：総務部からのお知らせ")
    assert _told(smtp, "carol@city.example", "公開されませんでした：総務部からのお知らせ")
    assert AuditEntry.objects.filter(action="bulletin.schedule_cancelled").count() == 1

    _minute(django_capture_on_commit_callbacks)  # told once, not every minute
    assert len(smtp.to("dave@city.example")) == 1


def test_a_scheduled_post_whose_author_still_may_is_published(
    people, scheduled, smtp, django_capture_on_commit_callbacks
):
    _minute(django_capture_on_commit_callbacks)

    post = Post.objects.get(pk=scheduled.pk)
    assert post.status == Status.PUBLISHED
    assert not AuditEntry.objects.filter(action="bulletin.schedule_cancelled").exists()


def test_a_held_reminder_is_not_sent_once_its_sender_may_not_post(
    people, smtp, settings, django_capture_on_commit_callbacks
):
    post = actions.save_draft(
        people.carol, title="要確認：備品の棚卸し", body="確認してください。",
        audience={"departments": ["SOM"]}, requires_ack=True,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish(post, by=people.carol)
    settings.BULLETIN_WORKING_HOURS = (dt.time(0, 0), dt.time(0, 0, 1))  # held: never now
    actions.remind(Post.objects.get(pk=post.pk), by=people.carol)
    people.carol.is_active = False
    people.carol.save()
    sent_before = len(smtp.messages)

    _minute(django_capture_on_commit_callbacks)

    reminders = Delivery.objects.filter(recipient__notice__announcement__purpose="reminder")
    assert reminders.exists()
    assert not reminders.filter(status__in=("queued", "failed")).exists()  # given up
    assert not _told(smtp, "alice@city.example", "確認のお願い")  # no reminder
    assert _told(smtp, "dave@city.example", "リマインドを送りませんでした：要確認：備品の棚卸し")
    assert len(smtp.messages) > sent_before
    assert AuditEntry.objects.filter(action="bulletin.reminder_stopped").count() == 1
