"""The home page's readiness line: whether this person's device receives alerts, when it
last proved it, and what to do when it does not (renraku/web's home includes it)."""

from django import template
from django.utils.translation import gettext as _

from renraku.directory.models import PushSubscription
from renraku.readiness import queries
from renraku.readiness.labels import CHANNEL_LABELS
from renraku.readiness.nudges import steps_for
from renraku.readiness.rights import may_open

register = template.Library()


@register.inclusion_tag("readiness/_home_state.html", takes_context=True)
def readiness_home(context):
    user = context.get("user")
    staff = getattr(user, "staff", None) if user is not None else None
    if staff is None:
        return {"state": None, "may_open": may_open(user)}
    state = queries.state_of(staff)
    push = state.push
    return {
        "state": state,
        "push": push,
        "others": [
            CHANNEL_LABELS[c.kind] for c in state.channels if c.reaches and c.kind != "push"
        ],
        "email_refused": any(c.kind == "email" and c.missing == "refused" for c in state.channels),
        "steps": "" if push.reaches else steps_for(state.platform),
        "device": _device_that_showed(staff, push.proven_at) if push.reaches else "",
        "may_open": may_open(user),
    }


def _device_that_showed(staff, shown_at) -> str:
    """What the device that last showed a notice is ("iPhone"), from its user agent.
    The server cannot tell which device shows this page: the line names the registered
    one that proved itself, so a computer without push does not read "this device"."""
    agent = (
        PushSubscription.objects.active()
        .filter(staff=staff, last_shown_at=shown_at)
        .values_list("user_agent", flat=True)
        .first()
    )
    return device_name(agent or "")


def device_name(user_agent: str) -> str:
    ua = user_agent.lower()
    for needle, name in (("iphone", "iPhone"), ("ipad", "iPad"), ("android", "Android")):
        if needle in ua:
            return name
    if any(n in ua for n in ("windows", "macintosh", "cros", "linux")):
        return _("a computer")
    return ""
