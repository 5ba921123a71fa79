"""What a drill measured: the time until 25, 50, 75 and 90 % of its recipients had
answered, the share answered at 10, 30 and 60 minutes, by department and site, and each
department's trend across the office's drills.

Counted by the database in two grouped queries however many drills and recipients: one of
counts per group (a column each, conditional counts in one pass), one that numbers each
group's recipients in the order they first answered (ROW_NUMBER) and keeps only the rows
at the ⌈N % × recipients⌉-th places, a few per group. The same SQL runs on SQLite and
PostgreSQL. A person's first answer is what counts (Recipient.answered_at, kept when they
change their answer); the latest is shown beside it.
"""

import datetime as dt

from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from renraku.broadcast.models import Alert, AlertKind, Answer
from renraku.broadcast.queries import manageable_by
from renraku.directory.models import Department, Site
from renraku.notices.models import Recipient
from renraku.rates import fraction, percent

MARKS = (25, 50, 75, 90)  # % of the recipients answered: the times to these
MINUTES = (10, 30, 60)  # the share answered at these minutes after sending
BY = ("department", "site")


def drills(user=None):
    """The drills (alerts marked 訓練, not their reminders, corrections or lists), newest
    first; those `user` may manage when given."""
    alerts = manageable_by(user) if user is not None else Alert.objects.all()
    return alerts.filter(is_drill=True, kind=AlertKind.ORIGINAL).order_by("-issued_at", "-pk")


def needed(recipients: int, mark: int) -> int:
    """How many must have answered for `mark` % of `recipients`: ⌈mark % × recipients⌉."""
    return (recipients * mark + 99) // 100


def figures(alerts, by: str | None = None) -> list[dict]:
    """One row per alert (and per department or site, with `by`): recipients, answered,
    answered within each of MINUTES, and the seconds to each of MARKS (None if not
    reached), in the alerts' order and then the directory's."""
    alerts = list(alerts)
    if not alerts:
        return []
    issued = {a.pk: a.issued_at for a in alerts}
    keys = ["notice_id", *([f"{by}_id"] if by else [])]
    rows = Recipient.objects.filter(notice_id__in=list(issued))
    counts = (
        rows.values(*keys)
        .annotate(
            recipients=Count("pk"),
            answered=Count("answered_at"),
            **{
                f"in_{m}": Count(
                    "pk",
                    filter=Q(answered_at__lte=F("notice__issued_at") + dt.timedelta(minutes=m)),
                )
                for m in MINUTES
            },
        )
        .order_by()
    )
    out = {tuple(r[k] for k in keys): {**r, "seconds": {}} for r in counts}
    for key, mark, at in _mark_times(rows, keys):
        out[key]["seconds"][mark] = round((at - issued[key[0]]).total_seconds(), 1)
    order = {pk: i for i, pk in enumerate(issued)}
    names = _names(by, {k[1] for k in out}) if by else {}

    def place(key):  # the alerts' order, then the directory's
        return (order[key[0]], names.get(key[1], (0, "", ""))[0] if by else 0)

    return [_shaped(out[k], alerts[order[k[0]]], by, names) for k in sorted(out, key=place)]


def _mark_times(rows, keys):
    """(group key, mark, first answer time) for each mark a group reached: the rows
    numbered ⌈mark % × recipients⌉ in the order of first answers (unanswered last)."""
    partition = [F(k) for k in keys]
    ranked = rows.annotate(
        n=Window(
            RowNumber(),
            partition_by=partition,
            order_by=[F("answered_at").asc(nulls_last=True), F("pk").asc()],
        ),
        size=Window(Count("pk"), partition_by=partition),
    )
    at_a_mark = Q()
    for mark in MARKS:
        at_a_mark |= Q(n=(F("size") * mark + 99) / 100)
    for values in ranked.filter(at_a_mark).values_list(*keys, "n", "size", "answered_at"):
        *key, n, size, at = values
        if at is None:  # fewer had answered than the mark needs
            continue
        for mark in MARKS:
            if needed(size, mark) == n:
                yield tuple(key), mark, at


def _names(by, pks) -> dict:
    """pk → (place in the directory's order, code, name)."""
    model = {"department": Department, "site": Site}[by]
    rows = model.objects.filter(pk__in=pks).values_list("pk", "code", "name")
    return {pk: (i, code, name) for i, (pk, code, name) in enumerate(rows)}


def _shaped(row, alert, by, names) -> dict:
    total = row["recipients"]
    shaped = {
        "id": alert.pk,
        "sent_at": alert.issued_at,
        "recipients": total,
        "answered": row["answered"],
        **{f"t{m}_s": row["seconds"].get(m) for m in MARKS},
        **{f"rate_{m}": percent(row[f"in_{m}"], total, digits=0) for m in MINUTES},
        **{f"share_{m}": fraction(row[f"in_{m}"], total) for m in MINUTES},
        "rate": percent(row["answered"], total, digits=0),
    }
    if by:
        _sort, code, name = names.get(row[f"{by}_id"], (0, "", ""))
        shaped |= {by: code, "name": name}
    return shaped


def as_json(row: dict, by: str | None = None) -> dict:
    """A row of `figures` as `renraku drill report --json` prints it."""
    out = {
        "id": row["id"],
        "sent_at": timezone.localtime(row["sent_at"]).isoformat(),
        **({by: row[by], "name": row["name"]} if by else {}),
        "recipients": row["recipients"],
        "answered": row["answered"],
        **{f"t{m}_s": row[f"t{m}_s"] for m in MARKS},
        **{f"answered_{m}m": row[f"share_{m}"] for m in MINUTES},
    }
    return out


def changed_answers(alert: Alert, *, limit: int = 100) -> tuple[int, list[dict]]:
    """Those who changed their answer: how many, and the first `limit` with the time of
    their first answer (which is what the drill counts) and of their latest."""
    changed = (
        Answer.objects.filter(recipient__notice=alert)
        .values("recipient")
        .annotate(answers=Count("pk"), latest=Max("at"))
        .filter(answers__gt=1)
        .order_by("recipient")
    )
    total = changed.count()
    latest = {r["recipient"]: r["latest"] for r in changed[:limit]}
    people = (
        Recipient.objects.filter(pk__in=list(latest))
        .select_related("staff", "department")
        .order_by("department__order", "pk")
    )
    return total, [
        {
            "recipient": r,
            "first": r.answered_at,
            "latest": latest[r.pk],
            "first_s": round((r.answered_at - alert.issued_at).total_seconds()),
            "latest_s": round((latest[r.pk] - alert.issued_at).total_seconds()),
        }
        for r in people
    ]


def drill_page(alert: Alert) -> dict:
    """Everything one drill's page shows: a fixed number of grouped queries."""
    overall = figures([alert])
    changed_count, changed = changed_answers(alert)
    return {
        "overall": overall[0] if overall else None,
        "departments": figures([alert], "department"),
        "sites": sorted(figures([alert], "site"), key=lambda r: (r["rate_30"], r["name"])),
        "changed_count": changed_count,
        "changed": changed,
    }


def clock(seconds) -> str:
    """Seconds as m:ss (or h:mm:ss), the way a drill's times are read; "—" for None."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
