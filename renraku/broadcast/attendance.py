"""What the attendance figures are called on an alert's pages and in its CSV.

A safety alert asks 出勤可否 (can you come to work). A call-up (職員参集, built on broadcast
by mobilise) records its 参集 answer as the alert's attendance instead: within an hour is
`can`, later the same day `late`, cannot come `cannot`; so the same figures must be called
参集可能（1時間以内）… there. The call-up marks its alert by its `source`; broadcast reads
that field rather than importing what sits above it.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The source a call-up's alert carries (mobilise.actions.SOURCE; a test holds them equal).
CALLUP_SOURCE = "mobilise"

WORK = {
    "heading": _("Safety and attendance"),
    "can": _("Can come to work"),
    "late": _("Can come, later"),
    "cannot": _("Cannot come"),
    "unknown": _("Attendance not answered"),
    "can_any": _("can come"),
}
CALLUP = {
    "heading": pgettext_lazy("call-up", "Safety and coming to posts"),
    "can": pgettext_lazy("call-up", "Can come within an hour"),
    "late": pgettext_lazy("call-up", "Can come, later than an hour"),
    "cannot": pgettext_lazy("call-up", "Cannot come to the post"),
    "unknown": pgettext_lazy("call-up", "Not answered whether coming"),
    "can_any": pgettext_lazy("call-up", "can come to the post"),
}
# The CSV is read by the ward's other systems: its header is Japanese whatever the
# viewer's language, as the rest of the header is.
CSV = {
    False: ["出勤可能", "遅れて出勤可能", "出勤不可", "出勤未回答"],
    True: ["参集可能（1時間以内）", "参集可能（それ以降）", "参集不可", "参集未回答"],
}


def is_callup(alerts) -> bool:
    """Whether these alerts (one, or several read as one) are all call-ups: only then do
    their attendance figures all mean 参集."""
    alerts = [alerts] if hasattr(alerts, "source") else list(alerts)
    return bool(alerts) and all(a.source == CALLUP_SOURCE for a in alerts)


def words(alerts) -> dict:
    """The labels of the attendance figures (heading, can, late, cannot, unknown, and
    can_any: can or late)."""
    return CALLUP if is_callup(alerts) else WORK


def csv_header(alerts) -> list[str]:
    return CSV[is_callup(alerts)]


def word_for(value: str, alerts) -> str:
    """One person's attendance answer in these alerts' words ('' when not answered)."""
    return words(alerts).get(value, "") if value else ""
