"""What the bulletin's pages share: who may do what, the post a request may see, and how
a refusal reads. Anyone who may not read a post gets 404, the answer for a post that does
not exist, so ids tell nothing; a reader who may not manage it gets 403 on the author's
pages."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from . import access
from .models import Post


def readable_post(request, pk) -> Post:
    # Its series, author and the rest are read only when the page's cached part is made
    # again: joining them on every opening cost more than the rest of the page.
    post = get_object_or_404(Post, pk=pk)
    if not access.can_read(request.user, post):
        raise Http404
    return post


def managed_post(request, pk) -> Post:
    """The author's and administrators' view: 404 for those who may not read the post, 403
    for readers who may not manage it (access.can_manage_post)."""
    post = readable_post(request, pk)
    if not access.can_manage_post(request.user, post):
        raise PermissionDenied
    return post


def back_to(post, anchor=""):
    return redirect(reverse("bulletin:post", args=[post.pk]) + anchor)


def query_id(value) -> int | None:
    """A query string's id, or None for anything that is not one."""
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 12 else None
