"""The demo ward's readiness (`renraku seed-demo`): the devices of its history and a year of
daily counts improving to today's. A realistic mix: about three quarters have a device that
showed a notice in the last weeks, some a device gone silent, dropped by the push service
or never showing anything, the rest only e-mail, and a few reached by nothing (an address
the mail server refused, and no device). The same every time it is run."""

import base64
import datetime as dt
import hmac
import os
import random
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from renraku.directory.models import Department, EmailRefusal, PushSubscription, Staff

from . import snapshots
from .models import Snapshot

# The demo's devices subscribe at `renraku demo-devices`, a push service on loopback
# (renraku/demo/devices.py) that plays their phones. The seed and that service derive each
# device's keys from the number in its endpoint and this seed, which is public: demo
# devices' pushes are readable by anyone, so none of this is ever a real subscription.
DEMO_KEY_SEED = b"renraku demo devices: public, demo only"
# Deriving a P-256 key costs about 60 microseconds: 10,000 devices would add over half a
# second to the seed. Devices share a pool of key pairs instead; each has its own auth
# secret (which every payload's keys are derived with), and every push is still encrypted
# with a fresh key of the sender's.
KEY_POOL = 256
# The last digit of a device's number is what the device does with a push, as a real push
# service's endpoint carries its own routing: it shows it (and says so), it takes it and
# shows nothing (silent for weeks, or never showing anything), or the push service has
# dropped it (404).
SHOWS, SILENT, DROPPED = 1, 2, 3
# Endpoints of earlier seeds: a host that never resolves (RFC 6761).
OLD_DEMO_ENDPOINT = "https://push.demo.invalid/"
DEMO_REASON = "550 5.1.1 No such user (demo)"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
DEMO_STAFF = "900001"  # the demo's staff account: its phone works


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def demo_push_port() -> int:
    return int(os.environ.get("RENRAKU_DEMO_PUSH_PORT", "8081"))


def demo_endpoint_prefix(port: int | None = None) -> str:
    return f"http://127.0.0.1:{port or demo_push_port()}/push/"


@lru_cache(maxsize=KEY_POOL)
def _pooled_key(slot: int) -> ec.EllipticCurvePrivateKey:
    secret = hmac.digest(DEMO_KEY_SEED, b"key %d" % slot, "sha256")
    return ec.derive_private_key(int.from_bytes(secret, "big") % (2**255) + 1, ec.SECP256R1())


def device_private_key(number: int) -> ec.EllipticCurvePrivateKey:
    return _pooled_key(number % KEY_POOL)


def device_auth(number: int) -> bytes:
    return hmac.digest(DEMO_KEY_SEED, b"auth %d" % number, "sha256")[:16]


@lru_cache(maxsize=KEY_POOL)
def _public(slot: int) -> str:
    public = _pooled_key(slot).public_key()
    return _b64(public.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def device_keys(number: int) -> tuple[str, str]:
    """The p256dh and auth a demo device's browser would have handed the server."""
    return _public(number % KEY_POOL), _b64(device_auth(number))


def device_kind(number: int) -> int:
    return number % 10


@transaction.atomic
def seed_readiness_demo(now=None) -> None:
    now = now or timezone.now()
    rng = random.Random(19)  # noqa: S311  (repeatable demo data, not secrets)
    PushSubscription.objects.filter(
        Q(endpoint__startswith=OLD_DEMO_ENDPOINT)
        | Q(endpoint__startswith="http://127.0.0.1:", endpoint__contains="/push/")
    ).delete()
    EmailRefusal.objects.filter(reason=DEMO_REASON).delete()
    prefix = demo_endpoint_prefix()
    devices, created, refused = [], {}, []
    people = Staff.objects.active().order_by("employee_number")
    for serial, (number, staff_id, work_email) in enumerate(
        people.values_list("employee_number", "pk", "work_email"), start=1
    ):
        roll = rng.random() if number != DEMO_STAFF else 0.0
        agent = IPHONE if rng.random() < 0.55 else ANDROID
        age = dt.timedelta(days=rng.randrange(40, 700))
        device = PushSubscription(staff_id=staff_id, user_agent=agent)
        kind = SILENT
        if roll < 0.76:  # showed a notice in the last weeks
            kind = SHOWS
            device.last_shown_at = now - dt.timedelta(days=rng.randrange(1, 26), hours=3)
        elif roll < 0.82:  # silent: showed nothing for over a month, checked once
            device.last_shown_at = now - dt.timedelta(days=rng.randrange(35, 200))
            if rng.random() < 0.5:
                device.checked_at = now - dt.timedelta(days=rng.randrange(3, 25))
        elif roll < 0.85:  # the push service dropped it (an iPhone's lapsed subscription)
            kind = DROPPED
            device.last_shown_at = now - dt.timedelta(days=rng.randrange(60, 300))
            device.retired_at = now - dt.timedelta(days=rng.randrange(10, 55))
        elif roll < 0.87:  # registered lately, accepted, never shown anything
            age = dt.timedelta(days=rng.randrange(3, 20))
        else:  # no device: e-mail only, and a few not even that
            device = None
            if work_email and rng.random() < 0.17:
                refused.append(work_email)
        if device is not None:
            device_number = serial * 10 + kind
            device.endpoint = f"{prefix}{device_number}"
            device.p256dh, device.auth = device_keys(device_number)
            devices.append(device)
            created[device.endpoint] = now - age
    PushSubscription.objects.bulk_create(devices, batch_size=2000)
    _set_created(created)
    EmailRefusal.objects.bulk_create(
        EmailRefusal(address=a, refused_at=now - dt.timedelta(days=20), reason=DEMO_REASON)
        for a in refused
    )
    seed_snapshots(now)


def _set_created(created: dict) -> None:
    """created_at is set on insert (auto_now_add): put each device's registration back in
    its history, one UPDATE per day of age."""
    by_day: dict[dt.datetime, list[str]] = {}
    for endpoint, when in created.items():
        by_day.setdefault(when.replace(hour=9, minute=0, second=0, microsecond=0), []).append(
            endpoint
        )
    for when, endpoints in by_day.items():
        PushSubscription.objects.filter(endpoint__in=endpoints).update(created_at=when)


def seed_snapshots(now, days: int = 365) -> None:
    """Today's real count, and a year before it improving towards it, department by
    department (each at its own pace)."""
    Snapshot.objects.all().delete()
    snapshots.take(now)
    today = snapshots.today(now)
    names = dict(Department.objects.values_list("pk", "code"))
    rows = []
    for last in Snapshot.objects.filter(day=today):
        rng = random.Random(names[last.department_id])  # noqa: S311
        staff = last.staff
        push_gain = rng.uniform(0.25, 0.5) * staff
        none_gain = rng.uniform(0.05, 0.15) * staff
        for back in range(1, days):
            ahead = 1 - back / days  # 0 a year ago, 1 today
            eased = 1 - (1 - ahead) ** 1.6
            left = 1 - eased
            push = max(0, round(last.push - push_gain * left + rng.uniform(-0.01, 0.01) * staff))
            none = min(staff, round(last.none + none_gain * left))
            rows.append(
                Snapshot(
                    day=today - dt.timedelta(days=back),
                    department_id=last.department_id,
                    staff=staff,
                    push=min(push, staff - none),
                    email=staff - none,
                    sms=last.sms,
                    voice=last.voice,
                    line_works=last.line_works,
                    none=none,
                )
            )
    Snapshot.objects.bulk_create(rows, batch_size=2000)
