"""Every state change of an alert, each with its audit entry: send, answer, read, close."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku import textcheck
from renraku.accounts import permissions
from renraku.audit.actions import record
from renraku.channels import registry
from renraku.directory import audience as audiences
from renraku.notices import pipeline
from renraku.notices.models import AnswerValue, Attendance, Notice, Recipient, Urgency

from . import escalation
from .models import Alert, AlertCategory, AlertKind, Answer, ReplyForm, Severity

VALUES_FOR = {
    ReplyForm.ACKNOWLEDGE: {AnswerValue.ACKNOWLEDGED},
    ReplyForm.SAFETY: {AnswerValue.SAFE, AnswerValue.MINOR, AnswerValue.SERIOUS},
    ReplyForm.NONE: set(),
}


@dataclass
class Draft:
    """What a sender composes; checked by `check_draft` before anything is written."""

    title: str
    body: str
    audience: dict
    channels: list[str]
    reply_form: str = ReplyForm.SAFETY
    category: str = AlertCategory.NOTICE
    severity: str = Severity.INFORMATION
    is_drill: bool = False
    escalation: list | None = None


def check_draft(draft: Draft) -> Draft:
    """Raise ValidationError listing every problem; return the draft with a clean audience."""
    problems = []
    if not draft.title.strip():
        problems.append(_("The title is empty."))
    if len(draft.title) > 100:
        problems.append(_("The title is longer than 100 characters."))
    # One line (textcheck: no breaks, tabs or bidi controls); NUL has its own message below.
    if not textcheck.is_one_line(draft.title.strip().replace("\x00", "")):
        problems.append(_("The title must be one line, without line breaks or tabs."))
    if not draft.body.strip():
        problems.append(_("The message is empty."))
    if "\x00" in draft.title + draft.body:  # no database column can hold it
        problems.append(_("The title and message cannot contain a NUL character."))
    unknown = [c for c in draft.channels if c not in registry.available()]
    if unknown:
        problems.append(_("Channels not available: %s") % ", ".join(unknown))
    if not draft.channels:
        problems.append(_("Choose at least one channel."))
    if draft.reply_form not in ReplyForm.values:
        problems.append(_("Unknown reply form: %s") % draft.reply_form)
    if draft.category not in AlertCategory.values:
        problems.append(_("Unknown category: %s") % draft.category)
    if draft.severity not in Severity.values:
        problems.append(_("Unknown severity: %s") % draft.severity)
    problems += escalation.check_steps(draft.escalation)
    try:
        draft.audience = audiences.validate(draft.audience)
    except audiences.AudienceError as exc:
        problems.append(str(exc))
    if problems:
        raise ValidationError(problems)
    return draft


def authorise_send(sender, spec: dict):
    """A sender within scope, past two-factor when signed in through the web."""
    if sender is None:
        return  # the system itself (JMA feeds): authorised by its trigger rules
    if spec.get("all"):
        allowed = permissions.can_send(sender)
    else:
        departments = set(audiences.resolve(spec).values_list("department_id", flat=True))
        allowed = permissions.can_send(sender, departments)
    if not allowed:
        raise PermissionDenied(_("This audience is outside your sending scope."))


def send_alert(
    draft: Draft,
    *,
    sender=None,
    request=None,
    source="manual",
    kind=AlertKind.ORIGINAL,
    parent=None,
    staff_ids=None,
    escalation_run=None,
    authorised=False,
) -> Alert:
    """Freeze the audience into recipients and queue delivery. Returns at once: channels
    never run inside the request that sends. `authorised`: the caller has already checked
    the sender may send this (a reminder or correction of an alert they may manage)."""
    draft = check_draft(draft)
    if not authorised:
        authorise_send(sender, draft.audience)
    alert = Alert(
        owner="alert",  # worded by broadcast.messages
        urgency=Urgency.HIGH,
        title=draft.title.strip(),
        body=draft.body.strip(),
        category=draft.category,
        severity=draft.severity,
        reply_form=draft.reply_form,
        is_drill=draft.is_drill,
        audience=draft.audience,
        channel_order=list(draft.channels),
        escalation=list(draft.escalation or []),
        sender=sender,
        source=source,
        kind=kind,
        parent=parent,
        escalation_run=escalation_run,
    )
    people = audiences.resolve(draft.audience)
    if staff_ids is not None:
        people = people.filter(pk__in=staff_ids)
    with transaction.atomic():
        count = pipeline.issue(alert, people)
        record(
            "broadcast.sent",
            request=request,
            actor=sender or "system",
            target=f"alert:{alert.pk}",
            detail={
                "title": alert.title,
                "kind": kind,
                "recipients": count,
                "audience": alert.audience,
                "channels": alert.channel_order,
                "drill": alert.is_drill,
                "source": source,
            },
        )
    return alert


def remind_unanswered(parent: Alert, *, sender=None, request=None, body: str = "") -> Alert:
    """Remind only those who have not answered, on the same channels."""
    return _send_after(
        parent,
        parent.recipients.unanswered(),
        title=parent.title,
        body=body or parent.body,
        kind=AlertKind.REMINDER,
        sender=sender,
        request=request,
    )


def send_correction(
    parent: Alert, *, title: str, body: str, sender=None, request=None, kind=AlertKind.CORRECTION
) -> Alert:
    """A correction (or cancellation, or all-clear) goes to everyone who got the original."""
    return _send_after(
        parent,
        parent.recipients.all(),
        title=title,
        body=body,
        kind=kind,
        sender=sender,
        request=request,
    )


def _send_after(parent: Alert, recipients, *, title, body, kind, sender, request) -> Alert:
    """A new alert in the thread of `parent`, like it, to those of its `recipients` (passed
    to the database as a subquery: there may be 100,000)."""
    authorise_manage(sender, parent)
    if kind == AlertKind.REMINDER and not parent.is_open:
        raise ValidationError(_("This alert has been closed: there is nobody left to remind."))
    draft = Draft(
        title=title,
        body=body,
        audience=parent.audience,
        channels=parent.channel_order,
        reply_form=ReplyForm.NONE if kind == AlertKind.CANCELLATION else parent.reply_form,
        category=parent.category,
        severity=parent.severity,
        is_drill=parent.is_drill,
    )
    return send_alert(
        draft,
        sender=sender,
        request=request,
        kind=kind,
        parent=parent,
        staff_ids=recipients.values("staff_id"),
        source=parent.source,
        authorised=True,
    )


def authorise_manage(user, alert: Alert) -> None:
    """A person may remind, correct, close and export only an alert they may manage (see
    permissions.can_manage_alert); `None` is the system itself (the command line, feeds)."""
    if user is None:
        return
    root = root_of(alert)
    if not permissions.can_manage_alert(
        user, sender_id=root.sender_id, department_ids=departments_of(root)
    ):
        raise PermissionDenied(_("This alert is outside your scope."))


class _Lazy:
    """An iterable computed only if iterated: an administrator's check never needs it."""

    def __init__(self, compute):
        self.compute = compute

    def __iter__(self):
        return iter(self.compute())


def departments_of(alert: Alert):
    """The departments the alert's recipients were in when it was sent: frozen with them,
    so counted once (100,000 recipients take a noticeable moment) and kept."""
    from .live import frozen

    def compute():
        rows = alert.recipients.values_list("department_id", flat=True).distinct().order_by()
        # Keyed by when it was sent too: ids start again after a restore or a new database,
        # and another alert's departments must never decide who may manage this one.
        stamp = alert.issued_at.timestamp()
        return frozen("alert-departments", alert.pk, stamp, compute=lambda: sorted(rows))

    return _Lazy(compute)


def close_alert(alert: Alert, *, closed_by=None, request=None) -> Alert:
    """Stop every delivery and escalation step still waiting, for the alert and what chases
    answers for it (its reminders and supervisors' lists, at any depth): none of them takes
    an answer or sends anything once the alert is closed. Corrections, cancellations and
    all-clears are announcements of their own and still go out in full (a cancellation is
    sent, then its alert closed, in one go)."""
    authorise_manage(closed_by, alert)
    if alert.finished_at is None:
        with transaction.atomic():
            now = timezone.now()
            thread = thread_of(alert)
            # The thread's notices are finished (closed): one field, set by the pipeline.
            pipeline.finish(Notice.objects.filter(pk__in=thread), "alert closed", at=now)
            alert.finished_at = now
            record(
                "broadcast.closed",
                request=request,
                actor=closed_by or "system",
                target=f"alert:{alert.pk}",
                detail={"thread": thread},
            )
    return alert


CHASERS = (AlertKind.REMINDER, AlertKind.SUPERVISOR_LIST)


def thread_of(alert: Alert) -> list[int]:
    """The alert's id and those of its reminders and supervisors' lists, at any depth."""
    ids, frontier = [alert.pk], [alert.pk]
    while frontier:
        children = Alert.objects.filter(parent__in=frontier, kind__in=CHASERS)
        frontier = list(children.values_list("pk", flat=True))
        ids += frontier
    return ids


def root_of(alert: Alert) -> Alert:
    """The alert a thread started with: permissions are decided on it, so a reminder, a
    correction or a supervisor's list is open to exactly those who may manage the alert."""
    while alert.parent_id is not None:
        alert = Alert.objects.get(pk=alert.parent_id)
    return alert


def mark_read(recipient: Recipient) -> None:
    if recipient.read_at is None:
        Recipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


# A person changing their mind is kept in full; a script replaying a link is not: after this
# many answers the link takes no more (each is a row, and one link must not grow a table).
MAX_ANSWERS_PER_RECIPIENT = 30
LOCATION_MAX = 200
COMMENT_MAX = 500


def check_answer_text(location: str | None, comment: str | None) -> list[str]:
    problems = []
    if location is not None and len(location.strip()) > LOCATION_MAX:
        problems.append(_("Where you are: at most %d characters.") % LOCATION_MAX)
    if comment is not None and len(comment.strip()) > COMMENT_MAX:
        problems.append(_("Comment: at most %d characters.") % COMMENT_MAX)
    if "\x00" in (location or "") + (comment or ""):
        problems.append(_("The text cannot contain a NUL character."))
    return problems


def record_answer(
    recipient: Recipient,
    value: str | None = None,
    *,
    via: str,
    attendance: str | None = None,
    location: str | None = None,
    comment: str | None = None,
) -> bool:
    """Store an answer, or a part of one: what is None stays as the latest answer had it,
    so that safety, then attendance, then where I am can each be recorded as tapped. The
    same answer again changes nothing; a different one is added to the history. Returns
    whether anything changed, and updates `recipient` to match. `via` is decided by the
    server (link, app, sms, voice), never taken from what the person sent.

    Answers are not written to the audit log: they are the staff member's own data, kept
    whole in their own append-only history (Answer, with when and by which channel). The
    audit log is for what people do with authority, and 10,000 answers in a minute would
    all queue for the one head of its hash chain."""
    alert = recipient.notice.alert
    if not alert.is_open:
        raise ValidationError(_("This alert has been closed: answers are no longer taken."))
    if value is not None and value not in VALUES_FOR[alert.reply_form]:
        raise ValidationError(_("This alert does not take that answer."))
    if attendance and attendance not in Attendance.values:
        raise ValidationError(_("Unknown attendance answer."))
    if attendance and alert.reply_form != ReplyForm.SAFETY:
        raise ValidationError(_("This alert does not ask whether you can come to work."))
    if problems := check_answer_text(location, comment):
        raise ValidationError(problems)
    with transaction.atomic():
        current = (
            Recipient.objects.select_for_update()
            .only("answer", "answered_at", "read_at", "attendance")
            .get(pk=recipient.pk)
        )
        # Only someone who has answered before can be repeating themselves.
        last = current.answers.order_by("-at", "-pk").first() if current.answer else None
        before = (last.value, last.attendance, last.location, last.comment) if last else ("",) * 4
        after = (
            before[0] if value is None else value,
            before[1] if attendance is None else attendance,
            before[2] if location is None else location.strip(),
            before[3] if comment is None else comment.strip(),
        )
        if not after[0]:
            raise ValidationError(_("Choose your answer first."))
        if after == before:
            return False
        if last and current.answers.count() >= MAX_ANSWERS_PER_RECIPIENT:
            raise ValidationError(_("This answer has been changed too many times."))
        Answer.objects.create(
            recipient=current,
            value=after[0],
            attendance=after[1],
            location=after[2],
            comment=after[3],
            via=via,
        )
        now = timezone.now()
        recipient.answer, recipient.attendance = after[0], after[1]
        recipient.answered_at = current.answered_at or now
        recipient.read_at = current.read_at or now
        Recipient.objects.filter(pk=current.pk).update(
            answer=recipient.answer,
            attendance=recipient.attendance,
            answered_at=recipient.answered_at,
            read_at=recipient.read_at,
        )
    return True
