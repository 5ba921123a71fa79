"""Every change to the directory, and every read of personal contact data, with its audit."""

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from renraku.accounts import permissions
from renraku.accounts.models import Role, User
from renraku.audit.actions import record

from .csvformat import StaffRecord
from .import_checks import Directory
from .importing import (
    IMPORTED,
    ImportPlan,
    MassLeaveNotConfirmed,
    accounts_to_restore,
    keep_actors_record,
)
from .models import PersonalContact, Staff
from .signals import imported

_BATCH = 1000
_STAFF_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "department_id",
    "section_id",
    "site_id",
    "position_id",
    "work_email",
    "work_phone",
    "callup_level_id",
    "callup_site_id",
    "callup_team_id",
    "line_works_id",
    "is_active",
    "left_on",
)


def reveal_personal_contact(viewer, staff: Staff, *, request=None, reason: str = ""):
    """The staff member's personal mobile and e-mail, for a viewer allowed to see them.
    Every call is audited, whether or not anything is on file."""
    if not permissions.can_view_personal_contact(viewer):
        record(
            "directory.personal_contact_refused",
            request=request,
            actor=viewer,
            target=f"staff:{staff.employee_number}",
        )
        raise PermissionDenied
    contact = PersonalContact.objects.filter(staff=staff).first()
    record(
        "directory.personal_contact_viewed",
        request=request,
        actor=viewer,
        target=f"staff:{staff.employee_number}",
        detail={"reason": reason[:200]},
    )
    return contact


def update_staff(editor, staff: Staff, changes: dict, *, request=None) -> Staff:
    """Change a member of staff's placement or work contacts (from the edit form)."""
    if not permissions.can_edit_staff(editor, staff):
        raise PermissionDenied
    before = {name: str(getattr(staff, name)) for name in changes}
    with transaction.atomic():
        for name, value in changes.items():
            setattr(staff, name, value)
        staff.save(update_fields=[*changes, "updated_at"])
        record(
            "directory.staff_changed",
            request=request,
            actor=editor,
            target=f"staff:{staff.employee_number}",
            detail={"before": before, "after": {n: str(v) for n, v in changes.items()}},
        )
    return staff


def apply_import(
    plan: ImportPlan,
    *,
    actor=None,
    request=None,
    source: str = "",
    data: bytes = b"",
    progress: bool = False,
    allow_mass_leave: bool = False,
) -> dict:
    """Apply a valid plan in one transaction: everything in the file, or nothing.

    People missing from the file are deactivated (never deleted) and their accounts with
    them, except the `actor` applying it. More leavers than the limit raise
    MassLeaveNotConfirmed unless `allow_mass_leave` (the person confirmed). Accounts a
    recent import switched off come back with their people (`accounts_to_restore`); the
    audit entry lists the accounts switched off and on, for that. Returns the plan's counts,
    which also go into the audit entry.
    """
    if not plan.ok:
        raise ValueError("an import with errors cannot be applied")
    keep_actors_record(plan, actor)
    if plan.too_many_leave and not allow_mass_leave:
        raise MassLeaveNotConfirmed(plan.mass_leave_warning())
    directory = Directory()
    today = timezone.localdate()
    with transaction.atomic():
        existing = dict(Staff.objects.values_list("employee_number", "pk"))
        touched = (
            set(plan.joined)
            | set(plan.rejoined)
            | set(plan.moved)
            | set(plan.position_changed)
            | set(plan.updated)
        )
        to_write = [r for r in plan.records if r.employee_number in touched]
        bar = tqdm(total=len(to_write) + len(plan.left), disable=not progress, unit="人")
        new = [
            _staff_from(r, directory, today) for r in to_write if r.employee_number not in existing
        ]
        Staff.objects.bulk_create(new, batch_size=_BATCH)
        bar.update(len(new))
        changed = {
            existing[r.employee_number]: _staff_from(r, directory, today)
            for r in to_write
            if r.employee_number in existing
        }
        _update_changed_fields(changed)
        bar.update(len(changed))
        ids = dict(
            Staff.objects.filter(
                employee_number__in=[r.employee_number for r in to_write]
            ).values_list("employee_number", "pk")
        )
        _replace_memberships(to_write, ids, directory)
        if plan.has_personal_columns:
            _replace_personal_contacts(to_write, ids)
        switched_off = _deactivate(plan.left, today, spare=getattr(actor, "pk", None))
        bar.update(len(plan.left))
        restored = accounts_to_restore(plan.rejoined)
        plan.restored_accounts = sorted(restored)
        switched_on = sorted(restored.values())
        for start in range(0, len(switched_on), _BATCH):
            User.objects.filter(pk__in=switched_on[start : start + _BATCH]).update(is_active=True)
        bar.close()
        counts = plan.counts()
        record(
            IMPORTED,
            request=request,
            actor=actor,
            target=f"file:{source}",
            detail={
                **counts,
                "sha256": hashlib.sha256(data).hexdigest(),
                "new_directors": plan.new_directors[:100],
                "kept": plan.kept,
                "mass_leave_confirmed": plan.too_many_leave,
                # Every id, not a sample: a later import within RESTORE_DAYS reads them to
                # switch these accounts back on when it brings their people back.
                "accounts_deactivated": switched_off,
                "accounts_restored": switched_on,
            },
        )
        new_directors = list(plan.new_directors)
        transaction.on_commit(lambda: imported.send(sender=None, new_directors=new_directors))
    return counts


def _deactivate(numbers: list[str], today, *, spare) -> list[int]:
    """Deactivate these staff and their accounts (never the account `spare`, the person
    importing, and never an auditor's: an administrator must not be able to silence the
    person who reads their traces with an HR file — `renraku account role` changes those).
    Returns the ids of the accounts this switched off, in batches so that a whole ward
    leaving stays within SQLite's limit on query parameters."""
    switched_off = []
    now = timezone.now()
    for start in range(0, len(numbers), _BATCH):
        chunk = numbers[start : start + _BATCH]
        Staff.objects.filter(employee_number__in=chunk).update(
            is_active=False, left_on=today, updated_at=now
        )
        accounts = User.objects.filter(staff__employee_number__in=chunk, is_active=True)
        ids = list(
            accounts.exclude(pk=spare).exclude(role=Role.AUDITOR).values_list("pk", flat=True)
        )
        User.objects.filter(pk__in=ids).update(is_active=False)
        switched_off += ids
    return sorted(switched_off)


def _staff_from(r: StaffRecord, d: Directory, today) -> Staff:
    return Staff(
        employee_number=r.employee_number,
        family_name=r.family_name,
        given_name=r.given_name,
        family_name_kana=r.family_name_kana,
        given_name_kana=r.given_name_kana,
        department_id=d.departments[r.department],
        section_id=d.sections[r.section][0] if r.section else None,
        site_id=d.sites[r.site],
        position_id=d.positions[r.position][0],
        work_email=r.work_email,
        work_phone=r.work_phone,
        callup_level_id=int(r.callup_level) if r.callup_level else None,
        callup_site_id=d.sites[r.callup_site] if r.callup_site else None,
        callup_team_id=d.teams[r.callup_team] if r.callup_team else None,
        line_works_id=r.line_works_id,
        is_active=True,
        left_on=None,
        updated_at=timezone.now(),
    )


def _update_changed_fields(changed: dict[int, Staff]) -> None:
    """Write only the columns that differ, one UPDATE per (column, new value).

    An April import moves hundreds of people to a few dozen sections and sites, so this
    is a few dozen statements; Django's bulk_update would build a CASE branch for every
    person and every column (about 5 s for 1,000 people, against 0.1 s this way).
    """
    groups: dict[tuple[str, object], list[int]] = {}
    pks = list(changed)
    for start in range(0, len(pks), _BATCH):
        chunk = pks[start : start + _BATCH]
        for current in Staff.objects.filter(pk__in=chunk).values("pk", *_STAFF_FIELDS):
            new = changed[current["pk"]]
            for field in _STAFF_FIELDS:
                if getattr(new, field) != current[field]:
                    groups.setdefault((field, getattr(new, field)), []).append(current["pk"])
    now = timezone.now()
    for (field, value), group in groups.items():
        for start in range(0, len(group), _BATCH):
            Staff.objects.filter(pk__in=group[start : start + _BATCH]).update(
                **{field: value, "updated_at": now}
            )


def _replace_memberships(records, ids, d: Directory):
    staff_ids = list(ids.values())
    Titles, Bodies = Staff.titles.through, Staff.bodies.through
    for start in range(0, len(staff_ids), _BATCH):
        chunk = staff_ids[start : start + _BATCH]
        Titles.objects.filter(staff_id__in=chunk).delete()
        Bodies.objects.filter(staff_id__in=chunk).delete()
    Titles.objects.bulk_create(
        [
            Titles(staff_id=ids[r.employee_number], title_id=d.titles[c])
            for r in records
            for c in r.titles
        ],
        batch_size=_BATCH,
    )
    Bodies.objects.bulk_create(
        [
            Bodies(staff_id=ids[r.employee_number], body_id=d.bodies[c])
            for r in records
            for c in r.bodies
        ],
        batch_size=_BATCH,
    )


def _replace_personal_contacts(records, ids):
    PersonalContact.objects.bulk_create(
        [
            PersonalContact(
                staff_id=ids[r.employee_number], mobile=r.personal_mobile, email=r.personal_email
            )
            for r in records
        ],
        update_conflicts=True,
        unique_fields=["staff"],
        update_fields=["mobile", "email"],
        batch_size=_BATCH,
    )
