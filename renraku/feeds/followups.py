"""What follows a message a rule acted on: JMA withdraws it (取消: a cancellation to
everyone who got the alert, which closes) or corrects it (訂正: the corrected facts to the
same people). A call-up's correction is worded here (its rule has no body of its own)."""

from django.utils.translation import gettext as _

from renraku.broadcast.actions import close_alert, send_correction
from renraku.broadcast.models import AlertKind

from . import callups, decide
from .models import Action, Firing

# A call-up rule has no body of its own: its correction says what JMA corrected.
CALLUP_CORRECTION = (
    "気象庁が情報を訂正しました：${time}ころ、${area}で${intensity}。\n${headline}\n出典：${source}"
)


def _by_alert(firings) -> list[tuple[Firing, str]]:
    """One firing per alert, with every warning name it holds: an alert about 大雨警報 and
    洪水警報 gets one cancellation or correction, not two."""
    alerts: dict[int, tuple[Firing, list[str]]] = {}
    for firing in firings:
        alerts.setdefault(firing.alert_id, (firing, []))[1].append(firing.subject)
    return [(first, "・".join(n for n in names if n)) for first, names in alerts.values()]


def cancel(message, key, decision, *, send: bool) -> None:
    firings = list(Firing.objects.filter(event_key=key, active=True).select_related("alert"))
    if not firings:
        decision.reason = _("Withdrawn (取消), but nothing was sent for this event.")
        return
    decision.action = Action.CANCELLED
    pairs = _by_alert(firings)
    decision.reason = _("Withdrawn (取消): a cancellation sent for %(n)d alert(s).") % {
        "n": len(pairs)
    }
    for firing, _subject in pairs:
        if not send:
            continue
        alert = send_correction(
            firing.alert,
            title=firing.alert.title,
            body=f"先ほどの連絡（{message.title}）は気象庁により取り消されました。\n{message.headline}",
            kind=AlertKind.CANCELLATION,
        )
        close_alert(firing.alert)
        Firing.objects.filter(alert_id=firing.alert_id).update(active=False)
        decision.alert_id = decision.alert_id or alert.pk


def correct(message, facts, key, decision, *, send: bool) -> None:
    firings = list(
        Firing.objects.filter(event_key=key, active=True).select_related("alert", "rule")
    )
    pairs = _by_alert(firings)
    decision.action = Action.CORRECTED
    decision.reason = _("Corrected (訂正): a correction sent for %(n)d alert(s).") % {
        "n": len(pairs)
    }
    in_force = (*decide.NEW, *decide.LOWERED, decide.CONTINUING)
    for firing, subject in pairs:
        decision.rule = decision.rule or firing.rule
        if not send:
            continue
        # A warning's correction names the warnings as corrected, not as first told.
        now = decide.matching_warnings(firing.rule, message, facts, in_force)
        subject = "・".join(sorted(w.name for w in now)) or subject
        rule = firing.rule
        if rule.callup_level:
            title = callups.title(rule, message, facts, subject)
        else:
            title = decide.fill(rule.title, message, facts, subject)
        body = rule.body or CALLUP_CORRECTION
        alert = send_correction(
            firing.alert, title=title, body=decide.fill(body, message, facts, subject)
        )
        decision.alert_id = decision.alert_id or alert.pk
