"""Reading an HR CSV: decode, validate every row against the directory, and say what
would change. Nothing here writes; `directory.actions.apply_import` does, all or nothing."""

import csv
import io
import re
from dataclasses import dataclass, field, fields

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .csvformat import HEADER_TO_KEY, MULTI_SEPARATOR, PERSONAL, REQUIRED, StaffRecord
from .models import Body, Department, Position, Rank, Section, Site, Staff, Title
from .text import is_kana, is_valid_phone, normalize_kana, normalize_name, normalize_phone

_EMPLOYEE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,20}$")
_COMPARED = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "department",
    "section",
    "site",
    "position",
    "titles",
    "bodies",
    "work_email",
    "work_phone",
    "personal_mobile",
    "personal_email",
)


class UnreadableFile(Exception):
    """The file as a whole cannot be read (encoding, header). `errors` lists why."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self):
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


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
    left: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

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
            "left": len(self.left),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


def decode(data: bytes, encoding: str = "utf-8") -> str:
    """The file's text. UTF-8 may start with a BOM (Excel writes one)."""
    codec = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except LookupError as exc:
        raise UnreadableFile([_("unknown encoding: %s") % encoding]) from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = (
            _(" (HR exports are often CP932: try --encoding cp932)") if codec == "utf-8-sig" else ""
        )
        raise UnreadableFile(
            [
                _("line %(line)d: not valid %(encoding)s%(hint)s")
                % {"line": line, "encoding": encoding, "hint": hint}
            ]
        ) from exc


def read_records(text: str) -> tuple[list[StaffRecord], frozenset[str], list[RowError]]:
    """Parse the CSV into records, normalising names, kana and phone numbers."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile([_("the file is empty")]) from None
    keys = [HEADER_TO_KEY.get(name.strip()) for name in header]
    unknown = [name for name, key in zip(header, keys, strict=True) if key is None and name.strip()]
    missing = sorted(REQUIRED - set(keys))
    problems = []
    if unknown:
        problems.append(_("line 1: unknown columns: %s") % ", ".join(unknown))
    if missing:
        problems.append(_("line 1: missing columns: %s") % ", ".join(missing))
    if problems:
        raise UnreadableFile(problems)

    records, errors = [], []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
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
        values = {key: cell.strip() for key, cell in zip(keys, row, strict=True) if key}
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
        line=line,
    )


class Directory:
    """The directory's codes, loaded once, for validating and diffing a whole file."""

    def __init__(self):
        self.departments = dict(Department.objects.values_list("code", "pk"))
        self.department_body = dict(Department.objects.values_list("code", "body__code"))
        self.sections = {
            code: (pk, dept)
            for code, pk, dept in Section.objects.values_list("code", "pk", "department__code")
        }
        self.sites = dict(Site.objects.values_list("code", "pk"))
        self.positions = {
            code: (pk, rank)
            for code, pk, rank in Position.objects.values_list("code", "pk", "rank")
        }
        self.titles = dict(Title.objects.values_list("code", "pk"))
        self.bodies = dict(Body.objects.values_list("code", "pk"))

    def rank_of(self, position_code: str) -> int | None:
        return self.positions.get(position_code, (None, None))[1]


def validate(records: list[StaffRecord], directory: Directory) -> list[RowError]:
    """Every problem in every row, so HR can fix the whole file in one go."""
    errors = []
    first_line_of = {}
    for r in records:
        for message in _row_problems(r, directory):
            errors.append(RowError(r.line, message))
        if r.employee_number in first_line_of:
            errors.append(
                RowError(
                    r.line,
                    _("employee number %(number)s is also on line %(other)d")
                    % {"number": r.employee_number, "other": first_line_of[r.employee_number]},
                )
            )
        else:
            first_line_of[r.employee_number] = r.line
    return errors


def _row_problems(r: StaffRecord, d: Directory):
    if not _EMPLOYEE_NUMBER.match(r.employee_number):
        yield _("employee number %r is missing or malformed") % r.employee_number
    if not r.family_name or not r.given_name:
        yield _("the name is missing")
    if not r.family_name_kana or not r.given_name_kana:
        yield _("the kana reading is missing")
    elif not (is_kana(r.family_name_kana) and is_kana(r.given_name_kana)):
        yield _("the kana reading must be kana: %s") % f"{r.family_name_kana} {r.given_name_kana}"
    if r.department not in d.departments:
        yield _("unknown department code %r") % r.department
    if r.section:
        if r.section not in d.sections:
            yield _("unknown section code %r") % r.section
        elif r.department in d.departments and d.sections[r.section][1] != r.department:
            yield _("section %(section)s is not in department %(department)s") % {
                "section": r.section,
                "department": r.department,
            }
    if r.site not in d.sites:
        yield _("unknown site code %r") % r.site
    if r.position not in d.positions:
        yield _("unknown position code %r") % r.position
    for code in r.titles:
        if code not in d.titles:
            yield _("unknown title code %r") % code
    for code in r.bodies:
        if code not in d.bodies:
            yield _("unknown body code %r") % code
    for label, value in (
        (_("work e-mail"), r.work_email),
        (_("personal e-mail"), r.personal_email),
    ):
        if value:
            try:
                validate_email(value)
            except ValidationError:
                yield _("malformed %(label)s %(value)r") % {"label": label, "value": value}
    for label, value in (
        (_("work phone"), r.work_phone),
        (_("personal mobile"), r.personal_mobile),
    ):
        if value and not is_valid_phone(value):
            yield _("malformed %(label)s %(value)r") % {"label": label, "value": value}


def current_records() -> dict[str, tuple[StaffRecord, bool]]:
    """Every member of staff as a record, with whether they are active, by employee number.
    A fixed number of queries, however many people there are."""
    titles, bodies = {}, {}
    for staff_id, code in Staff.titles.through.objects.values_list("staff_id", "title__code"):
        titles.setdefault(staff_id, []).append(code)
    for staff_id, code in Staff.bodies.through.objects.values_list("staff_id", "body__code"):
        bodies.setdefault(staff_id, []).append(code)
    rows = Staff.objects.values_list(
        "pk",
        "employee_number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "department__code",
        "section__code",
        "site__code",
        "position__code",
        "work_email",
        "work_phone",
        "personal_contact__mobile",
        "personal_contact__email",
        "is_active",
    )
    out = {}
    for (
        pk,
        number,
        fam,
        giv,
        fam_k,
        giv_k,
        dept,
        sect,
        site,
        pos,
        w_email,
        w_phone,
        p_mobile,
        p_email,
        active,
    ) in rows.iterator(chunk_size=5000):
        out[number] = (
            StaffRecord(
                number,
                fam,
                giv,
                fam_k,
                giv_k,
                dept,
                sect or "",
                site,
                pos,
                tuple(sorted(titles.get(pk, ()))),
                tuple(sorted(bodies.get(pk, ()))),
                w_email,
                w_phone,
                p_mobile or "",
                p_email or "",
            ),
            active,
        )
    return out


def effective(
    record: StaffRecord, columns: frozenset[str], directory: Directory, current: StaffRecord | None
) -> StaffRecord:
    """The record as it will be stored: absent optional columns keep the current values,
    and no bodies means the department's body."""
    values = {f.name: getattr(record, f.name) for f in fields(StaffRecord)}
    for key in _COMPARED:
        if key not in columns and key not in REQUIRED:
            values[key] = getattr(current, key) if current else type(values[key])()
    if not values["bodies"]:
        values["bodies"] = (directory.department_body.get(record.department, ""),)
    return StaffRecord(**values)


def plan_import(data: bytes, encoding: str = "utf-8") -> ImportPlan:
    """Read, validate and diff a file against the directory. Raises UnreadableFile when the
    file cannot be read at all; row problems are in `plan.errors`."""
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
        changed = [key for key in _COMPARED if getattr(current, key) != getattr(record, key)]
        if not active:
            plan.rejoined.append(record.employee_number)
        if {"department", "section", "site"} & set(changed):
            plan.moved.append(record.employee_number)
        if "position" in changed:
            plan.position_changed.append(record.employee_number)
            if becomes_director and directory.rank_of(current.position) != Rank.DIRECTOR:
                plan.new_directors.append(record.employee_number)
        if changed and not ({"department", "section", "site", "position"} & set(changed)):
            plan.updated.append(record.employee_number)
        if not changed and active:
            plan.unchanged += 1
    plan.left = sorted(n for n, (_r, active) in existing.items() if active and n not in seen)
    return plan
