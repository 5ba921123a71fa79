"""Small factories for tests: a tiny ward and the people who use it.

Alice is ordinary staff. Bob sends alerts. Carol administers the 総務部 directory only.
Dave is an administrator. Erin is the auditor. Mallory has an account but has left.
"""

import functools
import itertools
from types import SimpleNamespace

from django.contrib.auth.hashers import get_hasher, make_password
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.accounts.models import Role, User
from renraku.directory.models import (
    Body,
    Department,
    Domain,
    PersonalContact,
    Position,
    PushSubscription,
    Rank,
    Section,
    Site,
    Staff,
    Title,
)

PASSWORD = "correct horse battery"  # noqa: S105  (test accounts only)
TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key
_numbers = itertools.count(500001)


def make_org() -> SimpleNamespace:
    """Two domains, three departments with sections, three sites, every rank."""
    ward = Body.objects.create(code="WARD", name="区役所")
    boe = Body.objects.create(code="BOE", name="教育委員会事務局")
    ks = Domain.objects.create(code="KS", name="企画総務", order=1)
    bk = Domain.objects.create(code="BK", name="文教", order=2)
    som = Department.objects.create(code="SOM", name="総務部", domain=ks, body=ward)
    kik = Department.objects.create(code="KIK", name="危機管理部", domain=ks, body=ward)
    gak = Department.objects.create(code="GAK", name="学校教育部", domain=bk, body=boe)
    positions = {
        code: Position.objects.create(code=code, name=name, rank=rank)
        for code, name, rank in [
            ("MAYOR", "区長", Rank.MAYOR),
            ("DEPUTY", "副区長", Rank.DEPUTY_MAYOR),
            ("DIR", "部長", Rank.DIRECTOR),
            ("MGR", "課長", Rank.MANAGER),
            ("CHF", "係長", Rank.CHIEF),
            ("STF", "主事", Rank.STAFF),
        ]
    }
    return SimpleNamespace(
        ward=ward,
        boe=boe,
        ks=ks,
        bk=bk,
        som=som,
        kik=kik,
        gak=gak,
        somu_ka=Section.objects.create(code="SOM-01", name="総務課", department=som),
        jinji_ka=Section.objects.create(code="SOM-02", name="人事課", department=som),
        kiki_ka=Section.objects.create(code="KIK-01", name="危機管理課", department=kik),
        gakumu_ka=Section.objects.create(code="GAK-01", name="学務課", department=gak),
        honcho=Site.objects.create(code="S001", name="本庁舎", kind=Site.Kind.HEAD_OFFICE),
        sancha=Site.objects.create(code="S002", name="三軒茶屋まちづくりセンター"),
        school=Site.objects.create(code="S003", name="区立池尻小学校", kind=Site.Kind.SCHOOL),
        positions=positions,
        cio=Title.objects.create(code="CIO", name="CIO"),
    )


def make_staff(
    org,
    *,
    family="山田",
    given="太郎",
    family_kana="ヤマダ",
    given_kana="タロウ",
    department=None,
    section=None,
    site=None,
    position="STF",
    mobile="",
    number=None,
    **extra,
) -> Staff:
    department = department or org.som
    staff = Staff.objects.create(
        employee_number=number or str(next(_numbers)),
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        department=department,
        section=section,
        site=site or org.honcho,
        position=org.positions[position],
        work_email=extra.pop("work_email", ""),
        work_phone=extra.pop("work_phone", "03-5432-1111"),
        **extra,
    )
    staff.bodies.add(department.body)
    if mobile:
        PersonalContact.objects.create(staff=staff, mobile=mobile)
    return staff


@functools.cache
def _password_hash(algorithm: str) -> str:
    """PASSWORD hashed once per run and hasher: a production hash (which browser tests sign
    in against) takes the better part of a second, and every test makes several users."""
    return make_password(PASSWORD, hasher=algorithm)


def make_user(staff, role=Role.STAFF, *, with_device=True, **extra) -> User:
    user = User.objects.create_user(
        username=staff.employee_number,
        email=staff.work_email or f"{staff.employee_number}@city.example",
        password=None,
        staff=staff,
        role=role,
        **extra,
    )
    user.password = _password_hash(get_hasher().algorithm)
    user.save(update_fields=["password"])
    if with_device and user.requires_two_factor:
        TOTPDevice.objects.create(user=user, name="phone", key=TOTP_KEY, confirmed=True)
    return user


def sign_in(client, user, *, verified=True):
    """Sign `client` in as `user`, past two-factor unless `verified` is False."""
    client.force_login(user)
    device = user.totpdevice_set.filter(confirmed=True).first()
    if verified and device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def make_people(org) -> SimpleNamespace:
    alice = make_staff(
        org,
        family="青木",
        given="愛",
        family_kana="アオキ",
        given_kana="アイ",
        section=org.somu_ka,
        mobile="090-1111-2222",
        work_email="alice@city.example",
    )
    bob = make_staff(
        org,
        family="馬場",
        given="勉",
        family_kana="ババ",
        given_kana="ツトム",
        department=org.kik,
        section=org.kiki_ka,
        position="CHF",
        work_email="bob@city.example",
    )
    carol = make_staff(
        org,
        family="加藤",
        given="花",
        family_kana="カトウ",
        given_kana="ハナ",
        section=org.jinji_ka,
        position="CHF",
        work_email="carol@city.example",
    )
    dave = make_staff(
        org,
        family="大野",
        given="誠",
        family_kana="オオノ",
        given_kana="マコト",
        department=org.kik,
        position="CHF",
        work_email="dave@city.example",
    )
    erin = make_staff(
        org,
        family="江口",
        given="恵",
        family_kana="エグチ",
        given_kana="メグミ",
        department=org.kik,
        position="CHF",
        work_email="erin@city.example",
    )
    mallory = make_staff(
        org, family="松井", given="守", family_kana="マツイ", given_kana="マモル", is_active=False
    )
    carol_user = make_user(carol, Role.DEPARTMENT_ADMIN)
    carol_user.scope_departments.add(org.som)
    return SimpleNamespace(
        alice=make_user(alice),
        bob=make_user(bob, Role.SENDER, scope_all=True),
        carol=carol_user,
        dave=make_user(dave, Role.ADMINISTRATOR),
        erin=make_user(erin, Role.AUDITOR),
        mallory=make_user(mallory, is_active=False),
    )


def database_url() -> str:
    """The test database as a RENRAKU_DATABASE_URL, for processes a test starts."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


def subscribe_push(staff, service) -> dict:
    """A browser subscription at the push-service stand-in, registered for `staff`."""
    info = service.subscribe()
    PushSubscription.objects.create(
        staff=staff,
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
    )
    return info
