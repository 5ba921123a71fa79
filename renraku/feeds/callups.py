"""Rules that call staff up (参集) by deployment level: a JMA message starts a mobilisation,
or raises the one its event already started. process.py decides which rule acts; this
module does what a call-up rule does, through mobilise.actions (the layer below)."""

import logging
from dataclasses import dataclass
from string import Template

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.directory.models import DeploymentLevel
from renraku.directory.queries import called_at
from renraku.mobilise import actions as mobilise
from renraku.mobilise.models import Mobilisation

from . import decide
from .models import Action

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a call-up rule did: `action` is "" when it did nothing (then `reason` says why,
    and `acted` whether the safety rules still give way: they do, unless nobody could be
    called)."""

    action: str = ""
    reason: str = ""
    mobilisation: Mobilisation | None = None
    level: int | None = None
    auto: bool | None = None
    called: int | None = None
    acted: bool = True


def open_callup(key: str = "", *, drill: bool) -> Mobilisation | None:
    """The ward's open call-up (real, or drill when `drill`), whatever started it: this
    event's earlier report, another earthquake, a warning, or a sender by hand. A ward runs
    one call-up at a time (one 配備体制 is in force, and HQ counts one set of people): a later
    report, or another event, raises it rather than calling anyone a second time. (`key`,
    the event, no longer narrows it: kept for the callers that name their event.)"""
    return (
        Mobilisation.objects.filter(alert__finished_at__isnull=True, alert__is_drill=drill)
        .select_related("alert")
        .order_by("-pk")
        .first()
    )


def title(rule, message, facts, subject: str) -> str:
    """The rule's title with the message's facts and the level's name (${level})."""
    level = DeploymentLevel.objects.filter(number=rule.callup_level).first()
    text = Template(rule.title).safe_substitute(level=level.name if level else "")
    return decide.fill(text, message, facts, subject).strip()[:100]


def act(rule, message, facts, key: str, subject: str, *, drill: bool, send: bool) -> Outcome:
    """Raise the event's open call-up to the rule's level, or start one at it. With `send`
    false, say what would be done and do nothing."""
    named = {"rule": rule.name, "level": rule.callup_level}
    current = open_callup(key, drill=drill)
    if current is not None:
        if current.level >= rule.callup_level:
            return Outcome(
                reason=_("Rule 「%(rule)s」: the open call-up is at level %(current)s already.")
                % {**named, "current": current.level},
                mobilisation=current,
            )
        if not send:
            return Outcome(Action.CALLUP_RAISED, _raised(named), current, rule.callup_level)
        return _raise(rule, current, named, title(rule, message, facts, subject))
    if not called_at(rule.callup_level).exists():
        # A ward without call-up data (or a level that calls nobody): the safety rules
        # still ask everyone, rather than nobody being asked anything.
        return Outcome(
            reason=_(
                "Rule 「%(rule)s」: deployment level %(level)s calls nobody, so the other "
                "rules send instead."
            )
            % named,
            acted=False,
        )
    reason = _("Rule 「%(rule)s」 matched: call-up at level %(level)s.") % named
    if facts.not_received:
        reason += " " + _not_received()
    if not send:
        called = called_at(rule.callup_level).count()
        return Outcome(Action.MOBILISED, reason, None, rule.callup_level, rule.callup_auto, called)
    try:
        # Its own savepoint: a call-up that cannot start must not undo the other rules.
        with transaction.atomic():
            started = mobilise.start(
                rule.callup_level,
                drill=drill,
                title=title(rule, message, facts, subject),
                auto=True if rule.callup_auto else None,
            )
    except ValidationError as exc:
        log.error("feed rule %r could not call up: %s", rule.name, exc.messages)
        record(
            "feeds.rule_failed",
            actor="system",
            target=f"rule:{rule.pk}",
            detail={"problems": exc.messages, "event": message.event_id},
        )
        return Outcome(reason=reason + " " + _("It could not start: see the log."), acted=False)
    called = started.callups.count()
    return Outcome(Action.MOBILISED, reason, started, started.level, started.auto, called)


def _not_received() -> str:
    return _(
        "JMA lists the ward as 震度５弱以上未入電 (its seismometer has not reported; 5弱 or "
        "more estimated): read as 5弱 until a later report gives the figure."
    )


def _raised(named) -> str:
    return _("Rule 「%(rule)s」 matched: the open call-up raised to level %(level)s.") % named


def _raise(rule, current: Mobilisation, named, worded: str) -> Outcome:
    try:
        with transaction.atomic():
            # Worded for the stronger report: those newly called read its facts and level.
            called = mobilise.raise_level(
                current,
                rule.callup_level,
                title=worded,
                auto=True if rule.callup_auto else None,
            )
    except ValidationError as exc:  # ended meanwhile, or the level is gone
        log.error("feed rule %r could not raise: %s", rule.name, exc.messages)
        return Outcome(reason=" ".join(exc.messages), mobilisation=current)
    return Outcome(
        Action.CALLUP_RAISED, _raised(named), current, current.level, current.auto, called
    )


def as_json(outcome: Outcome) -> dict:
    """The call-up part of a decision's JSON: the level now, whether 自動参集, how many
    were (newly) called, and whether an earlier call-up was raised."""
    return {
        "level": outcome.level,
        "auto": outcome.auto,
        "called": outcome.called,
        "raised": outcome.action == Action.CALLUP_RAISED,
    }
