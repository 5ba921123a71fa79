import datetime as dt

import pytest
from django.utils import timezone

from renraku.drills import schedule
from renraku.testing import make_staff


@pytest.fixture
def office(org, people):
    """The people of make_people, and six more: three at the school (学校教育部), three
    more in 総務部, so that departments differ in size."""
    extra = [
        make_staff(
            org,
            family=f"学{i}",
            department=org.gak,
            site=org.school,
            work_email=f"g{i}@city.example",
        )
        for i in range(3)
    ] + [make_staff(org, family=f"総{i}", work_email=f"s{i}@city.example") for i in range(3)]
    return org, people, extra


def window(hours_from_now=1, length_hours=2):
    start = timezone.now() + dt.timedelta(hours=hours_from_now)
    return start, start + dt.timedelta(hours=length_hours)


@pytest.fixture
def sent_drill(office):
    """A drill to everyone, scheduled by Bob and sent (its moment forced: time passing)."""
    _org, people, _extra = office
    start, end = window()
    drill = schedule.schedule_drill(audience={"all": True}, start=start, end=end, by=people.bob)
    return schedule.send_drill(drill.pk)
