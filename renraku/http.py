"""What every app's pages share below the apps themselves: the no-store decorator and one
way to turn an action's refusal into a message for the person. The apps' views import
this; it imports no app (see renraku/tests/test_layers.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


def no_store(view):
    """`Cache-Control: no-store` (with no-cache, private, max-age=0): for responses carrying
    personal data (a personal contact, a CSV of who answered what). Without it a shared PC's
    browser cache, or a proxy on the way, keeps a copy that the next person can open."""
    return never_cache(view)


def refusal_text(exc: Exception) -> str:
    """What an action's refusal says: a ValidationError's messages, or a PermissionDenied's
    reason (a bare one says only that this may not be done)."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


def say_refused(request, exc: Exception) -> None:
    """Show the refusal on the next page, as Django's messages do for a redirect."""
    messages.error(request, refusal_text(exc))
