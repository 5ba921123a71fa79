"""What follows a message a rule acted on: JMA withdraws it (取消: a cancellation to
everyone who got the alert, which closes) or corrects it (訂正: the corrected facts to the
same people). A call-up's correction is worded here (its rule has no body of its own)."""

from django.utils.translation import gettext as _

from renraku.broadcast.actions import close_alert, send_correction
from renraku.broadcast.models import AlertKind

from . import callups, decide, warnings_in_force
from .models import Action, FeedMessage, Firing

# A call-up rule has no body of its own: its correction says what JMA corrected.
CALLUP_CORRECTION = (
    "気象庁が情報を訂正しました：${time}ころ、${area}で${intensity}。"
    "配備体制は災害対策本部の指示があるまで変わりません。\n${headline}\n出典：${source}"
)


def _by_alert(firings) -> list[tuple[Firing, str]]:
    """One firing per alert, with every warning name it holds: an alert about 大雨警報 and
    洪水警報 gets one cancellation or correction, not two."""
    alerts: dict[int, tuple[Firing, list[str]]] = {}
    for firing in firings:
        alerts.setdefault(firing.alert_id, (firing, []))[1].append(firing.subject)
    return [(first, "・".join(n for n in names if n)) for first, names in alerts.values()]


# The earthquake products that tell intensity in the ward; the hypocentre (VXSE52) and the
# tsunami (VTSE41) share the earthquake's EventID and are withdrawn on their own.
QUAKE_TYPES = ("VXSE51", "VXSE53")


def _withdrawn_firings(message, key):
    """The firings JMA's 取消 of this message takes back: a tsunami's 取消 those of warning
    rules (the tsunami's), an earthquake's those of the other rules; not the call-up or
    alert of the earthquake when a tsunami message is withdrawn, nor the reverse."""
    firings = Firing.objects.filter(event_key=key, active=True).select_related("alert", "rule")
    if message.type.startswith("VTSE"):
        return list(firings.filter(rule__trigger__in=warnings_in_force.WARNING_LIKE))
    if message.type.startswith("VXSE"):
        return list(firings.exclude(rule__trigger__in=warnings_in_force.WARNING_LIKE))
    return list(firings)


def still_standing(message) -> list[str]:
    """The other intensity reports of the same earthquake that told of it in the ward and
    are not withdrawn: JMA withdraws each message type on its own (取消 of 震度速報 while
    震源・震度情報 stands), and while one stands the earthquake stands."""
    if not message.type.startswith("VXSE") or not message.event_id:
        return []
    same = FeedMessage.objects.filter(
        event_id=message.event_id[:200], status=message.status, type__in=QUAKE_TYPES
    ).exclude(type=message.type)
    gone = set(same.filter(info_type="取消").values_list("type", flat=True))
    told = same.filter(ward_affected=True).exclude(info_type="取消")
    told = told.exclude(action__in=[Action.REJECTED, Action.DUPLICATE])
    return sorted({t for t in told.values_list("type", flat=True) if t not in gone})


def cancel(message, key, decision, *, send: bool) -> None:
    firings = _withdrawn_firings(message, key)
    if not firings:
        decision.reason = _("Withdrawn (取消), but nothing was sent for this event.")
        return
    standing = still_standing(message)
    if standing:
        # A call-up (or a safety question) stands on the report not withdrawn: telling
        # people "cancelled" while JMA still reports the shaking would send them home.
        decision.reason = _(
            "Withdrawn (取消) %(type)s, but %(others)s of the same earthquake still stands: "
            "nothing is withdrawn (the call-up, if any, stays until the headquarters stands "
            "it down)."
        ) % {"type": message.type, "others": "・".join(standing)}
        return
    decision.action = Action.CANCELLED
    pairs = _by_alert(firings)
    held = _held_by_others(firings)
    decision.reason = _("Withdrawn (取消): a cancellation sent for %(n)d alert(s).") % {
        "n": len(pairs) - len(held)
    }
    if held:
        decision.reason += " " + _(
            "The open call-up also stands for another event: it stays, and nobody is told it "
            "was cancelled (the headquarters may lower or stand it down)."
        )
    for firing, _subject in pairs:
        if not send:
            continue
        if firing.alert_id in held:
            Firing.objects.filter(event_key=key, alert_id=firing.alert_id).update(active=False)
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
    if held and len(held) == len(pairs):
        decision.action = Action.NONE


def _held_by_others(firings) -> set[int]:
    """The alerts among `firings`' that other events' active firings also hold: the ward's
    one call-up, raised by a second earthquake or started by a warning."""
    keys = {f.event_key for f in firings}
    alerts = {f.alert_id for f in firings}
    others = Firing.objects.filter(alert_id__in=alerts, active=True).exclude(event_key__in=keys)
    return set(others.values_list("alert_id", flat=True))


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
