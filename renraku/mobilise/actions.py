"""Every state change of a mobilisation, each with its audit entry where someone acts with
authority: start, raise, stand down, reassign, and the HQ recording an arrival. A person's
own answer and arrival are their own data (kept whole on their call-up and in Arrival),
not audit entries, as an alert's answers are not."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateTimeField, F, Max, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku.accounts import permissions
from renraku.audit.actions import record
from renraku.broadcast import actions as alerts
from renraku.broadcast.links import answer_url
from renraku.broadcast.models import AlertCategory, ReplyForm, Severity
from renraku.bulk import insert_select
from renraku.channels import registry
from renraku.directory.models import DeploymentLevel, Site, Staff
from renraku.directory.queries import called_at
from renraku.notices import pipeline
from renraku.notices.models import Attendance, Letter, Recipient, Urgency
from renraku.parsing import ascii_int

from .models import Arrival, Callup, Eta, Family, Mobilisation, Reason

# An alert that calls staff up says so in its source (broadcast's panels read it).
SOURCE = "mobilise"
# Can come within an hour: at work; later the same day: late.
# Arrivals one person's call-up may hold (as an answer's changes are bounded): a signed
# link or a QR page posted in a loop must not grow the table without end.
MAX_ARRIVALS_PER_CALLUP = 30
ATTENDANCE_OF = {Eta.MIN30: Attendance.CAN, Eta.MIN60: Attendance.CAN}


def levels() -> list[DeploymentLevel]:
    return list(DeploymentLevel.objects.order_by("number"))


def _level(number) -> DeploymentLevel:
    level = DeploymentLevel.objects.filter(number=ascii_int(number, max_digits=4)).first()
    if level is None or ascii_int(number, max_digits=4) is None:
        raise ValidationError(_("Unknown deployment level: %s") % number)
    return level


def _highest() -> int:
    return DeploymentLevel.objects.aggregate(top=Max("number"))["top"] or 0


def authorise_mobilise(user) -> None:
    """Starting, raising and standing down call people across the office: whoever may send
    an alert to everyone. `None` is the system itself (the command line, feeds)."""
    if user is not None and not permissions.can_send(user):
        raise PermissionDenied(_("Only those who may alert everyone may mobilise staff."))


def _channels() -> list[str]:
    return [c for c in ("push", "email", "sms") if c in registry.available()]


# Those still silent this long after the call are phoned (when voice is configured): a
# feature phone or a phone on silent is what the call-up must still reach, and the call
# asks safety and then 参集 on the keypad.
VOICE_AFTER_MINUTES = 10


def _escalation() -> list[dict]:
    if "voice" not in registry.available():
        return []
    return [{"action": "channel", "channel": "voice", "after_minutes": VOICE_AFTER_MINUTES}]


def _wording(level: DeploymentLevel, auto: bool) -> tuple[str, str]:
    title = _("%(level)s: call-up") % {"level": level.name}
    body = _(
        "%(level)s has been ordered. You are called: go to your post, shown on the page "
        "this message links to. First say whether you are safe, then whether you can come "
        "and when you expect to arrive."
    ) % {"level": level.name}
    if auto:
        body += "\n" + _("This is an automatic call-up: set out without waiting to be called.")
    return title, body


def start(level, *, drill=False, title="", by=None, request=None, auto=None) -> Mobilisation:
    """Call the people of deployment level `level` to their posts: one alert (safety, then
    参集) to those called at it, through broadcast's send action. `auto` (自動参集: staff set
    out without waiting) is the highest level's unless said."""
    authorise_mobilise(by)
    level = _level(level)
    auto = level.number == _highest() if auto is None else auto
    default_title, body = _wording(level, auto)
    draft = alerts.Draft(
        title=(title or default_title).strip(),
        body=body,
        # What it is: those the level calls (「第2次非常配備」), not the whole office.
        audience={"levels": [level.number]},
        channels=_channels(),
        reply_form=ReplyForm.SAFETY,
        category=AlertCategory.DRILL if drill else AlertCategory.NOTICE,
        severity=Severity.EMERGENCY if auto else Severity.WARNING,
        is_drill=drill,
        escalation=_escalation(),
    )
    with transaction.atomic():
        alert = alerts.send_alert(
            draft,
            sender=by,
            request=request,
            source=SOURCE,
            staff_ids=called_at(level.number).values("pk"),
            authorised=True,
        )
        mobilisation = Mobilisation.objects.create(
            alert=alert, level=level.number, auto=auto, started_by=by
        )
        called = _call(mobilisation)
        record(
            "mobilise.started",
            request=request,
            actor=by or "system",
            target=f"alert:{alert.pk}",
            detail={"level": level.number, "auto": auto, "drill": drill, "called": called},
        )
    return mobilisation


def _call(mobilisation: Mobilisation) -> int:
    """A call-up row for each recipient of the alert who has none yet, with their post and
    team now: one INSERT … SELECT."""
    fresh = Recipient.objects.filter(notice_id=mobilisation.pk, callup__isnull=True)
    rows = fresh.annotate(
        m=Value(mobilisation.pk),
        own_level=Coalesce(F("staff__callup_level_id"), Value(_highest())),
        now=Value(timezone.now(), output_field=DateTimeField()),
    ).values_list(
        "m", "pk", "staff_id", "own_level", "staff__callup_site_id", "staff__callup_team_id", "now"
    )
    return insert_select(
        Callup,
        ["mobilisation_id", "recipient_id", "staff_id", "level", "site_id", "team_id", "called_at"],
        rows,
    )


def _locked(mobilisation: Mobilisation) -> Mobilisation:
    locked = (
        Mobilisation.objects.select_for_update().select_related("alert").get(pk=mobilisation.pk)
    )
    if not locked.alert.is_open:
        raise ValidationError(_("This mobilisation has ended (its alert is closed)."))
    return locked


def raise_level(
    mobilisation: Mobilisation, level, *, title="", auto=None, by=None, request=None
) -> int:
    """Extend the same alert to those the higher level calls and it has not called yet
    (never anyone twice), worded for the new level: those newly called read what is
    ordered now (自動参集 included), not what the first level said. Returns how many were
    newly called."""
    authorise_mobilise(by)
    level = _level(level)
    with transaction.atomic():
        m = _locked(mobilisation)
        if level.number <= m.level:
            raise ValidationError(_("Raise to a level above the current one (%d).") % m.level)
        m.auto = m.auto or (level.number == _highest() if auto is None else auto)
        _reword(m, level, title)
        pipeline.extend(m.alert, called_at(level.number))
        called = _call(m)
        # Those stood down earlier and called again count once more (their alert is open).
        again = m.callups.filter(stood_down_at__isnull=False, level__lte=level.number)
        called_again = again.update(stood_down_at=None)
        m.level = level.number
        m.save(update_fields=["level", "auto"])
        _audience_is(m, level.number)
        record(
            "mobilise.raised",
            request=request,
            actor=by or "system",
            target=f"alert:{m.pk}",
            detail={"level": level.number, "called": called, "called_again": called_again},
        )
    mobilisation.level, mobilisation.auto = m.level, m.auto
    return called


def _reword(m: Mobilisation, level: DeploymentLevel, title: str) -> None:
    """The alert says the new level: a title given, else the level's own title where the
    alert still had the old level's; the body always. Deliveries not yet made (the newly
    called, retries, reminders) read it."""
    old_level = DeploymentLevel.objects.filter(number=m.level).first()
    new_title, body = _wording(level, m.auto)
    if not title and old_level and m.alert.title != _wording(old_level, m.auto)[0]:
        new_title = m.alert.title  # the sender's own title stays
    m.alert.title, m.alert.body = (title or new_title).strip()[:100], body
    type(m.alert).objects.filter(pk=m.pk).update(title=m.alert.title, body=m.alert.body)


def _audience_is(m: Mobilisation, number: int) -> None:
    """The alert's audience follows its level: a reminder or a correction then goes to
    those called now, and the alert reads as the level it is at."""
    m.alert.audience = {"levels": [number]}
    type(m.alert).objects.filter(pk=m.pk).update(audience=m.alert.audience)


def _letter(alert, title: str, body: str, link: str, channels: list[str]) -> Letter:
    marks = _("[DRILL]") if alert.is_drill else ""
    return Letter(
        owner="letter",
        # It changes where someone goes (or that they need not): as urgent as the call.
        urgency=Urgency.HIGH,
        channel_order=channels or list(alert.channel_order),
        title=(marks + title)[:200],
        body=body,
        link=link[:500],
        tag=f"mobilise-{alert.pk}",
    )


def stand_down(mobilisation: Mobilisation, level, *, by=None, request=None) -> int:
    """Lower the level: those called only above it are told they are no longer needed.
    Returns how many were told."""
    authorise_mobilise(by)
    level = _level(level)
    with transaction.atomic():
        m = _locked(mobilisation)
        if level.number >= m.level:
            raise ValidationError(_("Stand down to a level below the current one (%d).") % m.level)
        released = m.callups.filter(stood_down_at__isnull=True, level__gt=level.number)
        staff = Staff.objects.filter(pk__in=released.values("staff_id"))
        told = 0
        if released.exists():
            letter = _letter(
                m.alert,
                _("Call-up lifted: %(level)s") % {"level": level.name},
                _(
                    "The deployment level is now %(level)s. You are no longer called: if you "
                    "are on your way, you may go home. Thank you."
                )
                % {"level": level.name},
                f"{settings.BASE_URL}{reverse('home')}",
                list(m.alert.channel_order),
            )
            told = pipeline.issue(letter, staff)
            released.update(stood_down_at=timezone.now())
        m.level, m.auto = level.number, m.auto and level.number == _highest()
        m.save(update_fields=["level", "auto"])
        _audience_is(m, level.number)
        record(
            "mobilise.stood_down",
            request=request,
            actor=by or "system",
            target=f"alert:{m.pk}",
            detail={"level": level.number, "told": told},
        )
    mobilisation.level, mobilisation.auto = m.level, m.auto
    return told


def _check_open(callup: Callup) -> None:
    if not callup.mobilisation.alert.is_open:
        raise ValidationError(_("This mobilisation has ended (its alert is closed)."))
    if callup.stood_down_at is not None:
        raise ValidationError(_("You are no longer called: the level was lowered."))


def record_answer(callup: Callup, *, eta: str = "", reason: str = "", via: str) -> bool:
    """The 参集 answer, after the safety answer: can come with an expected arrival (`eta`),
    or cannot with a `reason`. Kept on the call-up (the first answer's time stays) and as
    the alert's attendance, so the dashboard's 出勤可否 columns count it. Returns whether
    anything changed."""
    _check_open(callup)
    if bool(eta) == bool(reason) or (eta and eta not in Eta.values):
        raise ValidationError(_("Choose when you can arrive, or why you cannot come."))
    if reason and reason not in Reason.values:
        raise ValidationError(_("Choose when you can arrive, or why you cannot come."))
    if not callup.recipient.answer:
        raise ValidationError(_("Say first whether you are safe."))
    coming = bool(eta)
    attendance = ATTENDANCE_OF.get(eta, Attendance.LATE) if coming else Attendance.CANNOT
    with transaction.atomic():
        current = Callup.objects.select_for_update().get(pk=callup.pk)
        if (current.coming, current.eta, current.reason) == (coming, eta, reason):
            return False
        alerts.record_answer(callup.recipient, attendance=attendance, via=via)
        current.coming, current.eta, current.reason = coming, eta, reason
        current.answered_at = current.answered_at or timezone.now()
        current.save(update_fields=["coming", "eta", "reason", "answered_at"])
    callup.coming, callup.eta, callup.reason = coming, eta, reason
    callup.answered_at = current.answered_at
    return True


def record_family(callup: Callup, family: str) -> bool:
    """How the person's family is (optional, after the 参集 answer): personal data kept on
    the call-up alone, never in an audit entry or an alert's answers. Returns whether it
    changed."""
    _check_open(callup)
    if family not in Family.values:
        raise ValidationError(_("Choose how your family is."))
    if callup.family == family:
        return False
    callup.family, callup.family_at = family, timezone.now()
    Callup.objects.filter(pk=callup.pk).update(family=family, family_at=callup.family_at)
    return True


def arrive(callup: Callup, *, site: Site | None = None, by=None, via: str, request=None) -> Arrival:
    """Record that the person has arrived: at `site` (where they are, which may be other
    than their post) or else at their post. By the HQ (`via` "cli" or "hq"): audited."""
    _check_open(callup)
    site = site or callup.site
    if site is None:
        raise ValidationError(_("No post is set for this person: say where they arrived."))
    earlier = Arrival.objects.filter(callup=callup)
    latest = earlier.order_by("-at", "-pk").first()
    if latest is not None and latest.site_id == site.pk:
        # Said again (a second tap, a reload, a replayed link): the first time stands.
        callup.arrived_at, callup.arrived_site = latest.at, site
        return latest
    if latest is not None and earlier.count() >= MAX_ARRIVALS_PER_CALLUP:
        raise ValidationError(_("This arrival has been recorded too many times."))
    with transaction.atomic():
        arrival = Arrival.objects.create(callup=callup, site=site, by=by, via=via)
        Callup.objects.filter(pk=callup.pk).update(arrived_at=arrival.at, arrived_site=site)
        if via in ("cli", "hq"):
            record(
                "mobilise.arrival_recorded",
                request=request,
                actor=by or "system",
                target=f"alert:{callup.mobilisation_id}",
                detail={"staff": callup.staff.employee_number, "site": site.code},
            )
    callup.arrived_at, callup.arrived_site = arrival.at, site
    return arrival


def reassign(callup: Callup, site: Site, *, by=None, request=None) -> Callup:
    """Send the person to another post; they are told at once, on the channel that reached
    them (else the alert's channels)."""
    if by is not None:
        alerts.authorise_manage(by, callup.mobilisation.alert)
    _check_open(callup)
    if site.pk == callup.site_id:
        raise ValidationError(_("This person is already assigned there."))
    with transaction.atomic():
        before = callup.site.code if callup.site else None
        callup.site = site
        callup.save(update_fields=["site"])
        recipient = callup.recipient
        where = f"{site.name}（{site.address}）" if site.address else site.name
        letter = _letter(
            callup.mobilisation.alert,
            _("Your post has changed: %(site)s") % {"site": site.name},
            _("Go to %(where)s instead of your post until now.") % {"where": where},
            answer_url(recipient.pk),
            [recipient.reached_via] if recipient.reached_via else [],
        )
        pipeline.issue(letter, Staff.objects.filter(pk=callup.staff_id))
        record(
            "mobilise.reassigned",
            request=request,
            actor=by or "system",
            target=f"alert:{callup.mobilisation_id}",
            detail={"staff": callup.staff.employee_number, "from": before, "to": site.code},
        )
    return callup
