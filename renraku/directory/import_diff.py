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
)


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
        "callup_level",
        "callup_site__code",
        "callup_team__code",
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
        c_level,
        c_site,
        c_team,
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
                "" if c_level is None else str(c_level),
                c_site or "",
                c_team or "",
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
    for key in COMPARED:
        if key not in columns and key not in REQUIRED:
            values[key] = getattr(current, key) if current else type(values[key])()
    if not values["bodies"]:
        values["bodies"] = (directory.department_body.get(record.department, ""),)
    return StaffRecord(**values)
