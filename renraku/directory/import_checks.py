"""Checking every row of an HR file against the directory, so HR can fix the whole file in
one go: codes that exist, lengths that fit, names, kana, e-mail addresses and phone numbers
well formed, each employee number once. Reading the rows is importing.py's."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from renraku.parsing import ascii_int

from .csvformat import StaffRecord
from .models import (
    Body,
    Department,
    DeploymentLevel,
    PersonalContact,
    Position,
    Section,
    Site,
    Staff,
    Team,
    Title,
)
from .text import is_kana, is_valid_line_works_id, is_valid_phone

_EMPLOYEE_NUMBER = re.compile(r"[0-9A-Za-z-]{1,20}")
# The database refuses longer values (PostgreSQL with an error in the middle of applying,
# SQLite not at all), so they are row errors, measured after normalising as stored.
_MAX_LENGTH = {
    **{
        key: Staff._meta.get_field(key)
        for key in (
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "work_email",
            "work_phone",
        )
    },
    "personal_mobile": PersonalContact._meta.get_field("mobile"),
    "personal_email": PersonalContact._meta.get_field("email"),
    "line_works_id": Staff._meta.get_field("line_works_id"),
}


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self):
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


def _cut(value: str) -> str:
    """A value quoted in a message, cut short: a wrong file can hold 100,000-character cells."""
    return value if len(value) <= 40 else value[:40] + "…"


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
        self.levels = set(DeploymentLevel.objects.values_list("number", flat=True))
        self.teams = dict(Team.objects.values_list("code", "pk"))

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
    if not _EMPLOYEE_NUMBER.fullmatch(r.employee_number):
        yield _("employee number %r is missing or malformed") % _cut(r.employee_number)
    too_long = set()
    for key, model_field in _MAX_LENGTH.items():
        length = len(getattr(r, key))
        if length > model_field.max_length:
            too_long.add(key)
            yield _("%(field)s is %(length)s characters long; at most %(max)d fit") % {
                "field": model_field.verbose_name,
                "length": f"{length:,}",
                "max": model_field.max_length,
            }
    if not r.family_name or not r.given_name:
        yield _("the name is missing")
    if not r.family_name_kana or not r.given_name_kana:
        yield _("the kana reading is missing")
    elif not (is_kana(r.family_name_kana) and is_kana(r.given_name_kana)):
        yield _("the kana reading must be kana: %s") % (
            f"{r.family_name_kana[:40]} {r.given_name_kana[:40]}"
        )
    if r.department not in d.departments:
        yield _("unknown department code %r") % _cut(r.department)
    if r.section:
        if r.section not in d.sections:
            yield _("unknown section code %r") % _cut(r.section)
        elif r.department in d.departments and d.sections[r.section][1] != r.department:
            yield _("section %(section)s is not in department %(department)s") % {
                "section": r.section,
                "department": r.department,
            }
    if r.site not in d.sites:
        yield _("unknown site code %r") % _cut(r.site)
    if r.position not in d.positions:
        yield _("unknown position code %r") % _cut(r.position)
    for code in r.titles:
        if code not in d.titles:
            yield _("unknown title code %r") % _cut(code)
    for code in r.bodies:
        if code not in d.bodies:
            yield _("unknown body code %r") % _cut(code)
    yield from _callup_problems(r, d)
    for key, label, value in (
        ("work_email", _("work e-mail"), r.work_email),
        ("personal_email", _("personal e-mail"), r.personal_email),
    ):
        if value and key not in too_long:
            try:
                validate_email(value)
            except ValidationError:
                yield _("malformed %(label)s %(value)r") % {"label": label, "value": _cut(value)}
    for key, label, value in (
        ("work_phone", _("work phone"), r.work_phone),
        ("personal_mobile", _("personal mobile"), r.personal_mobile),
    ):
        if value and key not in too_long and not is_valid_phone(value):
            yield _("malformed %(label)s %(value)r") % {"label": label, "value": _cut(value)}
    value = r.line_works_id
    if value and "line_works_id" not in too_long and not is_valid_line_works_id(value):
        yield _("malformed LINE WORKS ID %r (letters, digits and . _ @ + - only)") % _cut(value)


def _callup_problems(r: StaffRecord, d: Directory):
    """参集区分, 参集場所コード and 活動班: a level number and codes the directory knows."""
    if r.callup_level and ascii_int(r.callup_level) not in d.levels:
        yield _("unknown call-up level %(value)r (the levels are %(levels)s)") % {
            "value": _cut(r.callup_level),
            "levels": ", ".join(map(str, sorted(d.levels))) or "—",
        }
    if r.callup_site and r.callup_site not in d.sites:
        yield _("unknown call-up site code %r") % _cut(r.callup_site)
    if r.callup_team and r.callup_team not in d.teams:
        yield _("unknown team code %r") % _cut(r.callup_team)
