"""The bulletin's pages: what staff read (the list, a post, search, their settings) and what
authors and administrators do (compose, edit, follow a post's rates, remind once, export).

Thin: parse, authorise through access.*, call an action or a query, render. Anyone who
may not read a post gets 404, the answer for a post that does not exist, so ids tell
nothing; a reader who may not follow it gets 403 on the author's pages.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku import csvsafe
from renraku.accounts.models import Role
from renraku.directory import audience as audiences
from renraku.notices.models import Recipient
from renraku.web.headers import no_store

from . import access, actions, attachments, listing, queries, rendering, search
from . import preferences as prefs
from .forms import (
    CommentForm,
    ComposeForm,
    EditForm,
    FeedbackForm,
    HideForm,
    PreferencesForm,
    SearchForm,
    initial_of,
)
from .models import (
    Attachment,
    Category,
    Comment,
    Post,
    Reaction,
    ReactionKind,
    Series,
    Status,
)

PAGE_SIZE = 30
# The trend chart's drawing area (SVG user units): wide and low, as on a phone.
CHART_W, CHART_H = 600, 160


# --- Who may do what ---------------------------------------------------------------------


def may_post(user) -> bool:
    """Whether to offer "new post" and "mine": administrators, named authors and department
    administrators. (Each post is still checked by the actions.)"""
    return user.role in (Role.ADMINISTRATOR, Role.DEPARTMENT_ADMIN) or user.is_named_author


def readable_post(request, pk) -> Post:
    # Its series, author and the rest are read only when the page's cached part is made
    # again: joining them on every opening cost more than the rest of the page.
    post = get_object_or_404(Post, pk=pk)
    if not access.can_read(request.user, post):
        raise Http404
    return post


def followed_post(request, pk) -> Post:
    """The author's and administrators' view: 404 for those who may not read the post, 403
    for readers who may not follow it."""
    post = readable_post(request, pk)
    if not access.can_follow(request.user, post):
        raise PermissionDenied
    return post


def _back(post, anchor=""):
    return redirect(reverse("bulletin:post", args=[post.pk]) + anchor)


def _percent(part, whole) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# --- Reading ------------------------------------------------------------------------------


def _id(value) -> int | None:
    """A query string's id, or None for anything that is not one."""
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 12 else None


@login_required
def index(request):
    posts = listing.for_reader(request.user)
    series = Series.objects.filter(pk=_id(request.GET.get("series"))).first()
    category = Category.objects.filter(pk=_id(request.GET.get("category"))).first()
    if series:
        posts = posts.filter(series=series)
    if category:
        posts = posts.filter(category=category)
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bulletin/index.html",
        {
            "page": page,
            "series_list": Series.objects.all(),
            "categories": Category.objects.all(),
            "series": series,
            "category": category,
            "may_post": may_post(request.user),
        },
    )


def _reactions(post, user) -> list[dict]:
    rows = (
        Reaction.objects.filter(post=post)
        .values_list("kind")
        .annotate(n=Count("pk"), mine=Count("pk", filter=Q(user=user)))
        .order_by()
    )
    counts, mine = {}, set()
    for kind, n, by_me in rows:
        counts[kind] = n
        if by_me:
            mine.add(kind)
    return [
        {"kind": kind, "label": label, "count": counts.get(kind, 0), "pressed": kind in mine}
        for kind, label in ReactionKind.choices
    ]


def _my_recipient(post, user):
    staff_id = getattr(user, "staff_id", None)
    if not post.notice_id or staff_id is None:
        return None
    return Recipient.objects.filter(notice_id=post.notice_id, staff_id=staff_id).first()


@login_required
def post_page(request, pk):
    post = readable_post(request, pk)
    # 既読: opening it, from the list, a push or an e-mail's link (all land here) — as a
    # page, not as an image or a frame another page loads behind the reader's back.
    me = _my_recipient(post, request.user)
    as_page = request.headers.get("Sec-Fetch-Dest", "document") in ("document", "empty")
    if me is not None and me.read_at is None and post.status == Status.PUBLISHED and as_page:
        actions.record_read(post, request.user)
    moderator = access.is_moderator(request.user)
    comments = post.comments.select_related("author__staff")
    attachments = post.attachments.all()  # lazy: read only when the cached part is stale
    return render(
        request,
        "bulletin/post.html",
        {
            "post": post,
            "body_html": rendering.to_html(post.body),
            "attachments": attachments,
            "has_video": lambda: any(a.kind == "video" for a in attachments),
            "me": me,
            "reactions": _reactions(post, request.user),
            "comments": comments,
            "moderator": moderator,
            "can_follow": access.can_follow(request.user, post),
            "published": post.status == Status.PUBLISHED,
            "comment_form": CommentForm(),
            "feedback_form": FeedbackForm(),
            "hide_form": HideForm() if moderator else None,
        },
    )


@login_required
@require_POST
def acknowledge(request, pk):
    post = readable_post(request, pk)
    try:
        actions.acknowledge(post, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: your confirmation has been recorded."))
    return _back(post, "#ack")


@login_required
@require_POST
def comment(request, pk):
    post = readable_post(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment of up to 2,000 characters."))
        return _back(post, "#comments")
    try:
        made = actions.add_comment(post, request.user, form.cleaned_data["body"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _messages_of(exc))
        return _back(post, "#comments")
    messages.success(request, _("Your comment has been posted."))
    return _back(post, f"#comment-{made.pk}")


@login_required
@require_POST
def react(request, pk):
    post = readable_post(request, pk)
    try:
        actions.toggle_reaction(post, request.user, request.POST.get("kind", ""))
    except (ValidationError, PermissionDenied) as exc:
        if request.htmx:
            return HttpResponse(_messages_of(exc), status=400)
        messages.error(request, _messages_of(exc))
    if request.htmx:
        return render(
            request,
            "bulletin/_reactions.html",
            {"post": post, "reactions": _reactions(post, request.user), "published": True},
        )
    return _back(post, "#reactions")


@login_required
@require_POST
def feedback(request, pk):
    post = readable_post(request, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message of up to 4,000 characters."))
        return _back(post, "#feedback")
    try:
        actions.send_feedback(post, request.user, form.cleaned_data["body"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("Sent. Only the author can read it."))
    return _back(post, "#feedback")


@login_required
@require_POST
def hide_comment(request, pk):
    target = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    if not access.can_read(request.user, target.post):
        raise Http404
    if not access.is_moderator(request.user):
        raise PermissionDenied
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for hiding this comment."))
    else:
        try:
            actions.hide_comment(
                target, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("The comment is hidden."))
    return _back(target.post, f"#comment-{target.pk}")


def _messages_of(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


# --- Search and settings ------------------------------------------------------------------


@login_required
def search_page(request):
    form = SearchForm(request.GET or None)
    hits, query = [], ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            hits = search.search(query, posts=access.readable_posts(request.user), limit=30)
    return render(request, "bulletin/search.html", {"form": form, "hits": hits, "query": query})


@login_required
def preferences(request):
    staff = request.user.staff
    author = may_post(request.user) or request.user.bulletin_posts.exists()
    topics = prefs.topics()
    chosen = prefs.choices_of(staff)
    initial = {f"topic:{t}": chosen.get(t, "push") for t, _kind, _name in topics}
    quiet = getattr(staff, "quiet_hours", None) if staff else None
    if quiet:
        initial.update(quiet_start=quiet.start, quiet_end=quiet.end)
    if author:
        initial["feedback"] = prefs.feedback_choice(request.user) or "daily"
    form = PreferencesForm(request.POST or None, initial=initial, topics=topics, author=author)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "bulletin/preferences.html", {"form": form, "staff": staff}, status=400
            )
        if staff is not None:
            prefs.save(staff, form.choices(), form.quiet())
        if author:
            prefs.save_feedback_choice(request.user, form.cleaned_data["feedback"])
        messages.success(request, _("Your settings are saved."))
        return redirect("bulletin:preferences")
    return render(request, "bulletin/preferences.html", {"form": form, "staff": staff})


@login_required
def series_index(request, pk):
    series = get_object_or_404(Series, pk=pk)
    readable = set(
        access.readable_posts(request.user).filter(series=series).values_list("pk", flat=True)
    )
    rows = [row for row in queries.series_trend(series) if row["post"].pk in readable]
    # Rates are the author's and administrators' (as on a post's follow page).
    show_rates = (
        access.is_moderator(request.user) or series.authors.filter(pk=request.user.pk).exists()
    )
    for row in rows:
        row["percent"] = _percent(row["read"], row["recipients"])
    return render(
        request,
        "bulletin/series.html",
        {
            "series": series,
            "rows": rows,
            "show_rates": show_rates,
            "bars": _bars(rows) if show_rates else [],
        },
    )


def _bars(rows) -> list[dict]:
    """One bar per number: x, width, y and height in the chart's units."""
    if not rows:
        return []
    width = CHART_W / len(rows)
    bars = []
    for i, row in enumerate(rows):
        height = round(CHART_H * row["percent"] / 100, 1)
        bars.append(
            {
                "x": round(i * width + width * 0.1, 1),
                "w": round(max(width * 0.8, 1), 1),
                "y": round(CHART_H - height, 1),
                "h": height,
                "label": f"#{row['post'].number}: {row['percent']}%",
            }
        )
    return bars


# --- Writing ------------------------------------------------------------------------------


@login_required
def mine(request):
    if not may_post(request.user) and not request.user.bulletin_posts.exists():
        raise PermissionDenied
    posts = list(
        Post.objects.filter(author=request.user)
        .select_related("series", "category")
        .order_by("-created_at")[:200]
    )
    notices = [p.notice_id for p in posts if p.notice_id]
    counts = {
        row["notice"]: row
        for row in Recipient.objects.filter(notice_id__in=notices)
        .values("notice")
        .annotate(**queries.COUNTS)
        .order_by()
    }
    rows = []
    for post in posts:
        c = counts.get(post.notice_id, {"recipients": 0, "read": 0, "acknowledged": 0})
        rows.append(
            {
                "post": post,
                **c,
                "read_rate": _percent(c["read"], c["recipients"]),
                "ack_rate": _percent(c["acknowledged"], c["recipients"]),
            }
        )
    return render(request, "bulletin/mine.html", {"rows": rows})


class _DryRun(Exception):
    """Raised inside a transaction to undo a trial save: the preview checks with the same
    action that saves, so it refuses exactly what saving would refuse."""


def _check(user, form, post=None):
    try:
        with transaction.atomic():
            actions.save_draft(user, **form.draft_fields(), post=post)
            raise _DryRun
    except _DryRun:
        pass


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
            _check(request.user, form, post)
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
        context["errors"] = [_messages_of(exc)]
        return render(request, "bulletin/compose.html", context, status=403)
    if action == "publish":
        messages.success(
            request,
            _("Published to %(n)d people. Their reading appears here as it happens.")
            % {"n": saved.recipient_count},
        )
        return redirect("bulletin:follow", pk=saved.pk)
    if action == "schedule":
        messages.success(request, _("Scheduled."))
    else:
        messages.success(request, _("Draft saved."))
    return redirect("bulletin:mine")


@login_required
def compose(request):
    if not may_post(request.user):
        raise PermissionDenied
    return _compose(request)


@login_required
def edit(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if not access.can_read(request.user, post):
        raise Http404
    if not access.can_follow(request.user, post):
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


# --- Following a post (author and administrators) -----------------------------------------


def _live_context(post, user) -> dict:
    mine = post.author_id == user.pk
    totals = queries.stats(post)
    for group in totals["by_department"]:
        group["read_pct"] = _percent(group["read"], group["recipients"])
        group["ack_pct"] = _percent(group["acknowledged"], group["recipients"])
    sites = queries.by_group(post, "site")
    for group in sites:
        group["read_pct"] = _percent(group["read"], group["recipients"])
        group["ack_pct"] = _percent(group["acknowledged"], group["recipients"])
    trend = queries.trend(post)
    return {
        "post": post,
        "totals": totals,
        "read_pct": _percent(totals["read"], totals["recipients"]),
        "ack_pct": _percent(totals["acknowledged"], totals["recipients"]),
        "departments": totals["by_department"],
        "sites": sites,
        "trend": trend,
        "read_points": _points(trend, 1, totals["recipients"]),
        "ack_points": _points(trend, 2, totals["recipients"]) if post.requires_ack else "",
        # Private to the author: not even administrators read it.
        "feedback": post.feedback.select_related("sender__staff")[:200] if mine else None,
        "revisions": post.revisions.select_related("edited_by")[:50],
        "comments": post.comments.select_related("author__staff"),
        "waiting": queries.not_acknowledged(post),
    }


def _points(trend, column, whole) -> str:
    """SVG polyline points of a cumulative count as a share of the recipients."""
    if not trend or not whole:
        return ""
    step = CHART_W / max(len(trend) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(CHART_H - CHART_H * row[column] / whole, 1)}"
        for i, row in enumerate(trend)
    )


@login_required
def follow(request, pk):
    post = followed_post(request, pk)
    start, end = settings.BULLETIN_WORKING_HOURS
    return render(
        request,
        "bulletin/follow.html",
        {
            **_live_context(post, request.user),
            "working_hours": f"{start:%H:%M}–{end:%H:%M}",
            "published": post.status == Status.PUBLISHED,
        },
    )


@login_required
def follow_live(request, pk):
    post = followed_post(request, pk)
    return render(request, "bulletin/_follow_live.html", _live_context(post, request.user))


@login_required
@require_POST
def remind(request, pk):
    post = followed_post(request, pk)
    try:
        count = actions.remind(post, by=request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(
            request,
            _("Reminder planned for %(n)d people, delivered in working hours.") % {"n": count},
        )
    return redirect("bulletin:follow", pk=post.pk)


EXPORT_HEADER = ["部局コード", "部局", "送信対象", "既読", "確認", "既読率(%)", "確認率(%)"]


@login_required
@no_store
def export(request, pk):
    """Per department: recipients, opened, acknowledged (csvsafe.download: UTF-8 with a
    BOM, or CP932)."""
    post = followed_post(request, pk)
    rows = [
        [
            row["code"],
            row["name"],
            row["recipients"],
            row["read"],
            row["acknowledged"],
            _percent(row["read"], row["recipients"]),
            _percent(row["acknowledged"], row["recipients"]) if post.requires_ack else "",
        ]
        for row in queries.by_group(post, "department")
    ]
    return csvsafe.download(request, f"post-{post.pk}-departments.csv", EXPORT_HEADER, rows)


@login_required
@require_POST
def attach(request, pk):
    post = followed_post(request, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("Choose a file to attach."))
        attachments.attach(post, upload, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Attached."))
    return redirect("bulletin:edit", pk=post.pk)


@login_required
@require_POST
def detach(request, pk):
    attachment = get_object_or_404(Attachment.objects.select_related("post"), pk=pk)
    post = followed_post(request, attachment.post_id)
    attachments.detach(attachment, by=request.user, request=request)
    messages.success(request, _("Removed."))
    return redirect("bulletin:edit", pk=post.pk)


@login_required
@require_POST
def withdraw(request, pk):
    """Take a post down: off the lists and search; nothing more is sent for it."""
    post = followed_post(request, pk)
    actions.withdraw(post, by=request.user, request=request)
    messages.success(request, _("Withdrawn."))
    return redirect("bulletin:mine")
