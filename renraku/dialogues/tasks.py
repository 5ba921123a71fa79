"""Huey tasks of the dialogues: the reminder the day before, and the lottery's draw."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import lottery, reminders


@db_periodic_task(crontab(minute="*/10"))
def remind_participants():
    """Every 10 minutes: the slots starting in a day that have not been reminded."""
    reminders.remind_tomorrow()


@db_periodic_task(crontab(minute="*"))
def draw_lots():
    """Every minute: the lotteries whose application deadline has passed."""
    lottery.draw_due()
