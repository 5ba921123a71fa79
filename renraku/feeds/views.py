from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from renraku.accounts import permissions

from .models import Action, FeedMessage, FeedState, Rule


@login_required
def message_list(request):
    """Recent messages from JMA (and CAP): what each was, what it decided, why, and the
    rule that fired. Filter by ?action=."""
    if not permissions.can_view_alerts(request.user):
        raise PermissionDenied
    messages = FeedMessage.objects.select_related("rule", "alert", "safety_alert")
    action = request.GET.get("action", "")
    if action in Action.values:
        messages = messages.filter(action=action)
    return render(
        request,
        "feeds/message_list.html",
        {
            # Not "messages": the base template shows Django's messages under that name.
            "feed_messages": messages[:200],
            "actions": Action.choices,
            "action": action,
            "feeds": FeedState.objects.order_by("url"),
            "rules": Rule.objects.filter(enabled=True),
        },
    )
