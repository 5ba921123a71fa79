"""Who can be reached today, and how: per person, and counted by department or site.

A channel counts only where it would really carry an alert today:
- push: an active subscription whose device said it showed a notice in the last 30 days
  (a stored subscription proves nothing: iPhones drop theirs quietly);
- e-mail: the address the e-mail channel would use (work, else personal), unless the mail
  server refused it for good (directory.EmailRefusal);
- sms, voice: a personal mobile, only where a provider is configured;
- line_works: a LINE WORKS id, only where that channel is configured.
`none` counts those no configured channel reaches. Everything is counted by the database
in one grouped query (10,000 people: one pass, with index lookups per person).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from renraku.channels import registry
from renraku.directory.models import EmailRefusal, PushSubscription, Staff
from renraku.notices.models import Delivery
from renraku.rates import fraction, percent

PROVEN_FOR = dt.timedelta(days=30)
# In the order pages and the CLI show them.
KINDS = ("push", "email", "sms", "voice", "line_works")


def configured() -> list[str]:
    """The channels of KINDS this installation has (SMS and voice need a provider, LINE
    WORKS its bot)."""
    available = registry.available()
    return [kind for kind in KINDS if kind in available]


def _since(now=None):
    return (now or timezone.now()) - PROVEN_FOR


def _address():
    """The address the e-mail channel sends to (channels.email.address_of), in SQL."""
    return Coalesce(
        NullIf(F("work_email"), Value("")), NullIf(F("personal_contact__email"), Value(""))
    )


def reach_conditions(now=None) -> dict[str, Q]:
    """For each kind, the condition on a Staff row that the channel reaches them today.
    Needs the `_address` annotation (with_address) for e-mail."""
    proven = PushSubscription.objects.active().filter(
        staff=OuterRef("pk"), last_shown_at__gte=_since(now)
    )
    refused = EmailRefusal.objects.filter(address=OuterRef("_address"))
    mobile = Q(personal_contact__mobile__gt="")
    return {
        "push": Q(Exists(proven)),
        "email": Q(_address__isnull=False) & ~Q(Exists(refused)),
        "sms": mobile,
        "voice": mobile,
        "line_works": Q(line_works_id__gt=""),
    }


def with_address(staff):
    return staff.annotate(_address=_address())


def counts_by(field: str, staff=None, now=None) -> list[dict]:
    """One row per value of `field` ("department" or "site") over active staff (or the
    given Staff queryset): code, name, staff, each kind (0 where not configured), none,
    push_share, reachable_share (fractions), ordered by code."""
    if field not in ("department", "site"):
        raise ValueError(field)
    kinds = configured()
    conditions = reach_conditions(now)
    reached_by_any = Q()
    for kind in kinds:
        reached_by_any |= conditions[kind]
    people = with_address(staff if staff is not None else Staff.objects.active())
    rows = (
        people.values(code=F(f"{field}__code"), name=F(f"{field}__name"))
        .annotate(
            staff=Count("pk"),
            **{kind: Count("pk", filter=conditions[kind]) for kind in kinds},
            reachable=Count("pk", filter=reached_by_any) if kinds else Value(0),
        )
        .order_by("code")
    )
    out = []
    for row in rows:
        out.append(_finish(row, kinds))
    return out


def _finish(row: dict, kinds) -> dict:
    reachable = row.pop("reachable")
    result = {"code": row["code"], "name": row["name"], "staff": row["staff"]}
    for kind in KINDS:
        result[kind] = row.get(kind, 0) if kind in kinds else 0
    result["none"] = row["staff"] - reachable
    result["push_share"] = fraction(result["push"], row["staff"])
    result["reachable_share"] = fraction(reachable, row["staff"])
    return result


def total(rows: list[dict]) -> dict:
    """The office's row: the sum of `rows` (departments or sites: each person is in one)."""
    out = {"code": "", "name": "", "staff": 0, "none": 0}
    for kind in KINDS:
        out[kind] = sum(row[kind] for row in rows)
    out["staff"] = sum(row["staff"] for row in rows)
    out["none"] = sum(row["none"] for row in rows)
    out["push_share"] = fraction(out["push"], out["staff"])
    out["reachable_share"] = fraction(out["staff"] - out["none"], out["staff"])
    return out


def for_pages(rows: list[dict]) -> list[dict]:
    """Rows as pages show them: shares in percent, worst first (least reachable, then the
    fewest devices)."""
    for row in rows:
        row["push_pct"] = percent(row["push"], row["staff"])
        row["reachable_pct"] = percent(row["staff"] - row["none"], row["staff"])
    return sorted(rows, key=lambda r: (r["reachable_share"], r["push_share"], r["code"]))


# --- One person ---------------------------------------------------------------------------


@dataclass
class ChannelState:
    kind: str
    reaches: bool
    # When it last proved itself: a display receipt (push), an accepted send (the rest).
    proven_at: dt.datetime | None
    # Why not, when it does not: "no_device", "silent", "no_address", "refused",
    # "no_mobile", "no_id".
    missing: str = ""


@dataclass
class PersonState:
    staff: Staff
    channels: list[ChannelState]
    # The person's active devices: whether any, and the newest receipt of any of them.
    devices: int
    last_shown_at: dt.datetime | None
    platform: str  # "iphone", "android" or "" (from the devices' user agents)

    @property
    def reachable(self) -> bool:
        return any(c.reaches for c in self.channels)

    @property
    def push(self) -> ChannelState:
        return next(c for c in self.channels if c.kind == "push")

    @property
    def missing(self) -> list[ChannelState]:
        return [c for c in self.channels if not c.reaches]


def platform_of(user_agent: str) -> str:
    """Which steps fit the device: iPhone (Home Screen app) or Android (allow notifications)."""
    ua = user_agent.lower()
    if "iphone" in ua or "ipad" in ua:
        return "iphone"
    if "android" in ua:
        return "android"
    return ""


def states(people, now=None) -> list[PersonState]:
    """Each person's channels today and when each was last proven, for a few hundred
    people at most (a department's unreachable): a handful of queries, whatever their
    number."""
    now = now or timezone.now()
    kinds = configured()
    conditions = reach_conditions(now)
    ids = list(people.values_list("pk", flat=True))
    order = {pk: i for i, pk in enumerate(ids)}
    rows = sorted(
        with_address(Staff.objects.filter(pk__in=ids)).select_related(
            "personal_contact", "section", "department"
        ),
        key=lambda s: order[s.pk],
    )
    reach = {
        kind: set(
            with_address(Staff.objects.filter(pk__in=ids))
            .filter(conditions[kind])
            .values_list("pk", flat=True)
        )
        for kind in kinds
    }
    devices: dict[int, list] = {}
    for staff_id, shown, agent in (
        PushSubscription.objects.active()
        .filter(staff_id__in=ids)
        .values_list("staff_id", "last_shown_at", "user_agent")
    ):
        devices.setdefault(staff_id, []).append((shown, agent))
    refused = set(
        EmailRefusal.objects.filter(
            address__in=[s._address for s in rows if s._address]
        ).values_list("address", flat=True)
    )
    proven = {
        (staff_id, channel): when
        for staff_id, channel, when in Delivery.objects.filter(
            recipient__staff_id__in=ids, status=Delivery.Status.SENT
        )
        .values_list("recipient__staff_id", "channel")
        .annotate(last=Max("sent_at"))
        .order_by()
    }
    out = []
    for staff in rows:
        mine = devices.get(staff.pk, [])
        shown = max((s for s, _a in mine if s), default=None)
        channels = []
        for kind in kinds:
            reaches = staff.pk in reach[kind]
            if kind == "push":
                when = shown
                why = "" if reaches else ("silent" if mine else "no_device")
            else:
                when = proven.get((staff.pk, kind))
                why = "" if reaches else _why_not(kind, staff, refused)
            channels.append(ChannelState(kind, reaches, when, why))
        platforms = [platform_of(a) for _s, a in mine]
        out.append(
            PersonState(
                staff=staff,
                channels=channels,
                devices=len(mine),
                last_shown_at=shown,
                platform=next((p for p in platforms if p), ""),
            )
        )
    return out


def _why_not(kind: str, staff, refused: set) -> str:
    if kind == "email":
        return "refused" if staff._address in refused else "no_address"
    if kind in ("sms", "voice"):
        return "no_mobile"
    return "no_id"


def state_of(staff, now=None) -> PersonState:
    return states(Staff.objects.filter(pk=staff.pk), now)[0]


def unreachable_in(department_ids, now=None, limit: int = 500) -> tuple[list[PersonState], int]:
    """Active staff of these departments whom push does not reach (no confirming device),
    those reached by nothing first: (up to `limit` of them, how many in all)."""
    conditions = reach_conditions(now)
    people = with_address(Staff.objects.active().filter(department_id__in=department_ids)).exclude(
        conditions["push"]
    )
    count = people.count()
    chosen = states(
        people.order_by("department__order", "family_name_kana", "given_name_kana")[:limit], now
    )
    chosen.sort(key=lambda s: s.reachable)
    return chosen, count
