"""What an attacker (or a careless author) tried, each refused or made harmless."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from renraku.bulletin import access, actions, responses
from renraku.bulletin.models import Category, Feedback, Post
from renraku.bulletin.rendering import to_html
from renraku.directory.audience import AudienceError, validate
from renraku.notices import pipeline
from renraku.notices.models import Delivery, Notice, Recipient


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Huey's tasks run as they are enqueued."""


@pytest.fixture
def publish(django_capture_on_commit_callbacks, people):
    def _publish(author=None, **kw):
        values = {"title": "お知らせ", "body": "本文", "audience": {"all": True}}
        with django_capture_on_commit_callbacks(execute=True):
            post = actions.save_draft(author or people.dave, **(values | kw))
            return actions.publish(post, by=author or people.dave)

    return _publish


def test_a_named_author_of_one_category_cannot_post_to_all_elsewhere(people, org):
    training = Category.objects.create(name="研修")
    training.authors.add(people.carol)  # a department administrator of 総務部
    news = Category.objects.create(name="人事")
    with pytest.raises(PermissionDenied):
        actions.save_draft(people.carol, title="題", body="本文", audience={"all": True})
    with pytest.raises(PermissionDenied):
        actions.save_draft(
            people.carol, title="題", body="本文", audience={"all": True}, category=news
        )
    assert actions.save_draft(
        people.carol, title="題", body="本文", audience={"all": True}, category=training
    )


def test_nobody_speaks_for_a_department_that_is_not_theirs(people, org):
    with pytest.raises(PermissionDenied):
        actions.save_draft(
            people.carol,
            title="題",
            body="本文",
            audience={"departments": ["SOM"]},
            posted_as=org.gak,
        )
    post = actions.save_draft(
        people.carol, title="題", body="本文", audience={"departments": ["SOM"]}, posted_as=org.som
    )
    assert post.posted_as == org.som


def test_private_feedback_is_the_authors_alone(client, people, publish):
    post = publish(author=people.dave)
    Feedback.objects.create(post=post, sender=people.alice, body="ここだけの話です")
    assert access.can_manage_post(people.dave, post)
    other_admin = people.dave
    post.author = people.carol  # now someone else's post: Dave is only an administrator
    post.save(update_fields=["author"])
    client.force_login(other_admin)
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other_admin.totpdevice_set.first().persistent_id
    session.save()
    page = client.get(reverse("bulletin:figures", args=[post.pk]))
    assert page.status_code == 200 and "ここだけの話です" not in page.text


def test_a_reminder_held_over_the_weekend_is_still_sent_on_monday(people, publish, smtp):
    post = publish(requires_ack=True)
    monday = timezone.now() + dt.timedelta(days=3)
    with_held = actions.announce(post, "reminder", [people.alice.staff_id], not_before=monday)
    assert with_held == 1
    Notice.objects.filter(announcement__purpose="reminder").update(
        issued_at=timezone.now() - dt.timedelta(hours=60)
    )
    assert pipeline.stale_work() == {}  # not due, and not given up either
    held = Delivery.objects.get(recipient__notice__announcement__purpose="reminder")
    assert held.status == "queued"
    Delivery.objects.filter(pk=held.pk).update(not_before=timezone.now())
    assert list(pipeline.stale_work().values()) == [[held.pk]]


def test_finishing_gives_up_what_waits(people, publish):
    post = publish(requires_ack=True)
    actions.announce(
        post, "reminder", [people.alice.staff_id], not_before=timezone.now() + dt.timedelta(hours=1)
    )
    reminders = Notice.objects.filter(announcement__purpose="reminder", finished_at__isnull=True)
    pipeline.finish(reminders, "too late to send")
    held = Delivery.objects.get(recipient__notice__announcement__purpose="reminder")
    assert (held.status, held.error) == ("permanent", "too late to send")


def test_acknowledging_cancels_the_reminder_still_waiting(people, publish):
    post = publish(requires_ack=True)
    actions.announce(
        post, "reminder", [people.alice.staff_id], not_before=timezone.now() + dt.timedelta(hours=1)
    )
    responses.acknowledge(post, people.alice)
    held = Delivery.objects.get(recipient__notice__announcement__purpose="reminder")
    assert (held.status, held.error) == ("permanent", "acknowledged before sending")


def test_an_image_in_another_post_does_not_count_as_reading(client, people, publish):
    target = publish(requires_ack=True)
    assert "<img" not in to_html(f"![x](/bulletin/{target.pk}/)")
    client.force_login(people.alice)
    client.get(reverse("bulletin:post", args=[target.pk]), HTTP_SEC_FETCH_DEST="image")
    mine = Recipient.objects.get(notice_id=target.notice_id, staff=people.alice.staff)
    assert mine.read_at is None
    client.get(reverse("bulletin:post", args=[target.pk]), HTTP_SEC_FETCH_DEST="document")
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_someone_who_moved_department_still_opens_what_was_sent_to_them(people, org, publish):
    post = publish(audience={"departments": ["SOM"]})
    alice = people.alice.staff
    alice.department = org.kik
    alice.save(update_fields=["department"])
    assert access.can_read(people.alice, post)
    assert not access.can_read(people.bob, post)


@pytest.mark.parametrize(
    "spec", [{"all": "false"}, {"ranks": ["x"]}, {"departments": "SOM"}, {"all": 1}]
)
def test_malformed_audiences_are_refused(people, spec):
    with pytest.raises(AudienceError):
        validate(spec)
    assert Post.objects.count() == 0


def test_a_bidi_override_cannot_disguise_a_title(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.save_draft(
            people.dave, title="請求書\u202efdp.exe", body="本文", audience={"all": True}
        )


def test_comments_and_feedback_come_at_a_human_pace(people, publish):
    from django.core.exceptions import ValidationError

    post = publish()
    for i in range(responses.COMMENTS_PER_WINDOW):
        responses.add_comment(post, people.alice, f"コメント{i}")
    with pytest.raises(ValidationError):
        responses.add_comment(post, people.alice, "もう一つ")
    responses.add_comment(post, people.bob, "別の人は書ける")
    assert post.comments.count() == responses.COMMENTS_PER_WINDOW + 1


def test_attachments_are_typed_by_their_bytes_and_searchable(
    client, people, publish, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_otp import DEVICE_ID_SESSION_KEY

    from renraku.bulletin import search

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    post = publish()
    client.force_login(people.dave)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = people.dave.totpdevice_set.first().persistent_id
    session.save()
    url = reverse("bulletin:attach", args=[post.pk])
    fake = SimpleUploadedFile("invoice.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    client.post(url, {"file": fake})
    assert post.attachments.count() == 0  # called a PDF, is not one
    from pathlib import Path

    clip = Path(__file__).resolve().parents[1] / "demo" / "study_session.mp4"
    video = SimpleUploadedFile("勉強会.mp4", clip.read_bytes(), "application/octet-stream")
    client.post(url, {"file": video})
    [attachment] = post.attachments.all()
    assert (attachment.kind, attachment.content_type, attachment.duration_seconds) == (
        "video",
        "video/mp4",
        15.0,
    )
    client.force_login(people.alice)  # a reader cannot attach
    assert client.post(url, {"file": video}).status_code == 403
    assert search.search("お知らせ", posts=Post.objects.all())
