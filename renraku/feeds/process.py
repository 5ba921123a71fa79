"""One document in, one decision out: parse, look at the ward, apply the rules, send.

The same message never sends twice: its first arrival claims a unique key in the same
transaction as the alert it sends, so a second poller, a restart or a replay finds the
key taken. A rule fires once per event (per warning kind, for warnings) until JMA lifts
it. An older serial arriving after a newer one is recorded and does nothing. Call-up rules
(callups.py) are checked first: one acts per message, raising its event's call-up when a
later report is stronger; the safety-confirmation rules then ask only those the call-up did
not call (safety.py): one message per person.
"""

import datetime as dt
import logging
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.broadcast.actions import Draft, send_alert
from renraku.broadcast.models import AlertCategory, ReplyForm, Severity
from renraku.channels import registry

from . import callups, decide, followups, safety, warnings_in_force
from .models import Action, FeedMessage, Firing, Rule
from .parsing import INTENSITIES, JmaReport, Rejected, parse

log = logging.getLogger(__name__)


@dataclass
class Decision:
    file: str
    type: str | None = None
    status: str | None = None
    info_type: str | None = None
    event_id: str | None = None
    ward_affected: bool = False
    max_intensity_in_ward: str | None = None
    warnings_in_ward: list | None = None
    action: str = Action.NONE
    alert_id: int | None = None
    reason: str = ""
    # A call-up started or raised: {"level", "auto", "called", "raised"}.
    mobilise: dict | None = None
    # A safety-confirmation alert sent (beside a call-up, to those it did not call):
    # {"alert_id", "recipients"}.
    safety: dict | None = None
    rule: Rule | None = None  # the rule that fired (not in the JSON)

    def as_json(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rule"}
        out["warnings_in_ward"] = out["warnings_in_ward"] or []
        return out


def handle(data: bytes, source: str, *, dry_run: bool = False, drill: bool = False) -> Decision:
    """Process one document as if it had just arrived. With dry_run, decide and report
    but write and send nothing. With drill, whatever its status, it is a drill (訓練) the
    ward takes part in: a real sample replayed for an exercise."""
    decision = Decision(file=source)
    try:
        message = parse(data, source)
    except Rejected as exc:
        decision.action, decision.reason = Action.REJECTED, str(exc)
        log.warning("feed message %s rejected: %s", source, exc)
        if not dry_run:
            FeedMessage.objects.create(source=source[:500], action=Action.REJECTED, reason=str(exc))
        return decision
    if drill:
        message.status = "訓練"
    facts = decide.facts_for_ward(message)
    decision.type, decision.status, decision.info_type = (
        message.type,
        message.status,
        message.info_type,
    )
    decision.event_id = message.event_id or None
    decision.ward_affected = facts.ward_affected
    decision.max_intensity_in_ward = facts.max_intensity
    decision.warnings_in_ward = facts.warning_dicts()
    if dry_run:
        _decide(message, facts, decision, send=False, drill=drill)
        return decision
    try:
        with transaction.atomic():
            row = FeedMessage.objects.create(
                **_fields(message, facts, source),
                action=Action.NONE,
                dedupe_key=_dedupe_key(message)[:500],
            )
            _decide(message, facts, decision, send=True, drill=drill)
            FeedMessage.objects.filter(pk=row.pk).update(
                action=decision.action,
                reason=decision.reason,
                alert_id=decision.alert_id,
                safety_alert_id=(decision.safety or {}).get("alert_id"),
                rule=decision.rule,
            )
    except IntegrityError:
        # The key is taken: this very message was processed already (or is being, by
        # another poller). Record the arrival without the key.
        decision.action, decision.alert_id, decision.rule = Action.DUPLICATE, None, None
        decision.mobilise = decision.safety = None
        decision.reason = _(
            "The same message (type, event, serial, report time) was processed before."
        )
        FeedMessage.objects.create(
            **_fields(message, facts, source), action=Action.DUPLICATE, reason=decision.reason
        )
    return decision


def _fields(message: JmaReport, facts: decide.Facts, source: str) -> dict:
    return {
        "source": source[:500],
        "type": message.type,
        "title": message.title[:200],
        "status": message.status,
        "info_type": message.info_type,
        "event_id": message.event_id[:200],
        "serial": message.serial,
        "report_time": message.report_time[:40],
        "headline": message.headline,
        "ward_affected": facts.ward_affected,
        "max_intensity": facts.max_intensity or "",
        "warnings": facts.warning_dicts(),
        "event_time": decide.event_time(message),
    }


def event_key(message: JmaReport) -> str:
    """Earthquake products (51/52/53) and the tsunami share JMA's EventID; warnings have
    none, so their key is the bulletin's own title (東京都気象警報・注意報). A drill's is
    apart: a real message replayed as a drill is not the real event."""
    key = message.event_id or f"{message.type}:{message.title}"
    return f"訓練:{key}" if message.status == "訓練" else key


def _dedupe_key(message: JmaReport) -> str:
    key = "|".join(
        [
            message.type,
            event_key(message),
            str(message.serial),
            message.info_type,
            message.report_time,
        ]
    )
    # A test (試験) message never claims the key of the real one it may copy.
    return f"試験|{key}" if message.status == "試験" else key


def _order(serial, report_time) -> tuple:
    return (serial or 0, report_time or "")


def _decide(
    message: JmaReport, facts: decide.Facts, decision: Decision, *, send: bool, drill: bool
) -> None:
    """Fill in decision.action, reason, alert_id and rule; send when `send`. `drill`: the
    operator replays it as a drill (accepted whatever JMA_ACCEPT_DRILLS says)."""
    if message.status == "試験":
        decision.reason = _("A test (試験) message: it never sends.")
        return
    newer = (
        FeedMessage.objects.filter(
            type=message.type, event_id=message.event_id[:200], status=message.status
        )
        .exclude(action__in=[Action.REJECTED, Action.DUPLICATE])
        .exclude(dedupe_key=_dedupe_key(message)[:500])
        .values_list("serial", "report_time")
    )
    latest = max((_order(*row) for row in newer), default=None)
    if message.event_id and latest and latest > _order(message.serial, message.report_time):
        decision.reason = _(
            "Serial %(serial)s is older than serial %(latest)s, already processed."
        ) % {
            "serial": message.serial,
            "latest": latest[0],
        }
        return
    forced, drill = drill, message.status == "訓練"
    if drill and not forced and not settings.JMA_ACCEPT_DRILLS:
        decision.action = Action.DRILL_IGNORED
        decision.reason = _("A drill (訓練) message, and the ward does not take part in drills.")
        return
    key = event_key(message)
    if message.info_type == "取消":
        followups.cancel(message, key, decision, send=send)
        return
    if message.info_type == "訂正" and Firing.objects.filter(event_key=key, active=True).exists():
        followups.correct(message, facts, key, decision, send=send)
        _callup_on_correction(message, facts, key, decision, drill=drill, send=send)
        return
    _apply_rules(message, facts, key, decision, drill=drill, send=send)


def _apply_rules(message, facts, key, decision, *, drill: bool, send: bool) -> None:
    rules = list(Rule.objects.filter(enabled=True))
    reasons = []
    for rule in rules:
        if rule.trigger in warnings_in_force.WARNING_LIKE:
            reasons += warnings_in_force.end_lifted(rule, message, facts, decision, send=send)
    if not facts.ward_affected:
        decision.reason = " ".join(reasons) or _("Nothing in this message concerns %(ward)s.") % {
            "ward": settings.WARD_NAME
        }
        return
    when = decide.event_time(message)
    told = shocks = quiet = 0
    # Call-up rules first, the highest level first: one acts per message. The safety-
    # confirmation rules then ask only those the event's call-up did not call (its alert
    # asks safety first): one message per person, never two.
    callup_rules = sorted((r for r in rules if r.callup_level), key=lambda r: -r.callup_level)
    callup, calling = None, None
    for rule in callup_rules + [r for r in rules if not r.callup_level]:
        named = {"rule": rule.name}
        fresh = []
        shock = ""
        if rule.trigger in warnings_in_force.WARNING_LIKE:
            hits = decide.matching_warnings(rule, message, facts, decide.NEW)
            if not hits:
                continue
            # A name already told is not news, unless JMA says it was raised again (a
            # lowering we missed left its firing behind).
            active = warnings_in_force.told(rule)
            fresh = [w for w in hits if w.name not in active or w.status in decide.RAISED]
            subject = "・".join(sorted(w.name for w in fresh))
            already = not fresh
        else:
            matched, subject = decide.rule_matches(rule, message, facts)
            if not matched:
                continue
            already = Firing.objects.filter(
                event_key=key, rule=rule, subject=subject, active=True
            ).exists()
            if not already and rule.trigger == "earthquake":
                shock = _aftershock(rule, message, facts, key, when, drill=drill)
        if rule.callup_level and callup is not None:
            reasons.append(_("Rule 「%(rule)s」: a higher call-up matched.") % named)
            told += 1
            continue
        if rule.callup_level:
            callup = rule
        if shock:
            reasons.append(shock)
            shocks += 1
            continue
        if already:
            reasons.append(_("Rule 「%(rule)s」 already sent an alert for this event.") % named)
            told += 1
            continue
        if rule.callup_level:
            outcome = callups.act(rule, message, facts, key, subject, drill=drill, send=send)
            reasons.append(outcome.reason)
            if outcome.action:
                _called_up(rule, outcome, key, fresh, subject, when, decision, send=send)
                calling = None if send else outcome.level  # (a dry run writes no call-up)
            elif outcome.acted:
                told += 1
            else:
                quiet += 1  # called nobody: the others act as if it were not there
            continue
        # A safety question goes to those of its audience the event's call-up did not call.
        others = None
        if safety.is_safety(rule):
            others = safety.not_called(key, drill=drill, calling=calling)
            if others is not None and safety.left_to_ask(rule, others) == 0:
                reasons.append(
                    safety.asked_by_callup(rule, key, subject, when, drill=drill, send=send)
                )
                told += 1
                continue
        decision.rule = decision.rule or rule
        reasons.append(
            _("Rule 「%(rule)s」 matched: %(what)s.") % {**named, "what": _what(facts, subject)}
        )
        count = None
        if send:
            alert = _send(rule, message, facts, subject, drill=drill, staff_ids=others)
            if alert is None:
                reasons.append(_("Its alert could not be sent: see the log."))
                continue
            _fired(rule, alert, key, fresh, subject, when)
            decision.alert_id = decision.alert_id or alert.pk
            if safety.is_safety(rule):
                count = alert.recipients.count()
                decision.safety = decision.safety or {"alert_id": alert.pk, "recipients": count}
        elif safety.is_safety(rule):
            count = safety.left_to_ask(rule, others)
            decision.safety = decision.safety or {"alert_id": None, "recipients": count}
        if others is not None:
            reasons.append(safety.only_the_others(count))
        if decision.action not in (Action.MOBILISED, Action.CALLUP_RAISED):
            decision.action = Action.ALERT_SENT
    if not reasons:
        reasons.append(_("No rule matches: %(what)s.") % {"what": _what(facts, "")})
    elif decision.action == Action.NONE and told + shocks + quiet == len(reasons) > quiet:
        decision.action = Action.AFTERSHOCK if shocks else Action.DUPLICATE
    decision.reason = " ".join(reasons)


def _callup_on_correction(message, facts, key, decision, *, drill: bool, send: bool) -> None:
    """A correction upward (震度5弱 → 5強) may reach a higher call-up: it acts as a later
    report of the event would, raising the event's call-up (or starting one)."""
    rules = Rule.objects.filter(enabled=True, callup_level__isnull=False, trigger="earthquake")
    for rule in rules.order_by("-callup_level"):
        matched, subject = decide.rule_matches(rule, message, facts)
        if not matched:
            continue
        if not Firing.objects.filter(event_key=key, rule=rule, active=True).exists():
            outcome = callups.act(rule, message, facts, key, subject, drill=drill, send=send)
            decision.reason += " " + outcome.reason
            if outcome.action:
                _called_up(
                    rule, outcome, key, [], subject, decide.event_time(message), decision, send=send
                )
                return
        break
    if Firing.objects.filter(event_key=key, active=True, rule__callup_level__isnull=False).exists():
        # Downward, or the same: people on their way are not sent home by a correction.
        decision.reason += " " + _(
            "A correction does not stand the call-up down: the headquarters decides."
        )


def _fired(rule, alert, key, fresh, subject, when) -> None:
    """Remember that `rule` sent `alert` for this event (per warning name, for warnings)."""
    warnings_in_force.supersede(rule, fresh)
    for name in [w.name for w in fresh] or [subject]:
        Firing.objects.create(event_key=key, rule=rule, subject=name, alert=alert, event_time=when)


def _called_up(rule, outcome, key, fresh, subject, when, decision, *, send: bool) -> None:
    """A call-up started or raised: the decision names it (its alert first), and the rule's
    firing holds it for the event's later reports."""
    decision.rule, decision.action = rule, outcome.action
    decision.mobilise = callups.as_json(outcome)
    if send:
        _fired(rule, outcome.mobilisation.alert, key, fresh, subject, when)
        decision.alert_id = outcome.mobilisation.pk


def _what(facts, subject) -> str:
    if facts.max_intensity:
        where = _("in the ward") if facts.intensity_from == "ward" else _("in the area")
        return f"{decide.intensity_name(facts)} ({where})"
    return subject or "・".join(f"{w.name} {w.status}" for w in facts.warnings) or "—"


def _aftershock(rule, message, facts, key, when, *, drill: bool) -> str:
    """Why this earthquake is an aftershock for `rule` ("" when it is not): the rule sent
    for another earthquake within JMA_AFTERSHOCK_HOURS before this one (by the messages'
    own origin times), and this one is not stronger in the ward than every earthquake since
    that alert. Staff asked after each of dozens of aftershocks learn to ignore the asking."""
    hours = settings.JMA_AFTERSHOCK_HOURS
    if when is None or hours <= 0:
        return ""
    first = (
        Firing.objects.filter(
            rule=rule,
            active=True,  # a withdrawn (取消) earthquake opens no window
            event_time__range=(when - dt.timedelta(hours=hours), when),
            alert__is_drill=drill,
        )
        .exclude(event_key=key)
        .order_by("event_time")
        .first()
    )
    if first is None:
        return ""
    withdrawn = FeedMessage.objects.filter(info_type="取消").exclude(event_id="")
    since = (
        FeedMessage.objects.filter(
            event_time__range=(first.event_time, when), status=message.status
        )
        .exclude(max_intensity="")
        .exclude(event_id=message.event_id[:200])
        .exclude(event_id__in=withdrawn.values("event_id"))
        .values_list("max_intensity", flat=True)
    )
    strongest = max(since, key=INTENSITIES.index, default=None)
    if strongest is None or decide.intensity_at_least(
        facts.max_intensity, decide.next_intensity(strongest)
    ):
        return ""
    return _(
        "Aftershock (余震): not stronger in the ward than %(strongest)s since the alert for "
        "the earthquake of %(time)s; rule 「%(rule)s」 sends nothing."
    ) % {
        "strongest": decide.INTENSITY_NAMES[strongest],
        "time": decide.local_time(first.event_time),
        "rule": rule.name,
    }


def _send(rule, message, facts, subject, *, drill: bool, staff_ids=None):
    # A rule may list channels the ward has not configured yet (SMS, voice): those are
    # left out rather than failing the alert.
    available = registry.available()
    steps = [s for s in rule.escalation or [] if s.get("channel", "push") in available]
    draft = Draft(
        title=decide.fill(rule.title, message, facts, subject)[:100],
        body=decide.fill(rule.body, message, facts, subject),
        audience=rule.audience,
        channels=[c for c in rule.channels if c in available],
        reply_form=rule.reply_form or ReplyForm.NONE,
        category=AlertCategory.DRILL if drill else rule.category,
        severity=rule.severity or Severity.INFORMATION,
        is_drill=drill,
        escalation=steps or None,
    )
    try:
        # Its own savepoint: a rule that cannot send must not undo the others.
        with transaction.atomic():
            return send_alert(draft, source=f"jma:{message.type}"[:100], staff_ids=staff_ids)
    except ValidationError as exc:
        log.error("feed rule %r could not send: %s", rule.name, exc.messages)
        record(
            "feeds.rule_failed",
            actor="system",
            target=f"rule:{rule.pk}",
            detail={"problems": exc.messages, "event": message.event_id},
        )
        return None
