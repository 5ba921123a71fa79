"""Heartbeats, and the dead man's switch that tells the administrators when renraku falls
silent: once when a problem starts, again while it lasts (hourly), once when it recovers.

The switch runs every minute on the task worker (tasks.py) and from `renraku health
--notify`, which an operator runs from cron or a systemd timer on another machine: a dead
worker cannot report its own death. Both may run at the same moment; each change of a
problem's state is a conditional write (create, update where told_at is unchanged, delete),
so only the one whose write succeeds tells.
"""

import datetime as dt
import logging
import smtplib
import socket

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from renraku.accounts import permissions
from renraku.audit.actions import record
from renraku.channels import registry
from renraku.feeds.models import FeedState

from . import checks
from .models import Beat, Problem

log = logging.getLogger(__name__)
REPEAT_AFTER = dt.timedelta(hours=1)

# Heartbeats are not audited: one entry a minute forever would bury the entries people read.


def beat(name: str = checks.WORKER) -> None:
    """Record that `name` was seen working now (one row, updated in place)."""
    Beat.objects.update_or_create(
        name=name, defaults={"at": timezone.now(), "host": socket.gethostname()[:200]}
    )


def remember_feed_successes() -> None:
    """Copy each feed's last error-free poll into its Beat, which outlives the poller's next
    error (FeedState keeps only the last poll)."""
    for url, polled_at in FeedState.objects.filter(
        url__in=list(settings.JMA_FEEDS), error="", polled_at__isnull=False
    ).values_list("url", "polled_at"):
        key = checks.feed_key(url)
        if not Beat.objects.filter(name=key, at__gte=polled_at).exists():
            Beat.objects.update_or_create(name=key, defaults={"at": polled_at, "host": ""})


def tell_administrators(results: dict | None = None, now=None) -> dict:
    """Compare the watched checks with the open problems and tell the administrators what
    changed. Returns {"started", "continuing", "recovered"}: lists of check names."""
    now = now or timezone.now()
    if results is None:
        results = checks.run_checks(checks.WATCHED, now)
    failing = {c["name"]: c for c in results["checks"] if not c["ok"] and c["name"] != "database"}
    news = {"started": [], "continuing": [], "recovered": []}
    with transaction.atomic():
        for name, check in failing.items():
            problem = Problem.objects.filter(check_name=name).first()
            if problem is None:
                try:
                    with transaction.atomic():
                        Problem.objects.create(
                            check_name=name, detail=check["detail"], started_at=now, told_at=now
                        )
                except IntegrityError:
                    continue  # another notifier opened it a moment ago, and tells
                news["started"].append((name, check["detail"], now))
            elif problem.told_at <= now - REPEAT_AFTER and Problem.objects.filter(
                pk=problem.pk, told_at=problem.told_at
            ).update(told_at=now, detail=check["detail"]):
                news["continuing"].append((name, check["detail"], problem.started_at))
        for problem in Problem.objects.exclude(check_name__in=list(failing)):
            if Problem.objects.filter(pk=problem.pk).delete()[0]:
                news["recovered"].append((problem.check_name, problem.detail, problem.started_at))
        if not any(news.values()):
            return {key: [] for key in news}
        summary = {key: [n for n, _d, _t in items] for key, items in news.items()}
        with translation.override("ja"):  # the ward's language, whoever runs this
            title, body = _notice(news, now)
        alert = _push(title, body)
        record(
            "monitoring.told",
            actor="system",
            target="monitoring",
            detail={**summary, "alert": alert.pk if alert else None},
        )
    # After the commit: a mail server that hangs must not hold the database's write lock.
    _email(title, body)
    return summary


def _label(name: str) -> str:
    if name == checks.WORKER:
        return _("the task worker")
    if name == "queue":
        return _("the delivery queue")
    return _("the feed %s") % name.removeprefix("feed:")


def _notice(news: dict, now) -> tuple[str, str]:
    """The title (at most 100 characters, one line) and body of one notice."""
    parts = []
    if news["started"]:
        parts.append(_("problem"))
    if news["continuing"]:
        parts.append(_("still failing"))
    if news["recovered"]:
        parts.append(_("recovered"))
    names = ", ".join(_label(n) for items in news.values() for n, _d, _t in items)
    title = (_("Monitoring (%(what)s): %(names)s") % {"what": "・".join(parts), "names": names})[
        :100
    ]
    lines = [title, ""]
    local = timezone.localtime
    for name, detail, _t in news["started"]:
        lines.append(_("Problem: %(name)s. %(detail)s") % {"name": _label(name), "detail": detail})
    for name, detail, since in news["continuing"]:
        lines.append(
            _("Still failing since %(since)s: %(name)s. %(detail)s")
            % {"since": f"{local(since):%m/%d %H:%M}", "name": _label(name), "detail": detail}
        )
    for name, _detail, since in news["recovered"]:
        lines.append(
            _("Recovered: %(name)s (failing from %(since)s to %(until)s).")
            % {
                "name": _label(name),
                "since": f"{local(since):%m/%d %H:%M}",
                "until": f"{local(now):%m/%d %H:%M}",
            }
        )
    lines += ["", _("Details: %s") % f"{settings.BASE_URL}/healthz/ready"]
    return title, "\n".join(lines)


def _administrators():
    return permissions.administrators().select_related("staff")


def _push(title: str, body: str):
    """The notice as a small alert to the administrators, by push. Not on e-mail as well:
    _email already sends it straight away, and a second copy through the queue would arrive
    late exactly when the queue is the problem."""
    from renraku.broadcast.actions import Draft, send_alert
    from renraku.broadcast.models import ReplyForm, Severity

    numbers = sorted(
        u.staff.employee_number
        for u in _administrators()
        if u.staff is not None and u.staff.is_active
    )
    channels = [c for c in ("push",) if c in registry.available()]
    if not numbers or not channels:
        return None
    try:
        return send_alert(
            Draft(
                title=title,
                body=body,
                audience={"staff": numbers},
                channels=channels,
                reply_form=ReplyForm.NONE,
                severity=Severity.WARNING,
            ),
            source="monitoring",
        )
    except ValidationError:
        log.exception("monitoring notice could not be sent as an alert; e-mailed only")
        return None


def _email(title: str, body: str) -> int:
    """One e-mail to each administrator's account address, sent from this process, not
    through the task queue (which may be what has stopped). Returns how many were sent."""
    addresses = sorted({u.email for u in _administrators() if u.email})
    messages = [EmailMessage(title, body, to=[address]) for address in addresses]
    try:
        return get_connection().send_messages(messages) or 0
    except (OSError, smtplib.SMTPException):
        log.exception("monitoring notice could not be e-mailed to the administrators")
        return 0
