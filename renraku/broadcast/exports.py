"""The CSV of an alert's recipients and their answers, for the record and the drill report."""

import csv

from django.http import HttpResponse
from django.utils import timezone, translation

from renraku.csvsafe import neutralise
from renraku.notices.models import Recipient

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


def recipients_csv(alert) -> HttpResponse:
    """UTF-8 with a BOM (so Excel reads it as such), Tokyo times, labels in Japanese. Every
    cell a person typed (a comment, where they are, a name) is neutralised so that a
    spreadsheet never runs it as a formula."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="alert-{alert.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(HEADER)
    latest = {}  # recipient id → (where, comment, via) of their latest answer
    answers = Answer.objects.filter(recipient__notice=alert).order_by("at", "pk")
    for rid, *details in answers.values_list("recipient_id", "location", "comment", "via"):
        latest[rid] = details  # the last one wins
    rows = (
        Recipient.objects.filter(notice=alert)
        .select_related("staff", "department", "site")
        .order_by("department__order", "pk")
    )
    with translation.override("ja"):
        for r in rows.iterator(chunk_size=2000):
            location, comment, via = latest.get(r.pk, ("", "", ""))
            cells = [
                r.staff.employee_number,
                r.staff.full_name,
                r.department.name,
                r.site.name,
                _time(r.read_at),
                r.get_answer_display(),
                r.get_attendance_display(),
                location,
                comment,
                _time(r.answered_at),
                via,
            ]
            writer.writerow([neutralise(str(c)) for c in cells])
    return response
