"""`renraku seed-demo`: the demo ward, the same every time it is run. Each app seeds its own
part from its own `demo.py` (the directory first: everyone else's data names its people),
all in one transaction, so a failed run leaves nothing half-made."""

from django.db import transaction

from renraku.broadcast.demo import seed_broadcast_demo
from renraku.bulletin.demo import seed_bulletin_demo
from renraku.dbstats import analyze_everything
from renraku.dialogues.demo import seed_dialogues_demo
from renraku.directory.demo import STAFF_COUNT, seed_directory_demo
from renraku.drills.demo import seed_drills_demo
from renraku.mobilise.demo import seed_mobilise_demo
from renraku.readiness.demo import seed_readiness_demo


@transaction.atomic
def seed_demo(progress: bool = False, staff: int = STAFF_COUNT) -> dict:
    """Create or bring back the demo ward (`staff` people: the ward has 10,000; tests build
    a smaller one of the same shape). Returns the HR import's counts."""
    counts = seed_directory_demo(progress=progress, staff=staff)
    seed_broadcast_demo()
    seed_bulletin_demo()
    seed_dialogues_demo()
    seed_drills_demo()
    seed_readiness_demo()
    seed_mobilise_demo()  # after readiness: its push subscriptions decide who push reaches
    analyze_everything()  # the planner learns the ward's size before anyone reads it
    return counts
