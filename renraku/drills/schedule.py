"""Scheduled drills: schedule one in a window, cancel it, and send it at its moment. Each
change is audited; no audit entry, page or command shows the moment before it has come.

The moment is picked with `secrets` when the drill is scheduled, uniformly over the
window to the second: a pseudo-random generator seeded from the clock could be guessed by
someone who knows when the drill was scheduled.
"""

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.accounts import permissions
from renraku.audit.actions import record
from renraku.broadcast import actions as alerts
from renraku.broadcast.models import Alert, AlertCategory, ReplyForm, Severity
from renraku.channels import registry
from renraku.http import refusal_text

from .models import ScheduledDrill

LONGEST_WINDOW = dt.timedelta(days=7)
FURTHEST_AHEAD = dt.timedelta(days=366)
# A window typed as "from now" on a page is read to the minute, so already a little past.
PAST_GRACE = dt.timedelta(minutes=1)
# The channels a drill goes on, those configured: as a real alert would reach people.
CHANNELS = ("push", "email", "sms")


def default_title() -> str:
    return _("Safety confirmation drill")


def drill_body() -> str:
    return _("This is a drill. Answer whether you are safe and whether you can come to work.")


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date and time; without a zone it is the ward's time (Tokyo)."""
    try:
        value = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValidationError(
            _("“%(text)s” is not a date and time (e.g. 2026-12-08T06:00).") % {"text": text}
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.get_default_timezone())
    return value


def check_window(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[str]:
    problems = []
    if end <= start:
        problems.append(_("The window must end after it starts."))
    if start < now - PAST_GRACE:
        problems.append(_("The window starts in the past."))
    if end - start > LONGEST_WINDOW:
        problems.append(_("The window may be at most 7 days long."))
    if start > now + FURTHEST_AHEAD:
        problems.append(_("The window must start within a year."))
    return problems


def authorise_schedule(user, spec: dict) -> None:
    """A sender, within their sending scope (as for an alert); `None` is the system."""
    if user is not None and not permissions.can_compose(user):
        raise PermissionDenied(_("Only senders may schedule drills."))
    alerts.authorise_send(user, spec)


def schedule_drill(
    *, audience: dict, start, end, title: str = "", by=None, request=None
) -> ScheduledDrill:
    """Schedule a drill for `audience` at a moment picked at random in [start, end]."""
    title = (title or default_title()).strip()
    problems = check_window(start, end, timezone.now())
    draft = _draft(title, audience)
    try:
        draft = alerts.check_draft(draft)
    except ValidationError as exc:
        problems += exc.messages
    if problems:
        raise ValidationError(problems)
    authorise_schedule(by, draft.audience)
    earliest = max(start, timezone.now())
    span = int((end - earliest).total_seconds())
    moment = earliest + dt.timedelta(seconds=secrets.randbelow(max(span, 0) + 1))
    with transaction.atomic():
        drill = ScheduledDrill.objects.create(
            title=draft.title,
            audience=draft.audience,
            window_start=start,
            window_end=end,
            send_at=moment.replace(microsecond=0),
            created_by=by,
        )
        record(
            "drills.scheduled",
            request=request,
            actor=by or "system",
            target=f"drill:{drill.pk}",
            # The window only: the moment must stay unknown, to auditors too, until it comes.
            detail={"title": drill.title, "audience": drill.audience, "window": window(drill)},
        )
    return drill


def window(drill: ScheduledDrill) -> list[str]:
    """The window as ISO strings in the ward's time (what the CLI prints and audits)."""
    return [timezone.localtime(t).isoformat() for t in (drill.window_start, drill.window_end)]


def _draft(title: str, audience: dict) -> alerts.Draft:
    return alerts.Draft(
        title=title,
        body=drill_body(),
        audience=audience,
        channels=[c for c in CHANNELS if c in registry.available()],
        reply_form=ReplyForm.SAFETY,
        category=AlertCategory.DRILL,
        severity=Severity.INFORMATION,
        is_drill=True,
    )


def visible_to(user):
    """Scheduled drills this person sees: every one for those who manage every alert, a
    sender's own otherwise."""
    drills = ScheduledDrill.objects.select_related("alert", "created_by__staff")
    if permissions.manages_every_alert(user):
        return drills
    if permissions.is_sender(user):
        return drills.filter(created_by=user)
    return drills.none()


def cancel_drill(drill: ScheduledDrill, *, by=None, request=None) -> ScheduledDrill:
    """Cancel a drill that has not gone out yet (its scheduler, or whoever manages every
    alert; `None` is the system)."""
    if by is not None and not (
        permissions.manages_every_alert(by) or (drill.created_by_id == by.pk)
    ):
        raise PermissionDenied(_("This drill is outside your scope."))
    with transaction.atomic():
        locked = ScheduledDrill.objects.select_for_update().get(pk=drill.pk)
        if locked.alert_id:
            raise ValidationError(_("This drill has already been sent."))
        if locked.cancelled_at:
            raise ValidationError(_("This drill has already been cancelled."))
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = by
        locked.cancel_reason = _("Cancelled")
        locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        record(
            "drills.cancelled",
            request=request,
            actor=by or "system",
            target=f"drill:{drill.pk}",
            detail={"title": locked.title, "window": window(locked)},
        )
    return locked


def send_drill(pk: int) -> Alert | None:
    """Send the drill now if it is still scheduled: an alert marked 訓練, from whoever
    scheduled it, if they still may send it (else it is called off, with the reason).
    The row is locked, so a drill cancelled meanwhile, or sent by another worker, is not
    sent again."""
    with transaction.atomic():
        drill = ScheduledDrill.objects.select_for_update().filter(pk=pk).first()
        if drill is None or drill.alert_id or drill.cancelled_at:
            return None
        try:
            alert = alerts.send_alert(
                _draft(drill.title, drill.audience), sender=drill.created_by, source="drill"
            )
        except (PermissionDenied, ValidationError) as exc:
            drill.cancelled_at = timezone.now()
            drill.cancel_reason = refusal_text(exc)[:200]
            drill.save(update_fields=["cancelled_at", "cancel_reason"])
            record(
                "drills.refused",
                actor="system",
                target=f"drill:{drill.pk}",
                detail={"reason": drill.cancel_reason},
            )
            return None
        drill.alert = alert
        drill.save(update_fields=["alert"])
    return alert
