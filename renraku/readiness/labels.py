"""The words pages use for channels and for what a person lacks (never a contact value)."""

from django.utils.translation import gettext_lazy as _

CHANNEL_LABELS = {
    "push": _("Push"),
    "email": _("E-mail"),
    "sms": _("SMS"),
    "voice": _("Voice call"),
    "line_works": _("LINE WORKS"),
}
MISSING_LABELS = {
    "no_device": _("no device registered"),
    "silent": _("device silent for 30 days"),
    "no_address": _("no e-mail address"),
    "refused": _("address refused by the mail server"),
    "no_mobile": _("no personal mobile"),
    "no_id": _("no LINE WORKS ID"),
}


def describe(state) -> dict:
    """A person's readiness as a page lists it: what reaches them (with when it was last
    proven) and what does not (with why)."""
    return {
        "staff": state.staff,
        "reachable": state.reachable,
        "reaches": [(CHANNEL_LABELS[c.kind], c.proven_at) for c in state.channels if c.reaches],
        "missing": [
            (CHANNEL_LABELS[c.kind], MISSING_LABELS.get(c.missing, "")) for c in state.missing
        ],
    }
