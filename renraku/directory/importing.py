"""Reading an HR CSV: decode, read its rows, validate every row against the directory
(import_checks.py), and say what would change (against the records of import_diff.py).
Nothing here writes; `directory.actions.apply_import` does, all or nothing.

A file that would make more than RENRAKU_IMPORT_MAX_LEAVERS_PERCENT of active staff leave
is almost always a truncated or wrong export (a header-only file deactivates everyone), so
it needs an explicit confirmation; accounts an import switched off come back when a later
import brings their people back within RESTORE_DAYS.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from renraku import csvsafe
from renraku.audit.models import AuditEntry
from renraku.csvsafe import restore
from renraku.parsing import ascii_int

from .csvformat import CALLUP, HEADER_TO_KEY, MULTI_SEPARATOR, PERSONAL, REQUIRED, StaffRecord
from .import_checks import Directory, RowError, validate
from .import_diff import COMPARED, current_records, effective
from .models import Rank, Staff
from .text import normalize_kana, normalize_line_works_id, normalize_name, normalize_phone

IMPORTED = "directory.imported"  # the audit action, whose detail lists accounts switched off
# Long enough to notice a wrong file after a holiday; short enough that someone who really
# left and rejoins later keeps their account off until an administrator turns it on.
RESTORE_DAYS = 30
# Pages and terminals show this many problems; a wrong file can have hundreds of thousands.
SHOWN_ERRORS = 100


class UnreadableFile(Exception):
    """The file as a whole cannot be read (encoding, header). `errors` lists why."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


class MassLeaveNotConfirmed(ValueError):
    """Applying a plan in which too many people leave, without the confirmation."""


@dataclass
class ImportPlan:
    """What applying a file would do. Lists hold employee numbers."""

    records: list[StaffRecord]
    columns: frozenset[str]
    errors: list[RowError] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    rejoined: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    position_changed: list[str] = field(default_factory=list)
    new_directors: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # Staff already in the directory whose call-up (level, post, team) changes.
    callup_changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    unchanged: int = 0
    active_before: int = 0
    # The importing administrator's own record, missing from the file but kept active.
    kept: str = ""
    # People coming back whose accounts a recent import switched off: switched on again.
    restored_accounts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def max_leavers_percent(self) -> int:
        return settings.IMPORT_MAX_LEAVERS_PERCENT

    @property
    def too_many_leave(self) -> bool:
        """More people would leave than the limit allows without a confirmation."""
        return len(self.left) * 100 > self.active_before * self.max_leavers_percent

    def mass_leave_warning(self) -> str:
        """What is wrong and how to undo it; the door adds how to confirm."""
        return _(
            "This file would deactivate %(left)d of %(active)d active staff and their "
            "accounts, more than the limit of %(limit)d%% (RENRAKU_IMPORT_MAX_LEAVERS_PERCENT). "
            "Check that the file is complete. If it is applied by mistake, import the full "
            "file again within %(days)d days: the accounts come back."
        ) % {
            "left": len(self.left),
            "active": self.active_before,
            "limit": self.max_leavers_percent,
            "days": RESTORE_DAYS,
        }

    def kept_warning(self, name: str) -> str:
        return _(
            "Your own record (%(number)s %(name)s) is not in this file. It stays active, "
            "and so does your account: an import never switches off the person applying it."
        ) % {"number": self.kept, "name": name}

    @property
    def has_personal_columns(self) -> bool:
        return bool(self.columns & PERSONAL)

    def counts(self) -> dict:
        return {
            "rows": len(self.records),
            "joined": len(self.joined),
            "rejoined": len(self.rejoined),
            "moved": len(self.moved),
            "position_changed": len(self.position_changed),
            "new_directors": len(self.new_directors),
            "updated": len(self.updated),
            "callup_changed": len(self.callup_changed),
            "left": len(self.left),
            "unchanged": self.unchanged,
            "accounts_restored": len(self.restored_accounts),
            "errors": len(self.errors),
        }


def shown_errors(errors: list) -> tuple[list[str], int]:
    """The first SHOWN_ERRORS problems as text, and how many more there are."""
    return [str(e) for e in errors[:SHOWN_ERRORS]], max(0, len(errors) - SHOWN_ERRORS)


def more_errors_line(count: int) -> str:
    return ngettext("… and %(count)s more problem", "… and %(count)s more problems", count) % {
        "count": f"{count:,}"
    }


def decode(data: bytes, encoding: str = csvsafe.AUTO) -> str:
    """The file's text, read as every CSV from outside is (csvsafe.decode: by default UTF-8
    with or without a BOM, else CP932)."""
    try:
        return csvsafe.decode(data, encoding)
    except LookupError as exc:
        raise UnreadableFile([_("unknown encoding: %s") % encoding]) from exc
    except csvsafe.Undecodable as exc:
        utf8 = encoding.replace("_", "-").lower() in ("utf-8", "utf8")
        hint = _(" (HR exports are often CP932: try --encoding cp932)") if utf8 else ""
        raise UnreadableFile(
            [
                _("line %(line)d: not valid %(encoding)s%(hint)s")
                % {"line": exc.line, "encoding": exc.encoding, "hint": hint}
            ]
        ) from exc


def read_records(text: str) -> tuple[list[StaffRecord], frozenset[str], list[RowError]]:
    """Parse the CSV into records, normalising names, kana and phone numbers."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile([_("the file is empty")]) from None
    except csv.Error as exc:
        raise UnreadableFile([str(RowError(reader.line_num, csvsafe.read_problem(exc)))]) from None
    keys = [HEADER_TO_KEY.get(name.strip()) for name in header]
    problems = csvsafe.column_problems(header, keys, sorted(REQUIRED))
    if problems:
        raise UnreadableFile(problems)

    records, errors = [], []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the reader carries on with the next line
            errors.append(RowError(reader.line_num, csvsafe.read_problem(exc)))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if any("\x00" in cell for cell in row):
            # PostgreSQL cannot store NUL in text: the apply would fail halfway.
            errors.append(RowError(line, _("contains a NUL character")))
            continue
        if len(row) != len(keys):
            errors.append(
                RowError(
                    line,
                    _("%(got)d fields where the header has %(want)d")
                    % {"got": len(row), "want": len(keys)},
                )
            )
            continue
        # restore: an export quotes cells that a spreadsheet would run as formulas.
        values = {key: restore(cell.strip()) for key, cell in zip(keys, row, strict=True) if key}
        records.append(_record_from(values, line))
    return records, frozenset(k for k in keys if k), errors


def _record_from(values: dict, line: int) -> StaffRecord:
    def codes(key):
        return tuple(sorted({c.strip() for c in values.get(key, "").split(MULTI_SEPARATOR)} - {""}))

    return StaffRecord(
        employee_number=normalize_name(values["employee_number"]),
        family_name=normalize_name(values["family_name"]),
        given_name=normalize_name(values["given_name"]),
        family_name_kana=normalize_kana(values["family_name_kana"]),
        given_name_kana=normalize_kana(values["given_name_kana"]),
        department=values["department"],
        section=values.get("section", ""),
        site=values["site"],
        position=values["position"],
        titles=codes("titles"),
        bodies=codes("bodies"),
        work_email=values.get("work_email", ""),
        work_phone=normalize_phone(values.get("work_phone", "")),
        personal_mobile=normalize_phone(values.get("personal_mobile", "")),
        personal_email=values.get("personal_email", ""),
        callup_level=_level_number(values.get("callup_level", "")),
        callup_site=values.get("callup_site", ""),
        callup_team=values.get("callup_team", ""),
        line_works_id=normalize_line_works_id(values.get("line_works_id", "")),
        line=line,
    )


def _level_number(cell: str) -> str:
    """A level as the directory writes it ("03" is "3"); anything else is kept for the
    row error that names it."""
    number = ascii_int(cell)
    return cell if number is None else str(number)


def plan_import(data: bytes, encoding: str = csvsafe.AUTO, *, actor=None) -> ImportPlan:
    """Read, validate and diff a file against the directory. Raises UnreadableFile when the
    file cannot be read at all; row problems are in `plan.errors`. `actor`, the
    administrator applying it, is never among those who leave."""
    records, columns, errors = read_records(decode(data, encoding))
    directory = Directory()
    plan = ImportPlan(records=records, columns=columns, errors=errors)
    plan.errors += validate(records, directory)
    plan.errors.sort(key=lambda e: e.line)
    if plan.errors:
        return plan
    existing = current_records()
    seen = set()
    for i, record in enumerate(records):
        current, active = existing.get(record.employee_number, (None, False))
        record = records[i] = effective(record, columns, directory, current)
        seen.add(record.employee_number)
        becomes_director = directory.rank_of(record.position) == Rank.DIRECTOR
        if current is None:
            plan.joined.append(record.employee_number)
            if becomes_director:
                plan.new_directors.append(record.employee_number)
            continue
        changed = [key for key in COMPARED if getattr(current, key) != getattr(record, key)]
        if not active:
            plan.rejoined.append(record.employee_number)
        if {"department", "section", "site"} & set(changed):
            plan.moved.append(record.employee_number)
        if CALLUP & set(changed):
            plan.callup_changed.append(record.employee_number)
        if "position" in changed:
            plan.position_changed.append(record.employee_number)
            if becomes_director and directory.rank_of(current.position) != Rank.DIRECTOR:
                plan.new_directors.append(record.employee_number)
        if changed and not ({"department", "section", "site", "position"} & set(changed)):
            plan.updated.append(record.employee_number)
        if not changed and active:
            plan.unchanged += 1
    plan.left = sorted(n for n, (_r, active) in existing.items() if active and n not in seen)
    plan.active_before = sum(1 for _r, active in existing.values() if active)
    plan.restored_accounts = sorted(accounts_to_restore(plan.rejoined))
    keep_actors_record(plan, actor)
    return plan


def keep_actors_record(plan: ImportPlan, actor) -> None:
    """Take the administrator applying the file out of those who leave: an import that
    switched off its own administrator would leave nobody able to undo it."""
    number = getattr(getattr(actor, "staff", None), "employee_number", None)
    if number and number in plan.left:
        plan.left.remove(number)
        plan.kept = number


def accounts_to_restore(numbers: list[str]) -> dict[str, int]:
    """Of the people coming back (employee numbers), those whose account an import switched
    off in the last RESTORE_DAYS days and that is still off: employee number → account id.

    Imports list the accounts they switch off and on in their audit entries; an account is
    restorable when the latest of those recent entries that names it switched it off.
    Older departures keep their accounts off until an administrator turns them on.
    """
    if not numbers:
        return {}
    since = timezone.now() - dt.timedelta(days=RESTORE_DAYS)
    switched_off = set()
    entries = AuditEntry.objects.filter(action=IMPORTED, at__gte=since).order_by("seq")
    for detail in entries.values_list("detail", flat=True).iterator():
        switched_off.update(detail.get("accounts_deactivated", ()))
        switched_off.difference_update(detail.get("accounts_restored", ()))
    if not switched_off:
        return {}
    wanted = set(numbers)
    off = Staff.objects.filter(account__is_active=False).values_list(
        "employee_number", "account__pk"
    )
    return {n: pk for n, pk in off.iterator() if n in wanted and pk in switched_off}
