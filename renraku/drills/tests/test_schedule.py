"""Scheduling a drill in a window from the command line, refusing bad windows, and the
worker's minute task sending it at its moment, once."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from renraku.accounts.models import Role
from renraku.broadcast.models import Alert, AlertCategory, ReplyForm
from renraku.drills import schedule, tasks
from renraku.drills.models import ScheduledDrill
from renraku.monitoring.models import PeriodicRun

from .conftest import window


def _cli(*args) -> str:
    out = io.StringIO()
    call_command("drill", *args, stdout=out)
    return out.getvalue()


def _iso(t):
    return timezone.localtime(t).replace(tzinfo=None).isoformat(timespec="minutes")


def test_schedule_from_the_command_line_answers_id_and_window_only(office):
    start, end = window()
    answer = json.loads(
        _cli(
            "schedule",
            "--audience",
            "departments=SOM",
            "--between",
            _iso(start),
            _iso(end),
            "--title",
            "防災訓練",
            "--json",
        )
    )
    drill = ScheduledDrill.objects.get(pk=answer["id"])
    assert set(answer) == {"id", "between"}
    assert answer["between"] == schedule.window(drill)
    assert drill.window_start <= drill.send_at <= drill.window_end
    assert (drill.title, drill.audience, drill.alert) == (
        "防災訓練",
        {"departments": ["SOM"]},
        None,
    )
    listed = _cli("scheduled", "--json")
    assert json.loads(listed)["state"] == "scheduled"
    moment = timezone.localtime(drill.send_at)
    assert moment.isoformat() not in listed and f"{moment:%H:%M:%S}" not in listed


@pytest.mark.parametrize(
    "hours_from_now, length_hours, message",
    [
        (-3, 1, "The window starts in the past."),
        (1, -1, "The window must end after it starts."),
        (1, 0, "The window must end after it starts."),
        (1, 24 * 7 + 1, "The window may be at most 7 days long."),
        (24 * 400, 1, "The window must start within a year."),
    ],
)
def test_a_bad_window_is_refused_with_the_reason_and_nothing_scheduled(
    office, hours_from_now, length_hours, message
):
    start, end = window(hours_from_now, length_hours)
    with pytest.raises(CommandError) as refused:
        _cli("schedule", "--audience", "all", "--between", _iso(start), _iso(end))
    assert message in str(refused.value) or _ja(message) in str(refused.value)
    assert not ScheduledDrill.objects.exists()


def _ja(message):
    from django.utils.translation import gettext, override

    with override("ja"):
        return gettext(message)


@pytest.mark.parametrize(
    "audience, between",
    [
        ("departments=NOPE", None),
        ("all", ("tomorrow", "later")),
    ],
)
def test_an_unknown_audience_or_an_unreadable_time_is_refused(office, audience, between):
    start, end = window()
    between = between or (_iso(start), _iso(end))
    with pytest.raises(CommandError):
        _cli("schedule", "--audience", audience, "--between", *between)
    assert not ScheduledDrill.objects.exists()


def test_the_minute_task_sends_a_drill_only_when_due_and_only_once(office):
    start, end = window()
    drill = schedule.schedule_drill(audience={"all": True}, start=start, end=end)

    assert tasks.send_due(now=drill.send_at - dt.timedelta(seconds=1)) == 0
    assert not Alert.objects.exists()

    assert tasks.send_due(now=drill.send_at) == 1
    assert tasks.send_due(now=drill.send_at + dt.timedelta(minutes=1)) == 0  # run again
    drill.refresh_from_db()
    alert = Alert.objects.get()
    assert drill.alert == alert
    assert (alert.is_drill, alert.category, alert.reply_form) == (
        True,
        AlertCategory.DRILL,
        ReplyForm.SAFETY,
    )
    assert alert.recipients.count() == 11
    # A second host's run finds the drill's claim and sends nothing.
    assert PeriodicRun.objects.filter(name=f"drills.send.{drill.pk}").count() == 1


def test_the_periodic_task_itself_sends_what_is_due(office, tasks_run_at_once):
    start, end = window()
    drill = schedule.schedule_drill(audience={"all": True}, start=start, end=end)
    tasks.send_due_drills()
    assert not Alert.objects.exists()  # not yet
    # Time passes: its moment is now behind us.
    ScheduledDrill.objects.filter(pk=drill.pk).update(send_at=timezone.now())
    tasks.send_due_drills()
    tasks.send_due_drills()
    assert Alert.objects.filter(is_drill=True).count() == 1


def test_a_cancelled_drill_never_goes_out(office):
    start, end = window()
    drill = schedule.schedule_drill(audience={"all": True}, start=start, end=end)
    _cli("cancel", str(drill.pk))
    assert tasks.send_due(now=drill.send_at) == 0
    assert not Alert.objects.exists()
    with pytest.raises(CommandError):  # twice: said, not done twice
        _cli("cancel", str(drill.pk))


def test_a_sent_drill_cannot_be_cancelled(office):
    start, end = window()
    drill = schedule.schedule_drill(audience={"all": True}, start=start, end=end)
    tasks.send_due(now=drill.send_at)
    with pytest.raises(CommandError):
        _cli("cancel", str(drill.pk))


def test_a_drill_whose_sender_may_no_longer_send_is_called_off_with_the_reason(office):
    _org, people, _extra = office
    start, end = window()
    drill = schedule.schedule_drill(audience={"all": True}, start=start, end=end, by=people.bob)
    people.bob.role = Role.STAFF
    people.bob.save(update_fields=["role"])
    assert tasks.send_due(now=drill.send_at) == 0
    drill.refresh_from_db()
    assert drill.alert is None and drill.cancelled_at is not None and drill.cancel_reason
    assert not Alert.objects.exists()
