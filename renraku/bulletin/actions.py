"""A post's life, each step checked and audited: save a draft, publish (now or at a time),
edit, withdraw, remind once. What readers do with a post is in responses.py; what runs
later on someone's behalf (scheduled posts, held reminders) is re-checked in deferred.py."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku import textcheck
from renraku.audit.actions import record
from renraku.directory import audience as audiences
from renraku.notices import pipeline
from renraku.notices.models import Recipient, Urgency

from . import access, search
from .models import (
    Announcement,
    AudienceEntry,
    Category,
    Post,
    Purpose,
    Revision,
    Series,
    Status,
)

TITLE_MAX = 150
BODY_MAX = 100_000
TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
SYSTEM_USERNAME = "renraku"
# Everyday notices go by push, then e-mail for those push does not reach.
CHANNELS = ["push", "email"]


def system_author():
    """Who posts what the command line posts without naming an author: renraku itself,
    an account nobody can sign in to."""
    from renraku.accounts.models import User

    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "renraku", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def touch(post) -> None:
    """Mark the post changed (its comments or attachments): the cached parts of its page,
    keyed by this time, are made again."""
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now())


def check_text(title: str, body: str) -> list[str]:
    errors = []
    title = (title or "").strip()
    if not title:
        errors.append(_("Give the post a title."))
    elif len(title) > TITLE_MAX:
        errors.append(_("The title is longer than %(n)d characters.") % {"n": TITLE_MAX})
    elif not textcheck.is_one_line(title):
        errors.append(_("The title must be one line of text."))
    if not (body or "").strip():
        errors.append(_("Write the body of the post."))
    elif len(body) > BODY_MAX:
        errors.append(_("The body is longer than %(n)d characters.") % {"n": BODY_MAX})
    elif textcheck.has_control_characters(body):
        errors.append(_("The body contains control characters."))
    return errors


def topic_of(post: Post) -> str:
    """What a person chooses how to hear of (renraku.notices.Preference.topic)."""
    if post.series_id:
        return f"series:{post.series_id}"
    if post.category_id:
        return f"category:{post.category_id}"
    return "bulletin"


def save_draft(
    author,
    *,
    title: str,
    body: str,
    audience: dict,
    series: Series | None = None,
    category: Category | None = None,
    posted_as=None,
    requires_ack: bool = False,
    visible_until: dt.datetime | None = None,
    post: Post | None = None,
    request=None,
    authorised: bool = False,
) -> Post:
    """Create (or, for a post not yet published, change) a draft. Raises ValidationError
    with every problem, PermissionDenied when the author may not post there (unless
    `authorised`: the server's own command line)."""
    spec, category = check_draft(
        author,
        title=title,
        body=body,
        audience=audience,
        series=series,
        category=category,
        posted_as=posted_as,
        visible_until=visible_until,
        post=post,
        authorised=authorised,
    )
    post = post or Post(author=author)
    post.title, post.body = title.strip(), body.strip()
    post.audience, post.series, post.category = spec, series, category
    post.posted_as, post.requires_ack, post.visible_until = posted_as, requires_ack, visible_until
    post.save()
    record(
        "bulletin.draft_saved",
        request=request,
        actor=author,
        target=f"post:{post.pk}",
        detail={"title": post.title},
    )
    return post


def check_draft(
    author,
    *,
    title: str,
    body: str,
    audience: dict,
    series: Series | None = None,
    category: Category | None = None,
    posted_as=None,
    visible_until: dt.datetime | None = None,
    post: Post | None = None,
    authorised: bool = False,
    requires_ack: bool = False,  # nothing to check: taken so a form's draft_fields fit
) -> tuple[dict, Category | None]:
    """What save_draft refuses, refused the same way, saving nothing (the compose page's
    preview): the audience as it would be kept, and the post's category."""
    errors = check_text(title, body)
    try:
        spec = audiences.validate(audience)
    except audiences.AudienceError as exc:
        errors.append(str(exc))
        spec = {}
    if visible_until is not None and visible_until <= timezone.now():
        errors.append(_("The end of the display period must be in the future."))
    if errors:
        raise ValidationError(errors)
    if series is not None and category is None:
        category = series.category
    if not authorised and not (
        access.can_post_in(author, series=series, category=category)
        and access.can_address(author, spec, series=series, category=category)
        and access.can_post_as(author, posted_as)
    ):
        raise PermissionDenied(_("You may not post this, or not to this audience."))
    if post is not None and post.status == Status.PUBLISHED:
        raise ValidationError(_("This post is published: edit it instead."))
    return spec, category


def schedule(post: Post, publish_at: dt.datetime, *, by, request=None) -> Post:
    """Publish at `publish_at` (the minute's task publishes it)."""
    _may_change(by, post)
    if post.status not in (Status.DRAFT, Status.SCHEDULED):
        raise ValidationError(_("Only a draft can be scheduled."))
    if publish_at.tzinfo is None:
        publish_at = publish_at.replace(tzinfo=TOKYO)  # a time as people in the ward mean it
    if publish_at <= timezone.now():
        raise ValidationError(_("Choose a time in the future, or publish now."))
    if post.visible_until is not None and post.visible_until <= publish_at:
        raise ValidationError(_("The display period must end after the post is published."))
    post.status, post.publish_at = Status.SCHEDULED, publish_at
    post.save(update_fields=["status", "publish_at", "updated_at"])
    record(
        "bulletin.scheduled",
        request=request,
        actor=by,
        target=f"post:{post.pk}",
        detail={"publish_at": publish_at.isoformat()},
    )
    return post


def _may_change(user, post: Post) -> None:
    if user is not None and not access.is_author_or_administrator(user, post):
        raise PermissionDenied(_("Only its author or an administrator may change this post."))


def publish(post: Post, *, by=None, request=None) -> Post:
    """Publish now: the next number of its series, its audience frozen as the recipients
    (who it went to, who opened it, who acknowledged it), and a notification to each
    through the pipeline, as each person chose for this series or category."""
    _may_change(by, post)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.status not in (Status.DRAFT, Status.SCHEDULED):
            raise ValidationError(_("This post is already published."))
        if post.series_id:
            # One number each, even when two authors publish at once: the series row is
            # the lock.
            Series.objects.select_for_update().get(pk=post.series_id)
            last = Post.objects.filter(series_id=post.series_id).aggregate(n=Max("number"))["n"]
            post.number = (last or 0) + 1
        post.status, post.published_at = Status.PUBLISHED, timezone.now()
        announcement = Announcement(
            post=post,
            purpose=Purpose.PUBLISHED,
            owner="post",
            urgency=Urgency.NORMAL,
            channel_order=CHANNELS,
        )
        count = pipeline.issue(announcement, audiences.resolve(post.audience), topic=topic_of(post))
        post.notice = announcement.notice_ptr
        post.save()
        AudienceEntry.objects.bulk_create(
            AudienceEntry(post=post, key=key, code=code)
            for key, code in access.audience_rows(post.audience)
        )
        search.index_post(post)
        record(
            "bulletin.published",
            request=request,
            actor=by or "system",
            target=f"post:{post.pk}",
            detail={
                "title": post.title,
                "number": post.number,
                "recipients": count,
                "audience": post.audience,
            },
        )
    post.recipient_count = count
    return post


def edit(post: Post, *, by, title: str, body: str, material: bool = False, request=None):
    """Change a published post, keeping what it said before. A material change to a post
    that requires acknowledgement asks those who had acknowledged to acknowledge again."""
    _may_change(by, post)
    errors = check_text(title, body)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if (title.strip(), body.strip()) == (post.title, post.body):
            raise ValidationError(_("Nothing has changed."))
        if material and post.requires_ack:
            day_ago = timezone.now() - dt.timedelta(hours=24)
            if post.announcements.filter(purpose=Purpose.ACK_AGAIN, issued_at__gt=day_ago):
                raise ValidationError(
                    _(
                        "Readers were asked to confirm again less than a day ago; save this "
                        "change without asking again, or wait."
                    )
                )
        Revision.objects.create(
            post=post,
            version=post.version,
            title=post.title,
            body=post.body,
            edited_by=by,
            material=material,
        )
        post.title, post.body, post.version = title.strip(), body.strip(), post.version + 1
        post.save(update_fields=["title", "body", "version", "updated_at"])
        asked = 0
        if material and post.requires_ack and post.notice_id:
            acknowledged = Recipient.objects.filter(notice_id=post.notice_id).answered()
            staff_ids = list(acknowledged.values_list("staff_id", flat=True))
            acknowledged.update(answered_at=None, answer="")
            now = timezone.now()
            when = next_working_time(now)
            asked = announce(
                post, Purpose.ACK_AGAIN, staff_ids, not_before=when if when > now else None, by=by
            )
        if post.status == Status.PUBLISHED:
            search.index_post(post)
        record(
            "bulletin.edited",
            request=request,
            actor=by,
            target=f"post:{post.pk}",
            detail={"version": post.version, "material": material, "asked_again": asked},
        )
    return post


def announce(post: Post, purpose: str, staff_ids, *, not_before=None, by=None) -> int:
    """A notice about `post` to these people (in a transaction), asked for by `by`:
    frozen, planned as they chose, sent after commit (or held until `not_before`)."""
    from renraku.directory.models import Staff

    announcement = Announcement(
        post=post,
        purpose=purpose,
        owner="post",
        urgency=Urgency.NORMAL,
        channel_order=CHANNELS,
        requested_by=by,
    )
    return pipeline.issue(
        announcement,
        Staff.objects.filter(pk__in=staff_ids),
        topic=topic_of(post),
        not_before=not_before,
    )


def withdraw(post: Post, *, by, request=None) -> Post:
    _may_change(by, post)
    with transaction.atomic():
        post.status = Status.WITHDRAWN
        post.save(update_fields=["status", "updated_at"])
        if post.notice_id:
            pipeline.finish(post.announcements.all(), "post withdrawn")
        search.unindex_post(post)
        record("bulletin.withdrawn", request=request, actor=by, target=f"post:{post.pk}")
    return post


def in_working_hours(when: dt.datetime) -> bool:
    local = when.astimezone(TOKYO)
    start, end = settings.BULLETIN_WORKING_HOURS
    return local.weekday() < 5 and start <= local.time() < end


def next_working_time(when: dt.datetime) -> dt.datetime:
    """`when` if it is in working hours (Tokyo, weekdays), else the next start of them."""
    if in_working_hours(when):
        return when
    start, _end = settings.BULLETIN_WORKING_HOURS
    local = when.astimezone(TOKYO)
    day = local.date() if local.time() < start else local.date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=TOKYO)


def remind(post: Post, *, by, request=None) -> int:
    """The one reminder to those who have not acknowledged, delivered in working hours
    (held until they begin when asked outside them). Never a second one."""
    _may_change(by, post)
    if not post.requires_ack or post.status != Status.PUBLISHED:
        raise ValidationError(
            _("Only a published post that asks for acknowledgement can be reminded.")
        )
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.reminded_at is not None:
            raise ValidationError(_("A reminder has already been sent for this post."))
        waiting = Recipient.objects.filter(notice_id=post.notice_id).unanswered()
        staff_ids = list(waiting.values_list("staff_id", flat=True))
        now = timezone.now()
        when = next_working_time(now)
        count = announce(
            post, Purpose.REMINDER, staff_ids, not_before=when if when > now else None, by=by
        )
        post.reminded_at = now
        post.save(update_fields=["reminded_at", "updated_at"])
        record(
            "bulletin.reminded",
            request=request,
            actor=by,
            target=f"post:{post.pk}",
            detail={"recipients": count, "deliver_from": when.isoformat()},
        )
    return count
