"""The demo ward's year of drills (called by `renraku seed-demo`): a drill of the whole
office each quarter and one of 危機管理部 in the other months, whose answers come faster
and more completely as the year goes on (most departments improve, a few do not), a
reception test last week, and a drill of 危機管理部 scheduled next Tuesday between 06:00
and 08:00. Written in bulk (recipients by bulk_create, answers copied from them by one
INSERT … SELECT per drill): seconds for 10,000 people. Made once: a second run finds the
drills there and changes nothing."""

import datetime as dt
import math
import random
import secrets

from django.db.models import Value
from django.utils import timezone

from renraku.accounts.models import User
from renraku.broadcast.models import Alert, AlertCategory, Answer, ReplyForm, Severity
from renraku.bulk import insert_select
from renraku.directory.models import Department, Staff
from renraku.notices.models import AnswerValue, Attendance, Reach, Recipient, Urgency

from .models import ReceptionTest, ScheduledDrill

SOURCE = "demo-drill"
MONTHS = 12
SMALL_DRILL_DEPARTMENT = "KIK"
SENDER = "900002"  # the demo's sender


def seed_drills_demo(now=None) -> int:
    """Returns how many drills it made (0 when the demo already has them)."""
    if Alert.objects.filter(source=SOURCE).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(19)  # noqa: S311  (demo data: the same every run)
    sender = User.objects.filter(username=SENDER).first()
    people = list(
        Staff.objects.active().values_list("pk", "department_id", "site_id").order_by("pk")
    )
    departments = list(Department.objects.values_list("pk", "code"))
    # Each department's own pace, and whether the year's drills made it faster.
    pace = {pk: rng.uniform(0.7, 1.5) for pk, _code in departments}
    improves = {pk: rng.random() < 0.8 for pk, _code in departments}
    small = {pk for pk, code in departments if code == SMALL_DRILL_DEPARTMENT}
    for month in range(MONTHS):
        progress = month / (MONTHS - 1)
        whole = month % 3 == 2  # a drill of the whole office each quarter
        audience = {"all": True} if whole else {"departments": [SMALL_DRILL_DEPARTMENT]}
        members = people if whole else [p for p in people if p[1] in small]
        sent = _morning(now - dt.timedelta(days=30 * (MONTHS - month)), rng)
        alert = _alert(
            "【年間計画】安否確認訓練" if whole else "危機管理部 安否確認訓練",
            audience,
            sent,
            sender,
        )
        _recipients(alert, members, rng, progress, pace, improves)
    _reception_test(now, rng, people, small, sender)
    _scheduled(now, sender)
    return MONTHS


def _morning(day: dt.datetime, rng) -> dt.datetime:
    """A weekday morning near `day`, between 06:00 and 09:00 Tokyo time."""
    local = timezone.localtime(day)
    while local.weekday() >= 5:
        local += dt.timedelta(days=1)
    return local.replace(
        hour=6 + rng.randrange(3), minute=rng.randrange(60), second=0, microsecond=0
    )


def _alert(title, audience, sent, sender, **extra) -> Alert:
    fields = {
        "owner": "alert",
        "urgency": Urgency.HIGH,
        "title": title,
        "body": "これは訓練です。安否と参集の可否を回答してください。",
        "category": AlertCategory.DRILL,
        "severity": Severity.INFORMATION,
        "reply_form": ReplyForm.SAFETY,
        "is_drill": True,
        "audience": audience,
        "channel_order": ["push", "email"],
        "sender": sender,
        "source": SOURCE,
    }
    alert = Alert.objects.create(**(fields | extra))
    # issued_at is set on insert; a past drill was sent in the past.
    Alert.objects.filter(pk=alert.pk).update(
        issued_at=sent, finished_at=sent + dt.timedelta(hours=3)
    )
    alert.issued_at = sent
    return alert


def _reach(rng) -> tuple[str, str]:
    """Three quarters reached by push, most of the rest by e-mail, a few by nothing."""
    roll = rng.random()
    if roll < 0.75:
        return Reach.SENT, "push"
    return (Reach.SENT, "email") if roll < 0.96 else (Reach.NONE, "")


def _recipients(alert, members, rng, progress, pace, improves) -> None:
    """Each person's first answer: a log-normal time around a median that shortens over
    the year (for departments that improve), and a share who never answer that shrinks."""
    rows, changed = [], []
    for staff_id, department_id, site_id in members:
        reach, via = _reach(rng)
        better = progress if improves[department_id] else progress * 0.1
        median = (22 - 15 * better) * pace[department_id]  # minutes
        answers = reach == Reach.SENT and rng.random() < 0.78 + 0.17 * better
        at = read = None
        if answers:
            minutes = min(median * math.exp(rng.gauss(0, 0.75)), 360)
            at = alert.issued_at + dt.timedelta(seconds=max(15, round(minutes * 60)))
            read = at - dt.timedelta(seconds=rng.randrange(5, 60))
        rows.append(
            Recipient(
                notice_id=alert.pk,
                staff_id=staff_id,
                department_id=department_id,
                site_id=site_id,
                reach=reach,
                reached_via=via,
                read_at=read,
                answered_at=at,
                answer=AnswerValue.SAFE if at else "",
                attendance=Attendance.CAN if at else "",
            )
        )
    Recipient.objects.bulk_create(rows, batch_size=2000)
    answered = Recipient.objects.filter(notice_id=alert.pk, answered_at__isnull=False)
    insert_select(
        Answer,
        ["recipient_id", "value", "attendance", "via", "at"],
        answered.annotate(via=Value("link")).values_list(
            "pk", "answer", "attendance", "via", "answered_at"
        ),
    )
    # About one in a hundred tapped 軽傷 by mistake and put it right a few minutes later:
    # the drill keeps counting their first answer.
    for pk, first in answered.values_list("pk", "answered_at"):
        if rng.random() < 0.01:
            changed.append((pk, first + dt.timedelta(minutes=rng.randrange(2, 15))))
    Answer.objects.filter(recipient_id__in=[pk for pk, _at in changed]).update(
        value=AnswerValue.MINOR
    )
    later = Answer.objects.bulk_create(
        [
            Answer(recipient_id=pk, value=AnswerValue.SAFE, attendance=Attendance.CAN, via="link")
            for pk, _at in changed
        ]
    )
    for answer, (_pk, at) in zip(later, changed, strict=True):
        answer.at = at
    Answer.objects.bulk_update(later, ["at"], batch_size=500)


def _reception_test(now, rng, people, small, sender) -> None:
    """Last week's 受信テスト to 危機管理部: who was reached, shown, and pressed 届いた."""
    sent = _morning(now - dt.timedelta(days=7), rng)
    alert = _alert(
        "受信テスト",
        {"departments": [SMALL_DRILL_DEPARTMENT]},
        sent,
        sender,
        body="これは受信テストです（緊急連絡ではありません）。届いたら『届いた』を押してください。",
        category=AlertCategory.NOTICE,
        reply_form=ReplyForm.ACKNOWLEDGE,
        is_drill=False,
        source="demo-reception-test",
    )
    ReceptionTest.objects.create(alert=alert)
    rows = []
    for staff_id, department_id, site_id in (p for p in people if p[1] in small):
        reach, via = _reach(rng)
        shown = sent + dt.timedelta(seconds=rng.randrange(2, 30)) if via == "push" else None
        pressed = reach == Reach.SENT and rng.random() < 0.85
        at = sent + dt.timedelta(seconds=rng.randrange(20, 3600)) if pressed else None
        rows.append(
            Recipient(
                notice_id=alert.pk,
                staff_id=staff_id,
                department_id=department_id,
                site_id=site_id,
                reach=reach,
                reached_via=via,
                shown_at=shown,
                read_at=at,
                answered_at=at,
                answer=AnswerValue.ACKNOWLEDGED if at else "",
            )
        )
    Recipient.objects.bulk_create(rows, batch_size=2000)
    insert_select(
        Answer,
        ["recipient_id", "value", "via", "at"],
        Recipient.objects.filter(notice_id=alert.pk, answered_at__isnull=False)
        .annotate(via=Value("link"))
        .values_list("pk", "answer", "via", "answered_at"),
    )


def _scheduled(now, sender) -> None:
    """A drill of 危機管理部 next Tuesday, 06:00–08:00, its moment unknown."""
    if ScheduledDrill.objects.pending().exists():
        return
    local = timezone.localtime(now)
    days = (1 - local.weekday()) % 7 or 7
    start = (local + dt.timedelta(days=days)).replace(hour=6, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(hours=2)
    ScheduledDrill.objects.create(
        title="早朝 安否確認訓練",
        audience={"departments": [SMALL_DRILL_DEPARTMENT]},
        window_start=start,
        window_end=end,
        send_at=start + dt.timedelta(seconds=secrets.randbelow(7201)),
        created_by=sender,
    )
