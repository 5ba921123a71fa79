"""Huey tasks of the dialogues: a booking's invitation, the reminder the day before, and
the lottery's draw."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import lottery, notify, reminders


@db_task()
def invite_booked(booking_id: int):
    """Queued when a confirmed booking commits: its calendar invitation."""
    notify.invite_booked(booking_id)


@db_periodic_task(crontab(minute="*"))
def invite_missed():
    """Every minute: the invitations of bookings whose task was lost."""
    notify.invite_missed()


@db_periodic_task(crontab(minute="*/10"))
def remind_participants():
    """Every 10 minutes: the slots starting in a day that have not been reminded."""
    reminders.remind_tomorrow()


@db_periodic_task(crontab(minute="*"))
def draw_lots():
    """Every minute: the lotteries whose application deadline has passed."""
    lottery.draw_due()
