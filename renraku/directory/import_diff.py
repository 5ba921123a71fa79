"""What an HR file is compared with: every member of staff as a record, and a row of the
file as it will be stored. plan_import (importing.py) says what changes between them."""

from dataclasses import fields

from .csvformat import REQUIRED, StaffRecord
from .import_checks import Directory
from .models import Staff

COMPARED = (
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
    "callup_level",
    "callup_site",
    "callup_team",
    "line_works_id",
)


# Each field of a record read from the database: the column it comes from.
_COLUMNS = {
    "employee_number": "employee_number",
    "family_name": "family_name",
    "given_name": "given_name",
    "family_name_kana": "family_name_kana",
    "given_name_kana": "given_name_kana",
    "department": "department__code",
    "section": "section__code",
    "site": "site__code",
    "position": "position__code",
    "work_email": "work_email",
    "work_phone": "work_phone",
    "personal_mobile": "personal_contact__mobile",
    "personal_email": "personal_contact__email",
    "callup_level": "callup_level",
    "callup_site": "callup_site__code",
    "callup_team": "callup_team__code",
    "line_works_id": "line_works_id",
}


def current_records() -> dict[str, tuple[StaffRecord, bool]]:
    """Every member of staff as a record, with whether they are active, by employee number.
    A fixed number of queries, however many people there are."""
    titles, bodies = {}, {}
    for staff_id, code in Staff.titles.through.objects.values_list("staff_id", "title__code"):
        titles.setdefault(staff_id, []).append(code)
    for staff_id, code in Staff.bodies.through.objects.values_list("staff_id", "body__code"):
        bodies.setdefault(staff_id, []).append(code)
    out = {}
    rows = Staff.objects.values("pk", "is_active", *_COLUMNS.values())
    for row in rows.iterator(chunk_size=5000):
        # A missing section, contact or call-up is "" in a record, as in the file.
        values = {f: "" if row[c] is None else str(row[c]) for f, c in _COLUMNS.items()}
        values["titles"] = tuple(sorted(titles.get(row["pk"], ())))
        values["bodies"] = tuple(sorted(bodies.get(row["pk"], ())))
        out[values["employee_number"]] = (StaffRecord(**values), row["is_active"])
    return out


def effective(
    record: StaffRecord, columns: frozenset[str], directory: Directory, current: StaffRecord | None
) -> StaffRecord:
    """The record as it will be stored: absent optional columns keep the current values,
    and no bodies means the department's body."""
    values = {f.name: getattr(record, f.name) for f in fields(StaffRecord)}
    for key in COMPARED:
        if key not in columns and key not in REQUIRED:
            values[key] = getattr(current, key) if current else type(values[key])()
    if not values["bodies"]:
        values["bodies"] = (directory.department_body.get(record.department, ""),)
    return StaffRecord(**values)
