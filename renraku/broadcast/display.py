"""Display links: a read-only view of one or more alerts' situation that needs no sign-in —
the wall display in the headquarters room, or the link a department's head is sent for
their own department.

A signed-in session would time out in the middle of the day (12 hours, sooner after two-
factor): the wall must keep running for as long as the link is valid. So the link itself is
the credential, like an API token: random (secrets.token_urlsafe), shown once when made,
stored only as its SHA-256 digest, valid for a day by default (a week at most), revocable.
Making, revoking and opening one (the page, not each refresh) are audited.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from renraku import textcheck
from renraku.audit.actions import record
from renraku.directory.models import Department, Staff

from . import actions, situation
from .models import Alert, AlertKind, DisplayLink, ReplyForm

DEFAULT_DAYS = 1
MAX_DAYS = 7
HEADS_DAYS = 3  # a department head's link: through the first days after a disaster
MAX_ALERTS = 5
LABEL_MAX = 100


class LinkGone(Exception):
    """The link was revoked or has expired (410), or never existed (`known` False: 404)."""

    def __init__(self, *, known: bool = True, expired: bool = False):
        super().__init__("display link not usable")
        self.known, self.expired = known, expired


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def wall_url(raw: str) -> str:
    return f"{settings.BASE_URL}{reverse('broadcast:wall', args=[raw])}"


def parse_alert_ids(text: str) -> list[int]:
    """`12, 15` (the alerts to show with this one) as ids; ValidationError if not that."""
    try:
        return situation.parse_alert_ids((text or "")[:200])
    except ValueError:
        raise ValidationError(_("Other alerts: give their numbers, separated by commas.")) from None


def create_link(
    alert: Alert,
    *,
    by,
    request=None,
    more=(),
    label: str = "",
    days: int = DEFAULT_DAYS,
    department: Department | None = None,
) -> tuple[DisplayLink, str]:
    """A new link to `alert` (and the alerts `more`, ids, counted as one: each person once),
    for the whole ward or one `department`. Returns (link, token): the token is not kept,
    so this is the only time it can be shown. Raises PermissionDenied unless `by` may
    manage every alert shown, ValidationError for bad input."""
    alerts = _alerts(alert, more)
    for each in alerts:
        actions.authorise_manage(by, each)
    problems = []
    label = (label or "").strip()
    if len(label) > LABEL_MAX or not textcheck.is_one_line(label):
        problems.append(_("The label must be one line of at most %d characters.") % LABEL_MAX)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        problems.append(_("A link is valid for 1 to %d days.") % MAX_DAYS)
    if department is not None and not any(
        department.pk in set(actions.departments_of(a)) for a in alerts
    ):
        problems.append(_("Nobody in that department received the alert."))
    if problems:
        raise ValidationError(problems)
    label = label or (department.name if department else _("Wall display"))
    expires_at = timezone.now() + dt.timedelta(days=days)
    with transaction.atomic():
        link, raw = _issue(alerts, label=label, department=department, expires_at=expires_at, by=by)
        record(
            "broadcast.display_created",
            request=request,
            actor=by,
            target=f"alert:{alert.pk}",
            detail=_detail(link, alerts),
        )
    return link, raw


def _alerts(alert: Alert, more) -> list[Alert]:
    ids = [pk for pk in dict.fromkeys(more) if pk != alert.pk]
    found = {a.pk: a for a in Alert.objects.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError(_("No such alert: %s") % ", ".join(missing))
    if len(ids) + 1 > MAX_ALERTS:
        raise ValidationError(_("At most %d alerts on one display.") % MAX_ALERTS)
    return [alert, *(found[pk] for pk in ids)]


def _issue(alerts, *, label, department, expires_at, by) -> tuple[DisplayLink, str]:
    raw = secrets.token_urlsafe(32)
    link = DisplayLink.objects.create(
        label=label,
        department=department,
        digest=digest_of(raw),
        created_by=by,
        expires_at=expires_at,
    )
    link.alerts.set(alerts)
    return link, raw


def _detail(link: DisplayLink, alerts) -> dict:
    return {
        "link": link.pk,
        "label": link.label,
        "alerts": [a.pk for a in alerts],
        "department": link.department.code if link.department else None,
        "expires_at": link.expires_at.isoformat(),
    }


def revoke_link(link: DisplayLink, alert: Alert, *, by, request=None) -> DisplayLink:
    """Stop the link at once: its wall shows 「無効」 at its next refresh."""
    actions.authorise_manage(by, alert)
    if link.revoked_at is None:
        with transaction.atomic():
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            record(
                "broadcast.display_revoked",
                request=request,
                actor=by,
                target=f"alert:{alert.pk}",
                detail={"link": link.pk, "label": link.label},
            )
    return link


def find_link(raw: str) -> DisplayLink:
    """The link this token opens; LinkGone when revoked, expired or unknown."""
    link = (
        DisplayLink.objects.select_related("department").filter(digest=digest_of(raw or "")).first()
    )
    if link is None:
        raise LinkGone(known=False)
    if link.revoked_at is not None:
        raise LinkGone()
    if link.expires_at <= timezone.now():
        raise LinkGone(expired=True)
    return link


def open_link(raw: str, *, request=None) -> DisplayLink:
    """find_link, audited: whenever the page is loaded (its refreshes are not: every 5 s
    for a day would bury the log)."""
    link = find_link(raw)
    user = getattr(request, "user", None)
    first = link.alerts.order_by("pk").values_list("pk", flat=True).first()
    record(
        "broadcast.display_opened",
        request=request,
        actor=user if user is not None and user.is_authenticated else f"display:{link.pk}",
        target=f"alert:{first}",
        detail={"link": link.pk, "label": link.label},
    )
    return link


def send_department_heads(alert: Alert, *, by, request=None) -> dict:
    """For every department among the alert's recipients that has a director: a link to
    that department's figures, valid HEADS_DAYS, sent to its active directors as a small
    alert of its own on the alert's channels (kind ORIGINAL, in the alert's thread, source
    "department_link"). All or nothing. Returns {"sent": [(department, directors)],
    "without_director": [department]}."""
    actions.authorise_manage(by, alert)
    if not alert.is_open:
        raise ValidationError(_("This alert has been closed."))
    departments = list(Department.objects.filter(pk__in=actions.departments_of(alert)))
    heads: dict[int, list[str]] = {}
    for department_id, number in (
        Staff.objects.active()
        .directors()
        .filter(department__in=departments)
        .order_by("employee_number")
        .values_list("department_id", "employee_number")
    ):
        heads.setdefault(department_id, []).append(number)
    sent, without = [], []
    expires_at = timezone.now() + dt.timedelta(days=HEADS_DAYS)
    # The ward's language, whoever's request this runs in (as the supervisors' lists).
    with transaction.atomic(), translation.override("ja"):
        for department in departments:
            numbers = heads.get(department.pk)
            if not numbers:
                without.append(department)
                continue
            # A second sending replaces the first: the earlier links stop working.
            DisplayLink.objects.usable().filter(
                alerts=alert, department=department, label=department.name
            ).update(revoked_at=timezone.now())
            link, raw = _issue(
                [alert], label=department.name, department=department, expires_at=expires_at, by=by
            )
            notice = actions.send_alert(
                actions.Draft(
                    title=(
                        _("Situation of %(department)s: %(title)s")
                        % {
                            "department": department.name,
                            "title": alert.title,
                        }
                    )[:100],
                    body=render_to_string(
                        "broadcast/wall/department_link.txt",
                        {
                            "alert": alert,
                            "department": department,
                            "url": wall_url(raw),
                            "expires_at": expires_at,
                        },
                    ),
                    audience={"staff": numbers},
                    # Never read out by a voice call: an address is no use heard, and the
                    # provider would keep a recording of the credential.
                    channels=[c for c in alert.channel_order if c != "voice"] or ["email"],
                    reply_form=ReplyForm.NONE,
                    category=alert.category,
                    severity=alert.severity,
                    is_drill=alert.is_drill,
                ),
                sender=by,
                request=request,
                source="department_link",
                kind=AlertKind.ORIGINAL,
                parent=alert,
                authorised=True,  # may manage the alert: these are its departments' heads
            )
            record(
                "broadcast.display_created",
                request=request,
                actor=by,
                target=f"alert:{alert.pk}",
                detail={**_detail(link, [alert]), "sent_to": numbers, "notice": notice.pk},
            )
            sent.append((department, len(numbers)))
    return {"sent": sent, "without_director": without}
