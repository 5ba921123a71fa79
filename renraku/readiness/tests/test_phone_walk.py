"""What administrators met walking readiness on a phone: the menu leads to it, and the
progress line ends where the figures above it say the office is now."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.readiness import snapshots
from renraku.testing import sign_in

from .conftest import device

OFFICE = reverse("readiness:office")


@pytest.mark.parametrize(
    ("person", "offered"), [("dave", True), ("carol", True), ("alice", False), ("bob", False)]
)
def test_the_menu_offers_readiness_to_those_who_may_open_it(client, people, person, offered):
    sign_in(client, getattr(people, person))
    nav = client.get(reverse("home")).content.decode().split("<nav", 1)[1].split("</nav>")[0]
    assert (f'href="{OFFICE}">連絡の届く範囲<' in nav) is offered


def test_the_progress_ends_on_the_live_count_not_the_mornings(client, people):
    snapshots.take(timezone.now() - dt.timedelta(days=1))
    snapshots.take()  # this morning's: nobody's device had shown anything
    device(people.alice.staff, shown_days_ago=0)  # since then Alice's phone showed one
    device(people.bob.staff, shown_days_ago=0)
    sign_in(client, people.dave)
    html = client.get(OFFICE).content.decode()
    box = re.search(r'data-testid="total-push">([\d.]+)%<', html).group(1)
    assert box != "0.0"
    summary = html.split('data-testid="trend-summary"')[1].split("</p>")[0]
    assert summary.endswith(f"→ {box}%")
