"""The CSV of an alert's recipients and their answers, for the record and the drill report."""

from django.utils import timezone, translation

from renraku import csvsafe
from renraku.notices.models import Recipient

from . import attendance
from .models import Answer

HEADER = [
    "職員番号",
    "氏名",
    "部局",
    "勤務地",
    "既読",
    "回答",
    "出勤可否",
    "所在地",
    "コメント",
    "回答日時",
    "回答経路",
]


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def recipients_csv(request, alert):
    """csvsafe.download (UTF-8 with a BOM, or CP932; every cell a person typed neutralised
    so that a spreadsheet never runs it as a formula), Tokyo times, labels in Japanese."""
    with translation.override("ja"):  # the rows are made inside: their labels too
        header = HEADER.copy()
        if attendance.is_callup(alert):  # its attendance is the 参集 answer
            header[header.index("出勤可否")] = "参集可否"
        return csvsafe.download(request, f"alert-{alert.pk}.csv", header, _rows(alert))


def _rows(alert):
    latest = {}  # recipient id → (where, comment, via) of their latest answer
    answers = Answer.objects.filter(recipient__notice=alert).order_by("at", "pk")
    for rid, *details in answers.values_list("recipient_id", "location", "comment", "via"):
        latest[rid] = details  # the last one wins
    rows = (
        Recipient.objects.filter(notice=alert)
        .select_related("staff", "department", "site")
        .order_by("department__order", "pk")
    )
    for r in rows.iterator(chunk_size=2000):
        location, comment, via = latest.get(r.pk, ("", "", ""))
        yield [
            r.staff.employee_number,
            r.staff.full_name,
            r.department.name,
            r.site.name,
            _time(r.read_at),
            r.get_answer_display(),
            str(attendance.word_for(r.attendance, alert)),
            location,
            comment,
            _time(r.answered_at),
            via,
        ]
