"""The demo ward's 参集訓練 (called by `renraku seed-demo`): a drill at 第2次非常配備 (level 3)
on a weekday morning three weeks ago, as it happened. Everyone level 3 calls got the alert
(push, else e-mail: planned by the pipeline's own planning, every delivery sent); most
answered within half an hour and about 85 % within the hour; most can come, each with an
expected arrival, some cannot (with a reason); many said how their family is; over the
next three hours those coming arrived at their posts (a few elsewhere), roughly when they
said, so that some posts end short of their minimum and others full; a few dozen sites
were reported on (most usable, a few partly, two unusable); then it was closed.

It is built as `actions.start` builds a mobilisation (the same wording, audience, channels,
recipients frozen and planned by the pipeline, call-ups by `actions._call`) but not sent:
`pipeline.issue` would hand a dispatch to the task queue, and the audit log (a hash chain
in time order) cannot hold entries dated three weeks back. Per-person times are drawn in
Python and written in bulk; answers and arrivals are copied by INSERT … SELECT. Made once:
a second run finds the drill and changes nothing. A new user starts their own call-up."""

import datetime as dt
import math
import random

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Value, When
from django.db.models.functions import Mod
from django.utils import timezone, translation

from renraku.accounts.models import User
from renraku.broadcast import actions as alerts
from renraku.broadcast.models import Alert, AlertCategory, Answer, ReplyForm, Severity
from renraku.bulk import insert_select
from renraku.directory.models import DeploymentLevel, Site
from renraku.directory.queries import called_at
from renraku.notices import pipeline, planning
from renraku.notices.models import AnswerValue, Attendance, Delivery, Reach, Recipient, Urgency

from . import actions
from .models import Arrival, Callup, Eta, Family, Mobilisation, Reason, SiteReport, SiteStatus

TITLE = "【参集訓練】第2次非常配備 職員参集訓練"
LEVEL = 3
DAYS_AGO = 21
SENDER = "900002"  # the demo's sender (危機管理部) started it and took the phoned reports
# The drill ran three hours; it was closed ten minutes after.
LENGTH = dt.timedelta(hours=3)
CLOSED_AFTER = LENGTH + dt.timedelta(minutes=10)

# Whether someone answers at all, by the channel that reached them ("" = none: they saw
# it in the app, or a colleague told them), and the median minutes to the safety answer.
ANSWERS = {"push": 0.89, "email": 0.80, "sms": 0.80, "": 0.15}
MEDIAN_MINUTES = {"push": 7, "email": 12, "sms": 10, "": 20}
ETAS = [(Eta.MIN30, 0.36), (Eta.MIN60, 0.34), (Eta.MIN180, 0.22), (Eta.DAY, 0.08)]
REASONS = [
    (Reason.FAMILY, 0.45),
    (Reason.TRANSPORT, 0.30),
    (Reason.OTHER, 0.17),
    (Reason.INJURED, 0.08),
]
FAMILIES = [(Family.ALL_SAFE, 0.90), (Family.UNREACHABLE, 0.07), (Family.INJURED, 0.03)]
# Minutes on the way after the 参集 answer, by expected arrival (mostly kept, some late),
# and the share who arrived within the drill.
TRAVEL = {
    Eta.MIN30: ((8, 30), (30, 45), 0.95),
    Eta.MIN60: ((25, 60), (60, 80), 0.93),
    Eta.MIN180: ((60, 170), (170, 200), 0.88),
    Eta.DAY: ((120, 170), (170, 190), 0.35),
}
RECIPIENT_FIELDS = ["reach", "reached_via", "read_at", "answered_at", "answer", "attendance"]
# What a person's call-up says once they answered and arrived.
CALLUP_FIELDS = [
    "coming",
    "eta",
    "reason",
    "answered_at",
    "family",
    "family_at",
    "arrived_at",
    "arrived_site",
]
ATTENDANCE = {Eta.MIN30: Attendance.CAN, Eta.MIN60: Attendance.CAN}

# Facility reports: (site kind, how many of them), reported by phone to the headquarters.
REPORTED = [
    ("head_office", 1),
    ("branch_office", 5),
    ("health_center", 5),
    ("works_office", 6),
    ("school", 16),
    ("community_center", 3),
]
USABLE_NOTE = "施設責任者より電話報告：異状なし"
# The schools not fully usable (the drill's scenario): (status, power, water, injured,
# note, usable an hour later).
NOT_USABLE = [
    (
        SiteStatus.UNUSABLE,
        False,
        False,
        2,
        "（訓練想定）体育館の天井材が落下、2名軽傷。使用不可",
        False,
    ),
    (
        SiteStatus.UNUSABLE,
        None,
        False,
        0,
        "（訓練想定）給水管破損により校舎内が浸水。使用不可",
        False,
    ),
    (SiteStatus.PARTLY, True, False, 0, "（訓練想定）断水。体育館のみ使用可", False),
    (
        SiteStatus.PARTLY,
        False,
        True,
        1,
        "（訓練想定）停電、非常用発電機で一部稼働。1名負傷（手当済み）",
        True,
    ),
    (
        SiteStatus.PARTLY,
        True,
        True,
        0,
        "（訓練想定）北校舎の窓ガラス破損、立入禁止。他は使用可",
        False,
    ),
    (SiteStatus.PARTLY, True, None, 0, "（訓練想定）エレベーター停止、点検中。1階のみ使用", False),
]
USABLE_LATER = "（訓練想定）点検・復旧の結果、全館使用可"


def seed_mobilise_demo(now=None) -> int:
    """Returns how many were called (0 when the demo already has its drill)."""
    if Mobilisation.objects.filter(alert__title=TITLE, alert__is_drill=True).exists():
        return 0
    level = DeploymentLevel.objects.filter(number=LEVEL).first()
    if level is None:
        return 0
    rng = random.Random(18)  # noqa: S311  (demo data: the same every run)
    sent = _morning((now or timezone.now()) - dt.timedelta(days=DAYS_AGO))
    sender = User.objects.filter(username=SENDER).first()
    m = _mobilisation(level, sent, sender)
    channel_of = _sent(m.alert, sent)
    callups = list(
        Callup.objects.filter(mobilisation=m)
        .order_by("pk")
        .values_list("pk", "recipient_id", "site_id")
    )
    others = _others_of_kind()
    recipients, rows = [], []
    for callup_id, recipient_id, site_id in callups:
        recipient, callup = _person(rng, sent, channel_of.get(recipient_id, ""))
        recipient.pk, callup.pk = recipient_id, callup_id
        if site_id is None:
            callup.arrived_at = None  # no post to arrive at (the demo gives everyone one)
        elif callup.arrived_at:
            # 3 % reported at the nearest open door of the same kind, not their post.
            away = others.get(site_id) if rng.random() < 0.03 else None
            callup.arrived_site_id = rng.choice(away) if away else site_id
        recipients.append(recipient)
        rows.append(callup)
    _write(Recipient, recipients, RECIPIENT_FIELDS)
    _write(Callup, rows, CALLUP_FIELDS)
    _answers_and_arrivals(m)
    _facility_reports(rng, m, sent, sender)
    pipeline.finish(Alert.objects.filter(pk=m.pk), "alert closed", at=sent + CLOSED_AFTER)
    return len(callups)


def _write(model, objs, fields) -> None:
    """Each object's `fields` into its row: one UPDATE statement run for every row
    (executemany). Django's bulk_update builds a CASE per row and field in Python, which
    took about ten seconds for the 3,735 people level 3 calls."""
    meta = model._meta
    chosen = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in chosen)
    # Identifiers come from the model and are quoted; values are parameters.
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in chosen] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _morning(day: dt.datetime) -> dt.datetime:
    """07:30 Tokyo time on the weekday at or after `day`."""
    local = timezone.localtime(day)
    while local.weekday() >= 5:
        local += dt.timedelta(days=1)
    return local.replace(hour=7, minute=30, second=0, microsecond=0)


def _mobilisation(level: DeploymentLevel, sent, sender) -> Mobilisation:
    """The alert and its call-ups, as `actions.start` makes them, dated `sent`."""
    with translation.override(settings.LANGUAGE_CODE):
        _title, body = actions._wording(level, False)
    draft = alerts.check_draft(
        alerts.Draft(
            title=TITLE,
            body=body,
            audience={"levels": [level.number]},
            channels=actions._channels(),
            reply_form=ReplyForm.SAFETY,
            category=AlertCategory.DRILL,
            severity=Severity.WARNING,
            is_drill=True,
        )
    )
    alert = Alert.objects.create(
        owner="alert",
        urgency=Urgency.HIGH,
        title=draft.title,
        body=draft.body,
        category=draft.category,
        severity=draft.severity,
        reply_form=draft.reply_form,
        is_drill=True,
        audience=draft.audience,
        channel_order=list(draft.channels),
        sender=sender,
        source=actions.SOURCE,
    )
    planning.freeze(alert, called_at(level.number))
    planning.plan(alert)
    m = Mobilisation.objects.create(alert=alert, level=level.number, auto=False, started_by=sender)
    actions._call(m)
    # Made now, dated then (issued_at, started_at and called_at are set on insert).
    Alert.objects.filter(pk=alert.pk).update(issued_at=sent)
    Mobilisation.objects.filter(pk=m.pk).update(started_at=sent)
    Callup.objects.filter(mobilisation=m).update(called_at=sent)
    m.started_at = alert.issued_at = sent
    return m


def _sent(alert: Alert, sent) -> dict[int, str]:
    """Every planned delivery sent within seconds (push shown on most devices); returns
    each reached recipient's channel."""
    deliveries = Delivery.objects.filter(recipient__notice=alert)
    for offset, kind in enumerate(alert.channel_order):
        at = sent + dt.timedelta(seconds=2 + 3 * offset)
        deliveries.filter(channel=kind).update(
            status=Delivery.Status.SENT, tries=1, claimed_at=at, sent_at=at
        )
    # Most devices said they showed the push a few seconds later (receipts); a few never.
    shown = sent + dt.timedelta(seconds=6)
    pushed = (
        deliveries.filter(channel="push")
        .annotate(spread=Mod(F("recipient_id"), Value(12)))
        .exclude(spread=0)
    )
    pushed.update(shown_at=shown)
    Recipient.objects.filter(pk__in=pushed.values("recipient_id")).update(shown_at=shown)
    return dict(deliveries.values_list("recipient_id", "channel"))


def _pick(rng, weighted):
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


def _minutes(rng, median: float, cap: float) -> float:
    """Log-normal minutes around `median`, redrawn past `cap` (the first hour)."""
    for _try in range(5):
        minutes = median * math.exp(rng.gauss(0, 0.85))
        if minutes < cap:
            return max(0.4, minutes)
    return rng.uniform(cap * 0.6, cap)


def _person(rng, sent, via: str) -> tuple[Recipient, Callup]:
    """One person's answers and arrival (at their post, for now), each after the one
    before it."""
    recipient = Recipient(reach=Reach.SENT if via else Reach.NONE, reached_via=via, answer="")
    callup = Callup(coming=None, eta="", reason="", family="")
    if rng.random() >= ANSWERS[via]:
        if via and rng.random() < 0.35:  # opened it, never answered
            recipient.read_at = sent + dt.timedelta(minutes=_minutes(rng, 15, 170))
        return recipient, callup
    at = sent + dt.timedelta(minutes=_minutes(rng, MEDIAN_MINUTES[via], 58))
    recipient.answered_at = at
    recipient.read_at = max(sent, at - dt.timedelta(seconds=rng.randrange(10, 90)))
    roll = rng.random()
    value = AnswerValue.SAFE if roll < 0.975 else AnswerValue.MINOR
    value = AnswerValue.SERIOUS if roll >= 0.995 else value
    recipient.answer = value
    if rng.random() < 0.04:  # safe, and no 参集 answer: a few come all the same
        if rng.random() < 0.4:
            callup.arrived_at = sent + dt.timedelta(minutes=rng.uniform(40, 170))
        return recipient, callup
    callup.answered_at = at + dt.timedelta(seconds=rng.randrange(15, 240))
    injured = value == AnswerValue.SERIOUS or (value == AnswerValue.MINOR and rng.random() < 0.5)
    if injured or rng.random() >= 0.83:
        callup.coming = False
        callup.reason = Reason.INJURED if injured else _pick(rng, REASONS)
        recipient.attendance = Attendance.CANNOT
    else:
        callup.coming, callup.eta = True, _pick(rng, ETAS)
        recipient.attendance = ATTENDANCE.get(callup.eta, Attendance.LATE)
        _arrival(rng, sent, callup)
    if rng.random() < 0.65:
        callup.family = _pick(rng, FAMILIES)
        callup.family_at = callup.answered_at + dt.timedelta(seconds=rng.randrange(10, 90))
    return recipient, callup


def _arrival(rng, sent, callup: Callup) -> None:
    """Arrived roughly when said (some late), if within the drill."""
    usual, late, share = TRAVEL[callup.eta]
    if rng.random() >= share:
        return
    minutes = rng.uniform(*(late if rng.random() < 0.12 else usual))
    at = callup.answered_at + dt.timedelta(minutes=minutes)
    if at > sent + LENGTH:
        return  # still on the way when the drill ended
    callup.arrived_at = at


def _others_of_kind() -> dict[int, list[int]]:
    """For each site, the other sites of its kind (another school, health centre…)."""
    by_kind: dict[str, list[int]] = {}
    for pk, kind in Site.objects.order_by("code").values_list("pk", "kind"):
        by_kind.setdefault(kind, []).append(pk)
    return {pk: [o for o in group if o != pk] for group in by_kind.values() for pk in group}


def _answers_and_arrivals(m: Mobilisation) -> None:
    """The alert's answer history (the safety answer, then the 参集 answer as attendance)
    and each arrival, copied from the rows just written."""
    answered = Recipient.objects.filter(notice_id=m.pk, answered_at__isnull=False)
    insert_select(
        Answer,
        ["recipient_id", "value", "attendance", "via", "at"],
        answered.annotate(
            none=Value(""),
            # By the signed link, or in the app for those no channel reached.
            how=Case(When(reached_via="", then=Value("app")), default=Value("link")),
        ).values_list("pk", "answer", "none", "how", "answered_at"),
    )
    said = Callup.objects.filter(mobilisation=m, answered_at__isnull=False)
    insert_select(
        Answer,
        ["recipient_id", "value", "attendance", "via", "at"],
        said.annotate(
            how=Case(When(recipient__reached_via="", then=Value("app")), default=Value("link"))
        ).values_list(
            "recipient_id", "recipient__answer", "recipient__attendance", "how", "answered_at"
        ),
    )
    # 到着しました on the answer page (the signed link).
    insert_select(
        Arrival,
        ["callup_id", "site_id", "at", "via"],
        Callup.objects.filter(mobilisation=m, arrived_at__isnull=False)
        .annotate(how=Value("link"))
        .values_list("pk", "arrived_site_id", "arrived_at", "how"),
    )


def _facility_reports(rng, m: Mobilisation, sent, sender) -> None:
    """A few dozen sites reported by phone to the headquarters, each after the first
    arrival there (else within the first hours); two partly usable at first are usable an
    hour later. The rest of the ward's sites stay unreported."""
    first = {}
    for site_id, at in (
        Callup.objects.filter(mobilisation=m, arrived_at__isnull=False)
        .order_by("arrived_at")
        .values_list("arrived_site_id", "arrived_at")
    ):
        first.setdefault(site_id, at)
    chosen, schools = [], []
    for kind, count in REPORTED:
        sites = list(Site.objects.filter(kind=kind).order_by("code").values_list("pk", flat=True))
        picked = rng.sample(sites, min(count, len(sites)))
        chosen += picked
        schools += picked if kind == "school" else []
    odd = dict(
        zip(rng.sample(schools, min(len(NOT_USABLE), len(schools))), NOT_USABLE, strict=False)
    )
    reports, times = [], []
    for site_id in chosen:
        base = first.get(site_id, sent + dt.timedelta(minutes=rng.uniform(20, 60)))
        at = base + dt.timedelta(minutes=rng.uniform(5, 25))
        status, power, water, injured, note, later = odd.get(
            site_id, (SiteStatus.USABLE, True, True, 0, USABLE_NOTE, False)
        )
        reports.append(
            SiteReport(
                mobilisation=m,
                site_id=site_id,
                status=status,
                power=power,
                water=water,
                injured=injured,
                note=note,
                reported_by=sender,
                via="web",
            )
        )
        times.append(at)
        if later:
            reports.append(
                SiteReport(
                    mobilisation=m,
                    site_id=site_id,
                    status=SiteStatus.USABLE,
                    power=True,
                    water=True,
                    injured=0,
                    note=USABLE_LATER,
                    reported_by=sender,
                    via="web",
                )
            )
            times.append(at + dt.timedelta(minutes=rng.uniform(50, 70)))
    made = SiteReport.objects.bulk_create(reports)
    for report, at in zip(made, times, strict=True):
        report.reported_at = min(at, sent + LENGTH)
    SiteReport.objects.bulk_update(made, ["reported_at"])
