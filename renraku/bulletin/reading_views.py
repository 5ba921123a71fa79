"""The bulletin's pages for readers: the list, a post (opening it counts as read), the
reader's answers to it (confirm, comment, react, private feedback), search, a series'
numbers and how each person is told.

Thin: parse, authorise (view_common, access.*), call an action or a query, render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku.accounts import permissions
from renraku.http import refusal_text, say_refused

from . import access, figures, listing, rendering, responses, search, video
from . import preferences as prefs
from .forms import CommentForm, FeedbackForm, HideForm, PreferencesForm, SearchForm
from .models import Category, Comment, Series, Status
from .view_common import back_to, query_id, readable_post

PAGE_SIZE = 30


@login_required
def index(request):
    posts = listing.for_reader(request.user)
    series = Series.objects.filter(pk=query_id(request.GET.get("series"))).first()
    category = Category.objects.filter(pk=query_id(request.GET.get("category"))).first()
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
            "may_post": permissions.can_write_posts(request.user),
        },
    )


@login_required
def post_page(request, pk):
    post = readable_post(request, pk)
    # 既読: opening it, from the list, a push or an e-mail's link (all land here) — as a
    # page, not as an image or a frame another page loads behind the reader's back. One
    # UPDATE … WHERE read_at IS NULL: no row for someone it was not sent to, nothing
    # changed on a second opening.
    as_page = request.headers.get("Sec-Fetch-Dest", "document") in ("document", "empty")
    if post.status == Status.PUBLISHED and as_page:
        responses.record_read(post, request.user)
    # Their own row is shown only where the post asks them to confirm it.
    me = listing.my_recipient(post, request.user) if post.requires_ack else None
    moderator = permissions.is_administrator(request.user)
    comments = post.comments.select_related("author__staff")
    attachments = post.attachments.all()  # lazy: read only when the cached part is stale
    return render(
        request,
        "bulletin/post.html",
        {
            "post": post,
            # Callables, read only when the page's cached part is made again.
            "body_html": lambda: rendering.to_html(post.body),
            "attachments": attachments,
            "has_video": lambda: any(a.kind == "video" for a in attachments),
            "me": me,
            # 視聴済み: what this person has watched of the post's videos (none: no row; a
            # post without a video: no query).
            "my_views": video.views_of(post, getattr(request.user, "staff_id", None)),
            "reactions": listing.reactions_of(post, request.user),
            "comments": comments,
            "moderator": moderator,
            "can_manage_post": access.can_manage_post(request.user, post),
            "published": post.status == Status.PUBLISHED,
            # The forms' classes: the template makes them only for a stale cached part.
            "comment_form": CommentForm,
            "feedback_form": FeedbackForm,
            "hide_form": HideForm() if moderator else None,
        },
    )


@login_required
@require_POST
def acknowledge(request, pk):
    post = readable_post(request, pk)
    try:
        recorded = responses.acknowledge(post, request.user)
    except ValidationError as exc:
        say_refused(request, exc)
    else:
        if recorded:
            messages.success(request, _("Thank you: your confirmation has been recorded."))
        else:
            messages.info(request, _("You had already confirmed this."))
    return back_to(post, "#ack")


@login_required
@require_POST
def comment(request, pk):
    post = readable_post(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment of up to 2,000 characters."))
        return back_to(post, "#comments")
    try:
        made = responses.add_comment(post, request.user, form.cleaned_data["body"])
    except (ValidationError, PermissionDenied) as exc:
        say_refused(request, exc)
        return back_to(post, "#comments")
    messages.success(request, _("Your comment has been posted."))
    return back_to(post, f"#comment-{made.pk}")


@login_required
@require_POST
def react(request, pk):
    post = readable_post(request, pk)
    try:
        responses.toggle_reaction(post, request.user, request.POST.get("kind", ""))
    except (ValidationError, PermissionDenied) as exc:
        if request.htmx:
            return HttpResponse(refusal_text(exc), status=400)
        say_refused(request, exc)
    if request.htmx:
        return render(
            request,
            "bulletin/_reactions.html",
            {
                "post": post,
                "reactions": listing.reactions_of(post, request.user),
                "published": True,
            },
        )
    return back_to(post, "#reactions")


@login_required
@require_POST
def feedback(request, pk):
    post = readable_post(request, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message of up to 4,000 characters."))
        return back_to(post, "#feedback")
    try:
        responses.send_feedback(post, request.user, form.cleaned_data["body"])
    except (ValidationError, PermissionDenied) as exc:
        say_refused(request, exc)
    else:
        messages.success(request, _("Sent. Only the author can read it."))
    return back_to(post, "#feedback")


@login_required
@require_POST
def hide_comment(request, pk):
    target = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    if not access.can_read(request.user, target.post):
        raise Http404
    if not permissions.is_administrator(request.user):
        raise PermissionDenied
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for hiding this comment."))
    else:
        try:
            responses.hide_comment(
                target, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except (ValidationError, PermissionDenied) as exc:
            say_refused(request, exc)
        else:
            messages.success(request, _("The comment is hidden."))
    return back_to(target.post, f"#comment-{target.pk}")


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
    author = permissions.can_write_posts(request.user) or request.user.bulletin_posts.exists()
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
    rows = figures.series_rows(series, readable)
    # Rates are the author's and administrators' (as on a post's figures page).
    show_rates = permissions.is_administrator(request.user) or access.is_named_author_of(
        request.user, series=series
    )
    return render(
        request,
        "bulletin/series.html",
        {
            "series": series,
            "rows": rows,
            "show_rates": show_rates,
            "bars": figures.bars(rows) if show_rates else [],
        },
    )
