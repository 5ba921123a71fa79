"""The safety-confirmation rules beside a call-up (参集): one message per person, never two.

A call-up asks those it calls whether they are safe (its alert asks safety first, then
参集); the safety rule's alert then goes, for the same event, to those of its audience the
call-up did not call. Neither is sent twice: the safety rule fires once per event (its
Firing), and a call-up raised later adds the newly called to the call-up only."""

from django.utils.translation import gettext as _

from renraku.broadcast.models import ReplyForm
from renraku.directory import audience as audiences
from renraku.directory.models import Staff
from renraku.directory.queries import called_at
from renraku.notices.models import Recipient

from . import callups, warnings_in_force
from .models import Firing


def is_safety(rule) -> bool:
    """A rule that asks its audience whether they are safe (not a call-up's own alert)."""
    return not rule.callup_level and rule.reply_form == ReplyForm.SAFETY


def not_called(key: str, *, drill: bool, calling: int | None):
    """The staff (a queryset of primary keys, for the database as a subquery) the event's
    open call-up has not called, or None when it has none. `calling`: on a dry run, the
    level this message would call up at (nothing is written, so the call-up is not there)."""
    callup = callups.open_callup(key, drill=drill)
    if callup is None and calling is None:
        return None
    people = Staff.objects.all()
    if callup is not None:
        called = Recipient.objects.filter(notice_id=callup.pk).values("staff_id")
        people = people.exclude(pk__in=called)
    if calling is not None:
        people = people.exclude(pk__in=called_at(calling).values("pk"))
    return people.values("pk")


def left_to_ask(rule, staff_ids) -> int | None:
    """How many of the rule's audience `staff_ids` leaves (one COUNT); None when the
    audience is not valid (sending then fails, logs and audits as any rule's would)."""
    try:
        audience = audiences.validate(rule.audience)
    except audiences.AudienceError:
        return None
    people = audiences.resolve(audience)
    if staff_ids is not None:
        people = people.filter(pk__in=staff_ids)
    return people.count()


def asked_by_callup(rule, key: str, subject: str, when, *, drill: bool, send: bool) -> str:
    """Everyone the rule would ask has been called up: nothing is sent, and (for an event,
    not a warning) the rule's firing holds the call-up's alert, so that a later report of
    the event, or an aftershock within the rule's window, asks nobody again. A warning's
    firing would send its all-clear a second time to the call-up's people."""
    callup = callups.open_callup(key, drill=drill) if send else None
    if callup is not None and rule.trigger not in warnings_in_force.WARNING_LIKE:
        Firing.objects.create(
            event_key=key, rule=rule, subject=subject, alert_id=callup.pk, event_time=when
        )
    return _(
        "Rule 「%(rule)s」: everyone it would ask has been called up, and the call-up asks "
        "their safety: one message per person."
    ) % {"rule": rule.name}


def only_the_others(count: int) -> str:
    return _(
        "Its safety question goes only to those the call-up did not call (%(count)s): one "
        "message per person."
    ) % {"count": count}
