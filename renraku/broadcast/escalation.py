"""Escalation: steps stored on the alert (copied from its template when sent), each run
once when its time comes, for the people who have not answered by then.

A step is a dict:
    {"after_minutes": 5, "action": "channel", "channel": "email"}   send again on a channel
    {"after_minutes": 15, "action": "supervisor"}                   the unanswered, listed to
                                                                     each one's supervisor
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.channels import registry
from renraku.directory.queries import supervisors_of

from .delivery import settle
from .messages import subject
from .models import Alert, Delivery, EscalationRun, ReplyForm

ACTIONS = ("channel", "supervisor")


def check_steps(steps) -> list[str]:
    problems = []
    for i, step in enumerate(steps or [], start=1):
        if not isinstance(step, dict) or step.get("action") not in ACTIONS:
            problems.append(_("Escalation step %d: unknown action.") % i)
            continue
        minutes = step.get("after_minutes")
        if not isinstance(minutes, int) or not 0 < minutes <= 24 * 60:
            problems.append(_("Escalation step %d: minutes must be 1 to 1440.") % i)
        if step["action"] == "channel" and step.get("channel") not in registry.available():
            problems.append(_("Escalation step %d: channel not available.") % i)
    return problems


def parse_cli(text: str) -> list[dict]:
    """`5:email,15:supervisor` as the command line takes it."""
    steps = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        minutes, _sep, what = part.partition(":")
        step = {"after_minutes": int(minutes) if minutes.isdigit() else minutes}
        step |= (
            {"action": "supervisor"}
            if what == "supervisor"
            else {"action": "channel", "channel": what}
        )
        steps.append(step)
    return steps


def due_steps(now=None):
    """(alert, step index, step) for every step whose time has come and has not run."""
    now = now or timezone.now()
    alerts = Alert.objects.filter(
        closed_at__isnull=True, created_at__gte=now - dt.timedelta(days=2)
    ).exclude(escalation=[])
    done = set(EscalationRun.objects.filter(alert__in=alerts).values_list("alert_id", "step"))
    for alert in alerts:
        for index, step in enumerate(alert.escalation):
            due = alert.created_at + dt.timedelta(minutes=step["after_minutes"])
            if due <= now and (alert.pk, index) not in done:
                yield alert, index, step


def run_step(alert: Alert, index: int, step: dict) -> list[int]:
    """Run one step once. Returns new delivery ids to send (for channel steps)."""
    try:
        with transaction.atomic():
            run = EscalationRun.objects.create(alert=alert, step=index)
    except IntegrityError:
        return []  # another worker ran it
    waiting = alert.recipients.select_related(
        "staff__position", "staff__section", "staff__department", "department", "site"
    )
    waiting = (
        waiting.filter(read_at__isnull=True)
        if alert.reply_form == ReplyForm.NONE
        else waiting.unanswered()
    )
    waiting = list(waiting)
    new_ids = []
    if step["action"] == "channel":
        channel = registry.get(step["channel"])
        reached = set(channel.reachable({r.staff_id for r in waiting}))
        rows = [
            Delivery(recipient=r, channel=step["channel"], attempt=index + 2)
            for r in waiting
            if r.staff_id in reached
        ]
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        new_ids = list(
            Delivery.objects.filter(
                recipient__alert=alert, attempt=index + 2, status=Delivery.Status.QUEUED
            ).values_list("pk", flat=True)
        )
        settle(alert.recipients.filter(pk__in=[r.pk for r in waiting if r.staff_id in reached]))
        count = len(rows)
    else:
        count = _tell_supervisors(alert, waiting)
    EscalationRun.objects.filter(pk=run.pk).update(reached=count)
    record(
        "broadcast.escalated",
        actor="system",
        target=f"alert:{alert.pk}",
        detail={"step": index, **step, "unanswered": len(waiting), "reached": count},
    )
    return new_ids


def _tell_supervisors(alert, waiting) -> int:
    """One e-mail per supervisor listing their people who have not answered."""
    bosses = supervisors_of([r.staff for r in waiting])
    lists: dict[int, list] = {}
    for r in waiting:
        boss = bosses.get(r.staff_id)
        if boss is not None and boss.work_email:
            lists.setdefault(boss.pk, [boss, []])[1].append(r)
    for boss, people in lists.values():
        body = render_to_string(
            "broadcast/supervisor_email.txt",
            {
                "alert": alert,
                "boss": boss,
                "people": people,
                "ward_name": settings.WARD_NAME,
                "url": settings.BASE_URL + f"/alerts/{alert.pk}/",
            },
        )
        EmailMessage(_("Not yet answered: %s") % subject(alert), body, to=[boss.work_email]).send()
    return len(lists)
