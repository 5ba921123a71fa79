"""Nudges that keep people reachable, each an everyday notice through the pipeline, in
working hours, at most once a month per person (or device):

- a check: a visible, low-urgency push to a person whose devices have all been silent for
  30 days (a display receipt then proves the device again: PushSubscription.checked_at);
- a reminder, by e-mail, to those whose device no longer confirms (a check went unshown,
  or the push service dropped the subscription), with the steps for their phone;
- a warning, by e-mail, to those with a device whose pushes are accepted by the push
  service but never shown.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from renraku.bulletin.actions import in_working_hours, next_working_time
from renraku.directory.models import PushSubscription, Staff
from renraku.notices import pipeline
from renraku.notices.models import Delivery, Letter, Urgency

from .models import Nudge
from .queries import PROVEN_FOR, configured, platform_of, reach_conditions

MONTH = dt.timedelta(days=30)
# A check push not shown within this is taken as unshown.
CHECK_GRACE = dt.timedelta(days=2)
# A push accepted this long ago and not shown since has had its chance.
SHOWN_WITHIN = dt.timedelta(hours=1)


def _link() -> str:
    return settings.BASE_URL + reverse("home") + "#push"


def _letter(title: str, body: str, channels: list[str], tag: str) -> Letter:
    return Letter(
        owner="letter",
        urgency=Urgency.NORMAL,
        channel_order=channels,
        title=title,
        body=body,
        link=_link(),
        tag=tag,
    )


def _issue(letter: Letter, staff_ids, now) -> int:
    if not staff_ids:
        return 0
    return pipeline.issue(
        letter,
        Staff.objects.active().filter(pk__in=list(staff_ids)),
        not_before=None if in_working_hours(now) else next_working_time(now),
    )


def _recently_nudged(kind: str, now):
    return Nudge.objects.filter(kind=kind, sent_at__gt=now - MONTH).values("staff_id")


def _record(kind: str, staff_ids, now) -> None:
    Nudge.objects.bulk_create(Nudge(staff_id=pk, kind=kind, sent_at=now) for pk in staff_ids)


def _not_proven(now):
    """Active staff whom push does not reach today."""
    return Staff.objects.active().exclude(reach_conditions(now)["push"])


# --- The check push -----------------------------------------------------------------------


def silent_devices(now):
    """Active subscriptions of people push no longer reaches, silent for 30 days (or never
    shown in their first 30), not checked in the last month."""
    return PushSubscription.objects.active().filter(
        Q(last_shown_at__isnull=True) | Q(last_shown_at__lt=now - PROVEN_FOR),
        Q(checked_at__isnull=True) | Q(checked_at__lt=now - MONTH),
        created_at__lt=now - PROVEN_FOR,
        staff__in=_not_proven(now),
    )


def send_checks(now) -> int:
    """A visible, low-urgency push to each person with a silent device; returns how many."""
    devices = silent_devices(now)
    staff_ids = set(devices.values_list("staff_id", flat=True))
    if not staff_ids:
        return 0
    letter = _letter(
        _("renraku: checking that this device receives alerts"),
        _("No need to do anything: this notice checks that emergency alerts reach this device."),
        ["push"],
        "readiness-check",
    )
    with transaction.atomic():
        PushSubscription.objects.filter(pk__in=devices.values("pk")).update(checked_at=now)
        _record(Nudge.Kind.CHECK, staff_ids, now)
        return _issue(letter, staff_ids, now)


# --- Reminders ----------------------------------------------------------------------------


def no_longer_confirming(now):
    """People push no longer reaches who had a device that did (or whose device the push
    service dropped), with no check still to come or to be answered, not reminded this
    month."""
    lapsed = PushSubscription.objects.filter(staff=OuterRef("pk")).filter(
        Q(last_shown_at__isnull=False) | Q(retired_at__isnull=False)
    )
    awaiting_check = PushSubscription.objects.active().filter(
        Q(checked_at__isnull=True) | Q(checked_at__gt=now - CHECK_GRACE), staff=OuterRef("pk")
    )
    return (
        _not_proven(now)
        .filter(Exists(lapsed))
        .exclude(Exists(awaiting_check))
        .exclude(pk__in=_recently_nudged(Nudge.Kind.REMINDER, now))
    )


def never_shown(now):
    """People with an active device that has shown nothing although the push service
    accepted a push for them after it was registered, not told so this month."""
    accepted_since = Delivery.objects.filter(
        recipient__staff_id=OuterRef("staff_id"),
        channel="push",
        status=Delivery.Status.SENT,
        sent_at__gt=OuterRef("created_at"),
        sent_at__lte=now - SHOWN_WITHIN,
    )
    devices = PushSubscription.objects.active().filter(
        Exists(accepted_since), last_shown_at__isnull=True
    )
    return (
        Staff.objects.active()
        .filter(pk__in=devices.values("staff_id"))
        .exclude(pk__in=_recently_nudged(Nudge.Kind.NEVER_SHOWN, now))
    )


def steps_for(platform: str) -> str:
    iphone = "\n".join(
        [
            _(
                "On an iPhone (iOS 16.4 or later), alerts appear only in renraku on the Home"
                " Screen:"
            ),
            _("1. Open renraku in Safari and tap the Share button."),
            _("2. Choose “Add to Home Screen” and tap “Add”."),
            _(
                "3. Open renraku from its icon, sign in, and tap “Receive alerts on this device”"
                " on the home page; allow notifications when asked."
            ),
        ]
    )
    android = "\n".join(
        [
            _("On an Android phone:"),
            _(
                "1. Open renraku in Chrome and tap “Receive alerts on this device” on the home"
                " page."
            ),
            _("2. Allow notifications when asked."),
            _(
                "3. If they were blocked: the icon left of the address → Permissions →"
                " Notifications → Allow."
            ),
        ]
    )
    if platform == "iphone":
        return iphone
    if platform == "android":
        return android
    return iphone + "\n\n" + android


def _by_platform(staff_ids) -> dict[str, list[int]]:
    """People grouped by the steps that fit their newest device."""
    newest: dict[int, str] = {}
    for staff_id, agent in (
        PushSubscription.objects.filter(staff_id__in=list(staff_ids))
        .order_by("created_at")
        .values_list("staff_id", "user_agent")
    ):
        newest[staff_id] = platform_of(agent)
    groups: dict[str, list[int]] = {}
    for staff_id in staff_ids:
        groups.setdefault(newest.get(staff_id, ""), []).append(staff_id)
    return groups


def _tell(kind: str, people, title: str, opening: str, now) -> int:
    staff_ids = list(people.values_list("pk", flat=True))
    channels = [k for k in ("email", "line_works") if k in configured()]
    told = 0
    with transaction.atomic():
        for platform, ids in _by_platform(staff_ids).items():
            body = opening + "\n\n" + steps_for(platform)
            told += _issue(_letter(title, body, channels, f"readiness-{kind}"), ids, now)
        _record(kind, staff_ids, now)
    return told


def send_reminders(now) -> int:
    return _tell(
        Nudge.Kind.REMINDER,
        no_longer_confirming(now),
        _("Your device no longer confirms emergency alerts"),
        _(
            "renraku has had no confirmation from your device for a while: in an emergency"
            " the alert might not appear on it. Please set it up again:"
        ),
        now,
    )


def send_never_shown(now) -> int:
    return _tell(
        Nudge.Kind.NEVER_SHOWN,
        never_shown(now),
        _("Notices sent to your device are not appearing"),
        _(
            "The push service accepted notices for a device you registered, but the device"
            " has not shown any. Please set it up again:"
        ),
        now,
    )


def send_due(now=None) -> dict:
    """The day's nudges (the periodic task calls this once a day, in working hours)."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "checks": send_checks(now),
            "reminders": send_reminders(now),
            "never_shown": send_never_shown(now),
        }
