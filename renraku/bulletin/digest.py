"""The author's daily digest of new comments and private feedback on their posts, by
e-mail through the pipeline (retried, held for quiet hours), as a notices.Letter whose
words are fixed when it is issued (authors who chose a push for each are told at once by
actions.send_feedback)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.accounts.models import User
from renraku.directory.models import Staff
from renraku.notices import pipeline
from renraku.notices.models import Letter, Urgency

from .models import AuthorSettings, Comment, Feedback, FeedbackDigest, Post

DAY = dt.timedelta(hours=24)


def pending_for(user, since) -> tuple[list, list]:
    """Comments by others and private feedback on `user`'s posts since `since`."""
    mine = Post.objects.filter(author=user)
    after = Q(created_at__gt=since) if since else Q()
    comments = list(
        Comment.objects.filter(after, post__in=mine, hidden_at__isnull=True)
        .exclude(author=user)
        .select_related("post", "author")
    )
    feedback = list(
        Feedback.objects.filter(after, post__in=mine, notified_at__isnull=True).select_related(
            "post", "sender"
        )
    )
    return comments, feedback


def send_due(now=None) -> int:
    """Send each author whose last digest is a day old (or who never had one) what came
    since. Returns how many digests were sent."""
    now = now or timezone.now()
    sent = 0
    for user in User.objects.filter(bulletin_posts__isnull=False, is_active=True).distinct():
        prefs, _created = AuthorSettings.objects.get_or_create(user=user)
        if prefs.told_up_to and now - prefs.told_up_to < DAY:
            continue
        comments, feedback = pending_for(user, prefs.told_up_to)
        with transaction.atomic():
            # The pipeline reaches people in the directory; an account with no staff
            # record (a service account) has no one to tell.
            if (comments or feedback) and user.staff_id:
                _issue(user, comments, feedback)
                sent += 1
                Feedback.objects.filter(pk__in=[f.pk for f in feedback]).update(notified_at=now)
            prefs.told_up_to = now
            prefs.save(update_fields=["told_up_to"])
    return sent


def _issue(user, comments, feedback) -> None:
    body = render_to_string(
        "bulletin/digest.txt", {"user": user, "comments": comments, "feedback": feedback}
    )
    letter = Letter(
        owner="letter",
        urgency=Urgency.NORMAL,
        channel_order=["email"],
        title=_("New feedback on your posts"),
        body=body,
        link=settings.BASE_URL + reverse("bulletin:mine"),
        tag="feedback-digest",
    )
    pipeline.issue(letter, Staff.objects.filter(pk=user.staff_id))


__all__ = ["FeedbackDigest", "send_due"]
