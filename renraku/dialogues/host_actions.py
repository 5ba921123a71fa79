"""What a host does after (and around) a chat, checked and audited: private notes,
「困っていること」 published anonymised, guests from outside, materials, minutes, who came,
and the director-visit steps the hosts' pages add to directors.py.

Kept apart from actions.py (seats and calendars) so that the booking rules read in one
sitting; the same habits hold: the audit entry is written here, not by the caller."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku import textcheck
from renraku.audit.actions import record

from . import actions, directors
from .models import Concern, DirectorVisit, Guest, HostNote, Material, Participant, Slot
from .rights import is_the_host, may_manage


def _check(user, host):
    if not may_manage(user, host):
        raise PermissionDenied(_("Only the host or an administrator may do this."))


def save_notes(slot: Slot, text: str, *, by, request=None) -> HostNote:
    """The host's own notes. Not even an administrator writes or reads them: what people
    say in confidence stays with the person they said it to."""
    if not is_the_host(by, slot.host):
        raise PermissionDenied(_("Only the host may keep notes on this slot."))
    note, _made = HostNote.objects.update_or_create(slot=slot, defaults={"text": text})
    # The text stays out of the audit log: it is private to the host.
    record("dialogues.notes_saved", request=request, actor=by, target=f"slot:{slot.pk}")
    return note


def add_concern(slot, *, text, topic, department=None, by, request=None) -> Concern:
    _check(by, slot.host)
    text, topic = text.strip(), topic.strip()
    if not text or not topic:
        raise ValidationError(_("Write what people struggle with, and its topic."))
    if not textcheck.is_one_line(topic) or textcheck.has_control_characters(text):
        raise ValidationError(_("The topic must be one line, and the text plain."))
    concern = Concern.objects.create(slot=slot, text=text, topic=topic[:50], department=department)
    record(
        "dialogues.concern_added",
        request=request,
        actor=by,
        target=f"concern:{concern.pk}",
        detail={"slot": slot.pk, "topic": concern.topic},
    )
    return concern


def publish_concern(concern: Concern, *, by, request=None) -> Concern:
    """Shown to the organisation with its topic and department only: a Concern keeps no
    person, so nothing published can tell who said it."""
    _check(by, concern.slot.host)
    if concern.published_at is None:
        concern.published_at = timezone.now()
        concern.save(update_fields=["published_at"])
        record(
            "dialogues.concern_published",
            request=request,
            actor=by,
            target=f"concern:{concern.pk}",
        )
    return concern


def _check_guests_allowed(slot):
    if not slot.kind.allows_guests:
        raise ValidationError(_("This kind of dialogue has no guests from outside."))


def add_guest(slot, *, name, affiliation="", by, request=None) -> Guest:
    _check(by, slot.host)
    _check_guests_allowed(slot)
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the guest's name."))
    guest = Guest.objects.create(slot=slot, name=name, affiliation=affiliation.strip())
    record(
        "dialogues.guest_added",
        request=request,
        actor=by,
        target=f"slot:{slot.pk}",
        detail={"guest": guest.pk},
    )
    return guest


def add_material(slot, upload, *, by, request=None) -> Material:
    """`upload` already checked by the form (PDF or image, size); kept in Django's
    storage under a name of the storage's choosing."""
    _check(by, slot.host)
    _check_guests_allowed(slot)
    material = Material(slot=slot, name=upload.name[:200])
    material.file.save(upload.name, upload, save=False)
    material.save()
    record(
        "dialogues.material_added",
        request=request,
        actor=by,
        target=f"slot:{slot.pk}",
        detail={"material": material.pk, "name": material.name, "size": upload.size},
    )
    return material


def save_minutes(slot, text: str, *, by, request=None) -> Slot:
    _check(by, slot.host)
    _check_guests_allowed(slot)
    slot.minutes_text = text
    slot.save(update_fields=["minutes_text"])
    record("dialogues.minutes_saved", request=request, actor=by, target=f"slot:{slot.pk}")
    return slot


def mark_attendance(slot, came: set[int], *, by, request=None) -> int:
    """After the slot: who came (participant ids in `came`); the others did not. Reach
    counts only those who came."""
    _check(by, slot.host)
    if slot.start > timezone.now():
        raise ValidationError(_("Attendance is marked once the slot has started."))
    rows = Participant.objects.filter(slot=slot, active=True)
    strangers = came - set(rows.values_list("pk", flat=True))
    if strangers:
        raise ValidationError(_("Only people booked for this slot can be marked as present."))
    with transaction.atomic():
        rows.filter(pk__in=came).update(attended=True)
        absent = rows.exclude(pk__in=came).update(attended=False)
    record(
        "dialogues.attendance_marked",
        request=request,
        actor=by,
        target=f"slot:{slot.pk}",
        detail={"absent": absent},
    )
    return absent


def queue_all_directors(host, year: int, *, by, request=None) -> int:
    _check(by, host)
    made = directors.queue_all(host, year)
    record(
        "dialogues.directors_queued",
        request=request,
        actor=by,
        target=f"host:{host.pk}",
        detail={"year": year, "visits": made},
    )
    return made


def mark_visited(visit: DirectorVisit, *, by, request=None) -> DirectorVisit:
    _check(by, visit.host)
    directors.mark_visited(visit, by=by)
    record("dialogues.director_visited", request=request, actor=by, target=f"visit:{visit.pk}")
    return visit


def schedule_visit(visit: DirectorVisit, start, *, minutes=30, place="", by, request=None):
    """Schedule the visit; once scheduled, another time moves the same slot (one calendar
    entry for the director, updated) rather than booking them twice."""
    _check(by, visit.host)
    if visit.slot is not None and visit.slot.status == "open":
        with transaction.atomic():
            actions.move_slot(visit.slot, start, by=by, request=request)
            visit.proposed_start = None
            visit.save(update_fields=["proposed_start"])
        return visit
    return directors.schedule(visit, start, minutes=minutes, place=place, by=by)


def accept_proposal(visit: DirectorVisit, *, by, request=None) -> DirectorVisit:
    """The director proposed another time: move the visit there in one step (the director
    is told and their calendar entry updated, as for any move)."""
    if visit.proposed_start is None:
        raise ValidationError(_("The director has proposed no other time."))
    return schedule_visit(visit, visit.proposed_start, by=by, request=request)
