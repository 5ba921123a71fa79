"""Escalation: steps stored on the alert (copied from its template, or set on the compose
page, the command line or a feed rule, when sent), each run once when its time comes, for
the people who have not answered by then.

A step is a dict:
    {"after_minutes": 5, "action": "channel", "channel": "email"}   send again on a channel
    {"after_minutes": 15, "action": "supervisor"}                   the unanswered, listed to
                                                                     each one's supervisor

Every step goes out through the delivery pipeline (retried, falling back, counted): a
channel step as further deliveries of the alert, a supervisor step as one small alert per
supervisor carrying their list. A step is recorded as run in the same transaction that
plans those sends, so a failure while planning leaves it to run again a minute later, and
nothing sent can be lost by a mail server that was down at that moment.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.channels import registry
from renraku.directory.queries import supervisors_of
from renraku.notices import pipeline
from renraku.notices.models import Delivery
from renraku.parsing import ascii_int

from .messages import subject
from .models import Alert, AlertKind, ChannelChoice, EscalationRun, ReplyForm

ACTIONS = ("channel", "supervisor")
MAX_STEPS = 5


def check_steps(steps) -> list[str]:
    problems = []
    if not isinstance(steps, list | type(None)):
        return [_("Escalation steps must be a list.")]
    if len(steps or []) > MAX_STEPS:
        problems.append(_("At most %d escalation steps.") % MAX_STEPS)
    for i, step in enumerate(steps or [], start=1):
        if not isinstance(step, dict) or step.get("action") not in ACTIONS:
            problems.append(_("Escalation step %d: unknown action.") % i)
            continue
        minutes = step.get("after_minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= 1440:
            problems.append(_("Escalation step %d: minutes must be 1 to 1440.") % i)
        if step["action"] == "channel" and step.get("channel") not in registry.available():
            problems.append(_("Escalation step %d: channel not available.") % i)
    return problems


def parse_cli(text: str) -> list[dict]:
    """`5:email,15:supervisor` as the command line takes it (checked by check_steps)."""
    steps = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        minutes, _sep, what = part.partition(":")
        # Not a number ("²", "x"): kept as text for check_steps to name, never int()ed.
        number = ascii_int(minutes)
        step = {"after_minutes": minutes if number is None else number}
        step |= (
            {"action": "supervisor"}
            if what == "supervisor"
            else {"action": "channel", "channel": what}
        )
        steps.append(step)
    return steps


def describe(step: dict) -> str:
    """「5分後 未回答者にメール」, 「15分後 所属長に未回答者一覧」."""
    minutes = step.get("after_minutes")
    if step.get("action") == "supervisor":
        return _("after %(minutes)s min: the list of the unanswered to their supervisor") % {
            "minutes": minutes
        }
    kind = step.get("channel", "")
    label = ChannelChoice(kind).label if kind in ChannelChoice.values else kind
    return _("after %(minutes)s min: %(channel)s to the unanswered") % {
        "minutes": minutes,
        "channel": label,
    }


def due_steps(now=None):
    """(alert, step index, step) for every step whose time has come and has not run."""
    now = now or timezone.now()
    alerts = Alert.objects.filter(
        finished_at__isnull=True, issued_at__gte=now - dt.timedelta(days=2)
    ).exclude(escalation=[])
    done = set(EscalationRun.objects.filter(alert__in=alerts).values_list("alert_id", "step"))
    for alert in alerts:
        for index, step in enumerate(alert.escalation):
            due = alert.issued_at + dt.timedelta(minutes=step["after_minutes"])
            if due <= now and (alert.pk, index) not in done:
                yield alert, index, step


def run_step(alert: Alert, index: int, step: dict) -> list[int]:
    """Run one step once. Returns the ids of new deliveries of the alert to send (a channel
    step); a supervisor step's lists are alerts of their own, dispatched on commit."""
    try:
        with transaction.atomic():
            # Closed since due_steps looked (under the lock the closing takes): nothing to do.
            if not Alert.objects.select_for_update().filter(pk=alert.pk, finished_at=None).exists():
                return []
            run = EscalationRun.objects.create(alert=alert, step=index)
            new_ids, count, waiting = _plan(alert, run, index, step)
            EscalationRun.objects.filter(pk=run.pk).update(reached=count)
            record(
                "broadcast.escalated",
                actor="system",
                target=f"alert:{alert.pk}",
                detail={"step": index, **step, "unanswered": waiting, "reached": count},
            )
    except IntegrityError:
        return []  # another worker ran it
    return new_ids


def _plan(alert: Alert, run: EscalationRun, index: int, step: dict):
    """Those who have not answered (or, with no reply asked, not read): a channel step adds
    a delivery for each of them through the pipeline, inside the database; a supervisor
    step lists them to their supervisors (the lists are text, so these few are read)."""
    recipients = alert.recipients.all()
    waiting = (
        recipients.filter(read_at__isnull=True)
        if alert.reply_form == ReplyForm.NONE
        else recipients.unanswered()
    )
    if step["action"] == "supervisor":
        people = list(
            waiting.select_related(
                "staff__position", "staff__section", "staff__department", "department", "site"
            )
        )
        return [], _tell_supervisors(alert, run, people), len(people)
    attempt = index + 2  # 1 is the alert itself
    count = pipeline.add_attempt(waiting, step["channel"], attempt)
    new_ids = list(
        Delivery.objects.filter(
            recipient__notice=alert, attempt=attempt, status=Delivery.Status.QUEUED
        ).values_list("pk", flat=True)
    )
    return new_ids, count, waiting.count()


def _tell_supervisors(alert: Alert, run: EscalationRun, waiting) -> int:
    """One small alert per supervisor, listing their people who have not answered, on the
    alert's own channels. Returns how many supervisors were told."""
    from .actions import Draft, send_alert

    bosses = supervisors_of([r.staff for r in waiting])
    lists: dict[int, list] = {}
    for r in waiting:
        boss = bosses.get(r.staff_id)
        if boss is not None:
            lists.setdefault(boss.pk, [boss, []])[1].append(r)
    # The alert's channels that are still configured (SMS may have been switched off since
    # it was sent): a list that cannot go out would fail the step every minute.
    channels = [c for c in alert.channel_order if c in registry.available()] or ["email"]
    # The ward's language, whoever's request or worker this runs in.
    with translation.override("ja"):
        title = (_("Not yet answered: %s") % subject(alert))[:100]
        for boss, people in lists.values():
            body = render_to_string(
                "broadcast/supervisor_list.txt", {"alert": alert, "boss": boss, "people": people}
            )
            send_alert(
                Draft(
                    title=title,
                    body=body,
                    audience={"staff": [boss.employee_number]},
                    channels=channels,
                    reply_form=ReplyForm.NONE,
                    category=alert.category,
                    severity=alert.severity,
                    is_drill=alert.is_drill,
                ),
                source=alert.source,
                kind=AlertKind.SUPERVISOR_LIST,
                parent=alert,
                escalation_run=run,
            )
    return len(lists)
