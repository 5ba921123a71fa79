"""The home page's readiness line: whether this person's device receives alerts, when it
last proved it, and what to do when it does not (renraku/web's home includes it)."""

from django import template

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
        "may_open": may_open(user),
    }
