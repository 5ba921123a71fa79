"""The 参集 part of the one-tap answer page (the signed link, opened from a push, an e-mail
or the app's home): can you come and when, or why not; your post, with its address and a
map link; and 到着しました. Plain forms posted to this app's own address with the same
signed token, which then shows broadcast's page again: no script, one tap each."""

from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from renraku.broadcast import answer_views

from . import actions
from .models import Callup, Eta, Family, Reason


def map_url(site) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={quote(site.address)}"


def _callup(recipient) -> Callup | None:
    return (
        Callup.objects.select_related("site", "team", "mobilisation", "arrived_site")
        .filter(recipient=recipient)
        .first()
    )


def extra_for(recipient, alert, token):
    """For broadcast's answer page: the 参集 step, for an alert that is a mobilisation."""
    callup = _callup(recipient)
    if callup is None:
        return None
    return {
        "template": "mobilise/_answer.html",
        "replaces_attendance": True,
        "callup": callup,
        "token": token,
        "map_url": map_url(callup.site) if callup.site and callup.site.address else "",
        "etas": Eta.choices,
        "reasons": Reason.choices,
        "families": Family.choices,
    }


@csrf_exempt  # the signed token in the URL is the credential, as on broadcast's page
def answer(request, token):
    """A 参集 answer (`eta` or `reason`), the family's status (`family`) or an arrival
    (`arrive`) by the signed link."""
    if request.method != "POST":
        # The address a tap left in the phone's browser: reopened later (a reload, a tab
        # the phone restored) it must lead back to the answer page, not to an error.
        return redirect("broadcast:answer", token=token)
    recipient, gone = answer_views.recipient_or_gone(request, token)
    if gone:
        return gone
    callup = _callup(recipient)
    errors, saved = [], ""
    via = answer_views.via(request, recipient)
    try:
        if callup is None:
            raise ValidationError(_("This alert does not call you to a post."))
        callup.recipient = recipient
        if "arrive" in request.POST:
            actions.arrive(callup, via=via)
            saved = "arrived"
        elif "family" in request.POST:
            actions.record_family(callup, request.POST["family"])
            saved = "family"
        else:
            actions.record_answer(
                callup,
                eta=request.POST.get("eta", ""),
                reason=request.POST.get("reason", ""),
                via=via,
            )
            saved = "callup"
    except ValidationError as exc:
        errors = exc.messages
    return answer_views.render_page(request, recipient, token, errors=errors, saved=saved)
