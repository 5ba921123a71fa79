"""The author's and administrators' pages of a post: its readers and feedback (rates by
department and site, the curve, who watched its videos), live updates of them, the one
reminder, and the CSV by department.

Thin: authorise (view_common.managed_post), take the figures (figures.py), render.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renraku import csvsafe
from renraku.http import no_store, say_refused

from . import actions, figures
from .models import Status
from .view_common import managed_post


@login_required
def figures_page(request, pk):
    post = managed_post(request, pk)
    start, end = settings.BULLETIN_WORKING_HOURS
    return render(
        request,
        "bulletin/figures.html",
        {
            **figures.post_figures(post, request.user),
            "working_hours": f"{start:%H:%M}–{end:%H:%M}",
            "published": post.status == Status.PUBLISHED,
        },
    )


@login_required
def figures_live(request, pk):
    post = managed_post(request, pk)
    return render(request, "bulletin/_figures_live.html", figures.post_figures(post, request.user))


@login_required
@require_POST
def remind(request, pk):
    post = managed_post(request, pk)
    try:
        count = actions.remind(post, by=request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        say_refused(request, exc)
    else:
        messages.success(
            request,
            _("Reminder planned for %(n)d people, delivered in working hours.") % {"n": count},
        )
    return redirect("bulletin:figures", pk=post.pk)


EXPORT_HEADER = ["部局コード", "部局", "送信対象", "既読", "確認", "既読率(%)", "確認率(%)"]


@login_required
@no_store
def export(request, pk):
    """Per department: recipients, opened, acknowledged (csvsafe.download: UTF-8 with a
    BOM, or CP932)."""
    post = managed_post(request, pk)
    rows = [
        [
            row["code"],
            row["name"],
            row["recipients"],
            row["read"],
            row["acknowledged"],
            row["read_pct"],
            row["ack_pct"] if post.requires_ack else "",
        ]
        for row in figures.department_rows(post)
    ]
    return csvsafe.download(request, f"post-{post.pk}-departments.csv", EXPORT_HEADER, rows)
