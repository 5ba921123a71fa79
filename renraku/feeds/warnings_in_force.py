"""The warnings an alert was sent for, held from 発表 until JMA lifts (解除) or lowers them:
which are in force per rule, a higher level replacing a lower one, and the all-clear or the
notice of a lowering to the same people when they end. process.py decides per document and
calls these for rules whose subjects are warnings (WARNING_LIKE), not events."""

from django.utils.translation import gettext as _

from renraku.broadcast.actions import close_alert, send_correction
from renraku.broadcast.models import AlertKind

from . import decide
from .models import Action, Firing

# Rules whose subjects are warnings (each name held from 発表 to 解除), not events.
WARNING_LIKE = ("warning", "volcano")


def told(rule) -> dict[str, Firing]:
    """The warning names `rule` has an alert in force for (whatever the message that told
    them: VPWW53 and VPWW54 speak of the same warnings)."""
    told = {}
    for firing in Firing.objects.filter(rule=rule, active=True).select_related("alert"):
        for name in firing.subject.split("・"):
            told[name] = firing
    return told


def _end(firing) -> None:
    """The firing no longer holds; its alert is closed once none of its warnings does."""
    Firing.objects.filter(pk=firing.pk).update(active=False)
    if not Firing.objects.filter(alert_id=firing.alert_id, active=True).exists():
        close_alert(firing.alert)


def supersede(rule, fresh) -> None:
    """A higher level of a warning the rule alerted for replaces the lower one (大雨注意報
    → 大雨警報): the new alert goes to the same people, the old one is closed unsaid."""
    raised = [decide.grade(w.name) for w in fresh]
    for name, firing in told(rule).items():
        group, rank = decide.grade(name)
        if any(group == new_group and rank <= new_rank for new_group, new_rank in raised):
            _end(firing)


def end_lifted(rule, message, facts, decision, *, send: bool) -> list[str]:
    """Warnings the rule alerted for that the ward no longer has at that level: lifted (解除),
    lowered (特別警報から警報), or gone from a 降灰予報. The same people are told (when the
    rule says so) and the alert closes. Returns what was done, for the reason."""
    state = decide.ward_state(facts)
    if not state:
        return []
    ended: dict[int, dict] = {}
    for firing in Firing.objects.filter(rule=rule, active=True).select_related("alert"):
        for name in firing.subject.split("・"):
            group, rank = decide.grade(name)
            if group not in state or state[group][0] >= rank:
                continue
            entry = ended.setdefault(firing.alert_id, {"alert": firing.alert, "firings": set()})
            entry["firings"].add(firing)
            entry.setdefault("changes", []).append((name, state[group][1]))
    done = []
    for entry in ended.values():
        changes = entry["changes"]
        if _held_by_an_event(entry["alert"]):
            # The ward's one call-up, raised by an earthquake since the warning started
            # it: the warning's end is not an all-clear for people called for the quake.
            done.append(
                _(
                    "%(subject)s no longer in force, but the call-up continues for an "
                    "earthquake: no all-clear is sent."
                )
                % {"subject": "・".join(old for old, _now in changes)}
            )
            if send:
                Firing.objects.filter(pk__in=[f.pk for f in entry["firings"]]).update(active=False)
            continue
        lifted = [old for old, now in changes if not now]
        lowered = [(old, now) for old, now in changes if now]
        named = {"rule": rule.name}
        if not rule.all_clear:
            done.append(
                _("%(subject)s no longer in force: rule 「%(rule)s」 sends no all-clear.")
                % {**named, "subject": "・".join(old for old, _now in changes)}
            )
        for old, now in lowered if rule.all_clear else []:
            done.append(
                _("%(old)s lowered to %(new)s: notice sent by rule 「%(rule)s」.")
                % {**named, "old": old, "new": now}
            )
        if lifted and rule.all_clear:
            done.append(
                _("%(subject)s lifted (解除): all-clear sent by rule 「%(rule)s」.")
                % {**named, "subject": "・".join(lifted)}
            )
        if rule.all_clear:
            decision.action, decision.rule = Action.ALERT_SENT, decision.rule or rule
        if not send:
            continue
        if rule.all_clear:
            alert = _notify_ended(entry["alert"], message, facts, lifted, lowered)
            decision.alert_id = decision.alert_id or alert.pk
        for firing in entry["firings"]:
            _end(firing)
    return done


def _held_by_an_event(alert) -> bool:
    return (
        Firing.objects.filter(alert=alert, active=True)
        .exclude(rule__trigger__in=WARNING_LIKE)
        .exists()
    )


def _notify_ended(parent, message, facts, lifted, lowered):
    titles, lines = [], []
    if lifted:
        titles.append("・".join(lifted) + " 解除")
        lines.append("${area}の" + "・".join(lifted) + "は解除されました。")
    for old, now in lowered:
        titles.append(f"{old} → {now}")
        lines.append(f"${{area}}の{old}は{now}に切り替えられました。")
    body = "${time} " + "".join(lines) + "\n出典：${source}"
    return send_correction(
        parent,
        title="・".join(titles)[:100],
        body=decide.fill(body, message, facts),
        kind=AlertKind.ALL_CLEAR,
    )
