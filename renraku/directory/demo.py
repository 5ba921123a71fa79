"""The demo ward's directory (`renraku seed-demo`, renraku.demo), the same every time.

The organisation is written straight to the database; the 10,000 people go through the same
HR import every real file goes through (built as a CSV in memory), so the demo exercises
the path production uses, and a second run finds nothing to change.
"""

import csv
import io
import random

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.accounts.models import Role, User

from . import demo_org as org
from . import demo_sites
from .actions import apply_import
from .csvformat import COLUMNS, MULTI_SEPARATOR
from .demo_callup import assign_callup, seed_levels, seed_minimums, seed_site_leads, seed_teams
from .importing import plan_import
from .models import Body, Department, Domain, Position, Rank, Section, Site, Staff, Title

STAFF_COUNT = 10_000
DEMO_PASSWORD = "renraku-demo"  # noqa: S105  (the demo's published password, see README)
# The demo's authenticator secret (base32 JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP), published in the
# README so that anyone trying the demo can sign in as a sender or administrator.
DEMO_TOTP_KEY = "48656c6c6f21deadbeef48656c6c6f21deadbeef"
DEMO_DEVICE_NAME = "demo"
MAIL_DOMAIN = "city.setagaya.example"

# (role, employee number, e-mail local part, department, section index, position)
DEMO_ACCOUNTS = [
    (Role.STAFF, "900001", "demo.staff", "SOM", 0, "STF"),
    (Role.SENDER, "900002", "demo.sender", "KIK", 0, "CHF"),
    (Role.DEPARTMENT_ADMIN, "900003", "demo.deptadmin", "SOM", 2, "CHF"),
    (Role.ADMINISTRATOR, "900004", "demo.admin", "DX", 1, "CHF"),
    (Role.AUDITOR, "900005", "demo.auditor", "KAN", 0, "CHF"),
]

# How many of the ward's people each kind of department employs, relative to the others.
_WEIGHT = {
    "head": 1.0,
    "branch": 4.0,
    "nursery": 16.0,
    "school": 5.0,
    "works": 4.0,
    "children": 4.0,
    "health": 3.0,
    "library": 3.0,
}
_SITE_KIND = {
    "branch": "community_center",
    "nursery": "nursery",
    "school": "school",
    "works": "works_office",
    "children": "children_center",
    "health": "health_center",
    "library": "library",
}
_DIRECTOR_DEPUTIES = [
    "HOI",
    "BSE",
    "BKI",
    "BTA",
    "BKN",
    "BKR",
    "GAK",
    "KIK",
    "HOK",
    "KOD",
    "SOM",
    "DOB",
    "DX",
]


@transaction.atomic
def seed_directory_demo(progress: bool = False, staff: int = STAFF_COUNT) -> dict:
    """Create or bring back the demo ward's organisation, people and accounts (the rest of
    the ward is seeded by renraku.demo). Returns the import's counts."""
    sites_by_kind = seed_organisation()
    records = demo_people(random.Random(2026), sites_by_kind, staff)
    plan = plan_import(as_csv(records))
    if not plan.ok:  # a bug in this module, not bad input: say so loudly
        raise RuntimeError("demo data does not validate: " + "; ".join(map(str, plan.errors[:5])))
    counts = apply_import(plan, source="seed-demo", progress=progress)
    seed_minimums(records)
    seed_site_leads()
    _seed_oversight()
    _seed_accounts()
    return counts


def seed_organisation() -> dict[str, list[str]]:
    for code, name in org.BODIES:
        Body.objects.update_or_create(code=code, defaults={"name": name})
    for order, (code, name) in enumerate(org.DOMAINS):
        Domain.objects.update_or_create(code=code, defaults={"name": name, "order": order})
    domains = {d.code: d for d in Domain.objects.all()}
    bodies = {b.code: b for b in Body.objects.all()}
    for order, (domain, code, name, body, sections, _kind) in enumerate(org.DEPARTMENTS):
        dept, _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "domain": domains[domain],
                "body": bodies[body],
                "order": order,
            },
        )
        for i, section in enumerate(sections):
            Section.objects.update_or_create(
                code=f"{code}-{i + 1:02d}", defaults={"name": section, "department": dept}
            )
    for code, name, rank in org.POSITIONS:
        Position.objects.update_or_create(code=code, defaults={"name": name, "rank": rank})
    for code, name in org.TITLES:
        Title.objects.update_or_create(code=code, defaults={"name": name})
    seed_levels()  # the HR file names them, like the codes above
    seed_teams()
    sites_by_kind: dict[str, list[str]] = {}
    addresses = demo_sites.addresses(org.planned_sites())  # the answer page's map link
    for code, name, kind, _place in org.planned_sites():
        Site.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "address": addresses[code]}
        )
        sites_by_kind.setdefault(kind, []).append(code)
    return sites_by_kind


def demo_people(
    rng: random.Random, sites: dict[str, list[str]], staff: int = STAFF_COUNT
) -> list[dict]:
    """10,000 people: the mayor, 3 deputy mayors, 50 directors, a manager per section,
    chiefs, and staff spread over the departments by how many people each really needs."""
    head = sites["head_office"][0]
    people = []
    serial = iter(range(100001, 200000))

    def person(dept, section, site, position, titles=(), number=None):
        family, family_kana = rng.choice(org.FAMILY_NAMES)
        given, given_kana = rng.choice(org.GIVEN_NAMES)
        number = number or str(next(serial))
        people.append(
            {
                "employee_number": number,
                "family_name": family,
                "given_name": given,
                "family_name_kana": family_kana,
                "given_name_kana": given_kana,
                "department": dept,
                "section": section,
                "site": site,
                "position": position,
                "titles": MULTI_SEPARATOR.join(titles),
                "bodies": "",
                "work_email": f"s{number}@{MAIL_DOMAIN}",
                "work_phone": f"03-5432-{rng.randrange(1000, 9999)}",
                "personal_mobile": (
                    f"0{rng.choice('789')}0-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}"
                    if rng.random() < 0.8
                    else ""
                ),
                "personal_email": f"m{number}@mail.example" if rng.random() < 0.3 else "",
            }
        )

    def site_for(kind, branch_index):
        if kind == "branch":
            return (
                sites["branch_office"][branch_index]
                if rng.random() < 0.6
                else rng.choice(sites["community_center"])
            )
        if kind in _SITE_KIND and rng.random() < 0.8:
            return rng.choice(sites[_SITE_KIND[kind]])
        return head

    person("SEI", "", head, "MAYOR")
    person("SEI", "", head, "DEPUTY", titles=("CDO", "CIO", "CISO", "DUTY"))
    person("SEI", "", head, "DEPUTY", titles=("DUTY",))
    person("SEI", "", head, "DEPUTY", titles=("DUTY",))
    branch_of = {code: i for i, code in enumerate(["BSE", "BKI", "BTA", "BKN", "BKR"])}
    for _domain, dept, *_rest in org.DEPARTMENTS:
        duty = ("DUTY",) if dept in ("KIK", "SOM", "SEI", "DX") else ()
        person(dept, "", head, "DIR", titles=duty)
    for dept in _DIRECTOR_DEPUTIES:
        person(dept, "", head, "DIR2")
    for _domain, dept, _name, _body, sections, kind in org.DEPARTMENTS:
        for i, _section in enumerate(sections):
            section = f"{dept}-{i + 1:02d}"
            person(
                dept,
                section,
                head if kind != "branch" else sites["branch_office"][branch_of[dept]],
                "MGR",
            )
    for role, number, local, dept, section_index, position in DEMO_ACCOUNTS:
        person(dept, f"{dept}-{section_index + 1:02d}", head, position, number=number)
        people[-1]["work_email"] = f"{local}@{MAIL_DOMAIN}"
        if role == Role.ADMINISTRATOR:
            people[-1]["titles"] = "CSIRT"
    weights = [_WEIGHT[d[5]] for d in org.DEPARTMENTS]
    while len(people) < staff:
        _domain, dept, _name, _body, sections, kind = rng.choices(org.DEPARTMENTS, weights)[0]
        section = f"{dept}-{rng.randrange(len(sections)) + 1:02d}"
        is_chief = rng.random() < 0.12
        if is_chief:
            position = rng.choice(["CHF", "CHF2"])
        elif kind == "nursery":
            position = "NUR"
        else:
            position = rng.choice(["STF", "STF", "SNR", "TEC"])
        titles = ("DUTY",) if dept == "KIK" and rng.random() < 0.3 else ()
        if dept == "DX" and section.endswith("-03"):
            titles = ("CSIRT",)
        person(dept, section, site_for(kind, branch_of.get(dept, 0)), position, titles=titles)
    assign_callup(rng, people)
    return people


def as_csv(people: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _key, header in COLUMNS])
    for p in people:
        writer.writerow([p.get(key, "") for key, _header in COLUMNS])
    return out.getvalue().encode()


def _seed_oversight():
    """Which deputy mayor oversees which domain: the first (CIO/CISO/CDO) takes two."""
    deputies = list(Staff.objects.filter(position__code="DEPUTY").order_by("employee_number"))
    for domain, deputy in zip(["KS", "KM", "HF", "TS", "BK"], deputies + deputies, strict=False):
        Domain.objects.filter(code=domain).update(overseen_by=deputy)


def _seed_accounts():
    for role, number, _local, dept, _section, _position in DEMO_ACCOUNTS:
        staff = Staff.objects.get(employee_number=number)
        user, created = User.objects.get_or_create(
            username=number,
            defaults={
                "email": staff.work_email,
                "first_name": staff.given_name,
                "last_name": staff.family_name,
                "staff": staff,
                "role": role,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.scope_all = role == Role.SENDER
            user.save()
            if role == Role.DEPARTMENT_ADMIN:
                user.scope_departments.set(Department.objects.filter(code=dept))
        if user.requires_two_factor:
            TOTPDevice.objects.get_or_create(
                user=user, name=DEMO_DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
            )
    _seed_author_account()


def _seed_author_account():
    """The first deputy mayor: the column's author, a host of the chats and the one who
    visits directors. Reviewers sign in as him (demo password and second factor) to see
    the author's and the host's side; the bulletin's demo then names him an author."""
    staff = (
        Staff.objects.filter(position__rank=Rank.DEPUTY_MAYOR).order_by("employee_number").first()
    )
    user, created = User.objects.get_or_create(
        username=staff.employee_number,
        defaults={
            "email": staff.work_email,
            "first_name": staff.given_name,
            "last_name": staff.family_name,
            "staff": staff,
            "role": Role.STAFF,
        },
    )
    # An earlier seed made him without a password (unusable, or none at all).
    if created or not user.password or not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.email = user.email or staff.work_email
        user.save(update_fields=["password", "email"])
    # Named authors must use a second factor: he gets the demo's, like the other accounts.
    TOTPDevice.objects.get_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )
