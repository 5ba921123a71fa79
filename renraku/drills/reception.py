"""受信テスト (a reception test): an alert to an audience that asks nothing but 「届いた」,
to learn, before the day, who can be reached and on which channel, whose device showed
it, who pressed 届いた, and who was not reached at all (by name, for the sender to
follow up). It goes on every channel configured but voice, in the usual order, so each
person is tried as an alert would try them."""

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from renraku import csvsafe
from renraku.audit.actions import record
from renraku.broadcast import actions as alerts
from renraku.broadcast.models import Alert, AlertCategory, ChannelChoice, ReplyForm, Severity
from renraku.channels import registry
from renraku.notices.models import AnswerValue, Reach, Recipient

from .models import ReceptionTest

# A call to 10,000 phones is not a test anyone wants.
NOT_FOR_TESTS = ("voice",)
NOT_REACHED = (Reach.FAILED, Reach.NONE)


def default_title() -> str:
    return _("Reception test")


def heading_of(alert: Alert) -> str:
    """The report's heading: 「受信テスト：3月の確認」, but the default title alone rather
    than 「受信テスト：受信テスト」."""
    label = default_title()
    if label in alert.title or alert.title == "Reception test":
        return alert.title
    return _("Reception test: %(title)s") % {"title": alert.title}


def test_body() -> str:
    return _("This is a test, not an emergency. When it arrives, press “Received”.")


def send_test(audience: dict, *, title: str = "", by=None, request=None) -> Alert:
    """Send a reception test to `audience` (a sender within scope, as for an alert)."""
    draft = alerts.Draft(
        title=(title or default_title()).strip(),
        body=test_body(),
        audience=audience,
        channels=[c for c in registry.available() if c not in NOT_FOR_TESTS],
        reply_form=ReplyForm.ACKNOWLEDGE,
        category=AlertCategory.NOTICE,
        severity=Severity.INFORMATION,
    )
    with transaction.atomic():
        alert = alerts.send_alert(draft, sender=by, request=request, source="reception-test")
        ReceptionTest.objects.create(alert=alert)
        record(
            "drills.reception_test",
            request=request,
            actor=by or "system",
            target=f"alert:{alert.pk}",
            detail={"audience": alert.audience, "channels": alert.channel_order},
        )
    return alert


def extra_for(recipient, alert, token):
    """For broadcast's answer page: a reception test is acknowledged with 届いた."""
    if alert.reply_form != ReplyForm.ACKNOWLEDGE:
        return None
    if not ReceptionTest.objects.filter(pk=alert.pk).exists():
        return None
    return {
        "template": "drills/_reception_answer.html",
        "replaces_attendance": True,
        "answer_labels": {AnswerValue.ACKNOWLEDGED: pgettext("reception test", "Received")},
    }


def tests(user):
    """The reception tests this person may manage, newest first."""
    from renraku.broadcast.queries import manageable_by

    return manageable_by(user).filter(reception_test__isnull=False).order_by("-issued_at")


def summary(alert: Alert) -> dict:
    """How many were reached and on which channel, whose device showed it, who pressed
    届いた and who was not reached: one grouped query."""
    counts = Recipient.objects.filter(notice=alert).aggregate(
        recipients=Count("pk"),
        reached=Count("pk", filter=Q(reach=Reach.SENT)),
        pending=Count("pk", filter=Q(reach=Reach.PENDING)),
        not_reached=Count("pk", filter=Q(reach__in=NOT_REACHED)),
        shown=Count("shown_at"),
        pressed=Count("answered_at"),
    )
    by_channel = (
        Recipient.objects.filter(notice=alert, reach=Reach.SENT)
        .values_list("reached_via")
        .annotate(n=Count("pk"))
        .order_by("reached_via")
    )
    counts["by_channel"] = [
        {"channel": c, "label": channel_label(c), "count": n} for c, n in by_channel
    ]
    return counts


def channel_label(kind: str) -> str:
    return dict(ChannelChoice.choices).get(kind, kind)


def not_reached(alert: Alert, *, limit: int = 200):
    """Those no channel reached (every one failed, or none reaches them), by department."""
    return (
        Recipient.objects.filter(notice=alert, reach__in=NOT_REACHED)
        .select_related("staff", "department", "site")
        .order_by("department__order", "department_id", "pk")[:limit]
    )


HEADER = ["職員番号", "氏名", "部局", "勤務地", "到達", "経路", "端末表示", "既読", "届いた"]


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def csv_response(request, alert: Alert):
    """Everyone the test went to: reached or not, on which channel, shown on their device,
    read, pressed 届いた (csvsafe: UTF-8 with a BOM, or CP932; Tokyo times)."""

    def rows():
        people = (
            Recipient.objects.filter(notice=alert)
            .select_related("staff", "department", "site")
            .order_by("department__order", "department_id", "pk")
        )
        for r in people.iterator(chunk_size=2000):
            yield [
                r.staff.employee_number,
                r.staff.full_name,
                r.department.name,
                r.site.name,
                r.get_reach_display(),
                channel_label(r.reached_via) if r.reached_via else "",
                _time(r.shown_at),
                _time(r.read_at),
                _time(r.answered_at),
            ]

    with translation.override("ja"):
        return csvsafe.download(request, f"reception-test-{alert.pk}.csv", HEADER, rows())
