import pytest

from renraku.directory.models import DeploymentLevel, MinimumStaffing, Staff, Team
from renraku.testing import make_staff


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Every test here runs the task queue's work as it is enqueued."""


@pytest.fixture
def ward(org, people, smtp):
    """Who is called where: Bob at level 1 and Alice, Carol and Fumi at 3 (Fumi without a
    post); Dave only when everyone is (no level), Erin at 4. Level 3 needs 2 at the school
    and 1 at the head office, and 2 in the shelter team."""
    # The four levels a ward starts with (a data migration; gone after a flush between
    # tests that commit).
    for number, name in enumerate(["警戒配備", "第1次非常配備", "第2次非常配備", "全職員配備"], 1):
        DeploymentLevel.objects.get_or_create(number=number, defaults={"name": name})
    org.honcho.address = "東京都世田谷区世田谷4-21-27"
    org.honcho.save(update_fields=["address"])
    hq = Team.objects.create(code="HONBU", name="本部班", order=1)
    shelter = Team.objects.create(code="SHELTER", name="避難所班", order=2)
    fumi = make_staff(org, family="福田", given="文", work_email="fumi@city.example")
    plan = {
        people.bob.staff: (1, org.honcho, hq),
        people.alice.staff: (3, org.school, shelter),
        people.carol.staff: (3, org.honcho, hq),
        fumi: (3, None, None),
        people.dave.staff: (None, org.school, shelter),
        people.erin.staff: (4, org.honcho, hq),
    }
    for staff, (level, site, team) in plan.items():
        Staff.objects.filter(pk=staff.pk).update(
            callup_level=level, callup_site=site, callup_team=team
        )
    three = DeploymentLevel.objects.get(number=3)
    MinimumStaffing.objects.create(level=three, site=org.school, minimum=2)
    MinimumStaffing.objects.create(level=three, site=org.honcho, minimum=1)
    MinimumStaffing.objects.create(level=three, team=shelter, minimum=2)
    org.hq, org.shelter, org.fumi = hq, shelter, fumi
    return org
