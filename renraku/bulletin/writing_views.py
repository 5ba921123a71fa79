"""The bulletin's pages for authors: their posts, compose (preview, save, schedule,
publish), edit, attach and remove files, withdraw.

Thin: parse, authorise (view_common, access.*), call an action, render. The preview
checks with the very action that saves, so it refuses exactly what saving would refuse.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.accounts import permissions
from renraku.directory import audience as audiences
from renraku.http import refusal_text, say_refused

from . import access, actions, attachments, figures, rendering
from .forms import ComposeForm, EditForm, initial_of
from .models import Attachment, Post, Status
from .view_common import managed_post


@login_required
def mine(request):
    if not permissions.can_write_posts(request.user) and not request.user.bulletin_posts.exists():
        raise PermissionDenied
    rows = figures.mine_rows(request.user)
    return render(request, "bulletin/mine.html", {"rows": rows})


def _preview(form) -> dict:
    spec = form.audience()
    data = form.cleaned_data
    return {
        "people": audiences.resolve(spec).count(),
        "audience": audiences.describe(spec),
        "title": data["title"].strip(),
        "body_html": rendering.to_html(data["body"]),
        "series": data.get("series"),
        "next_number": _next_number(data.get("series")),
        "posted_as": data.get("posted_as"),
        "requires_ack": data.get("requires_ack"),
    }


def _next_number(series):
    if series is None:
        return None
    last = series.posts.exclude(number=None).order_by("-number").values_list("number", flat=True)
    return (last.first() or 0) + 1


def _compose(request, post=None):
    initial = initial_of(post) if post else {}
    form = ComposeForm(request.POST or None, initial=initial, user=request.user)
    context = {"form": form, "post": post, "video_mb": settings.BULLETIN_MAX_VIDEO_MB}
    if request.method != "POST":
        return render(request, "bulletin/compose.html", context)
    if not form.is_valid():
        return render(request, "bulletin/compose.html", context, status=400)
    action = request.POST.get("action", "preview")
    try:
        if action == "preview":
            actions.check_draft(request.user, **form.draft_fields(), post=post)
            context["preview"] = _preview(form)
            return render(request, "bulletin/compose.html", context)
        # All or nothing: a draft saved and then refused for its time is undone.
        with transaction.atomic():
            saved = actions.save_draft(
                request.user, **form.draft_fields(), post=post, request=request
            )
            if action == "publish":
                saved = actions.publish(saved, by=request.user, request=request)
            elif action == "schedule":
                when = form.cleaned_data.get("publish_at")
                if when is None:
                    raise ValidationError(_("Choose when to publish it."))
                actions.schedule(saved, when, by=request.user, request=request)
    except ValidationError as exc:
        context["errors"] = exc.messages
        return render(request, "bulletin/compose.html", context, status=400)
    except PermissionDenied as exc:
        context["errors"] = [refusal_text(exc)]
        return render(request, "bulletin/compose.html", context, status=403)
    if action == "publish":
        messages.success(
            request,
            _("Published to %(n)d people. Their reading appears here as it happens.")
            % {"n": saved.recipient_count},
        )
        return redirect("bulletin:figures", pk=saved.pk)
    if action == "schedule":
        messages.success(request, _("Scheduled."))
    else:
        messages.success(request, _("Draft saved."))
    return redirect("bulletin:mine")


@login_required
def compose(request):
    if not permissions.can_write_posts(request.user):
        raise PermissionDenied
    return _compose(request)


@login_required
def edit(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if not access.can_read(request.user, post):
        raise Http404
    if not access.can_manage_post(request.user, post):
        raise PermissionDenied
    if post.status in (Status.DRAFT, Status.SCHEDULED):
        return _compose(request, post)
    if post.status != Status.PUBLISHED:
        raise Http404
    form = EditForm(request.POST or None, initial={"title": post.title, "body": post.body})
    context = {"form": form, "post": post, "video_mb": settings.BULLETIN_MAX_VIDEO_MB}
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit(
                post,
                by=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                material=form.cleaned_data["material"],
                request=request,
            )
        except ValidationError as exc:
            context["errors"] = exc.messages
            return render(request, "bulletin/edit.html", context, status=400)
        messages.success(request, _("Saved. The post shows the new text."))
        return redirect("bulletin:post", pk=post.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "bulletin/edit.html", context, status=status)


@login_required
@require_POST
def attach(request, pk):
    post = managed_post(request, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("Choose a file to attach."))
        attachments.attach(post, upload, by=request.user, request=request)
    except ValidationError as exc:
        say_refused(request, exc)
    else:
        messages.success(request, _("Attached."))
    return redirect("bulletin:edit", pk=post.pk)


@login_required
@require_POST
def detach(request, pk):
    attachment = get_object_or_404(Attachment.objects.select_related("post"), pk=pk)
    post = managed_post(request, attachment.post_id)
    attachments.detach(attachment, by=request.user, request=request)
    messages.success(request, _("Removed."))
    return redirect("bulletin:edit", pk=post.pk)


@login_required
@require_POST
def withdraw(request, pk):
    """Take a post down: off the lists and search; nothing more is sent for it."""
    post = managed_post(request, pk)
    actions.withdraw(post, by=request.user, request=request)
    messages.success(request, _("Withdrawn."))
    return redirect("bulletin:mine")
