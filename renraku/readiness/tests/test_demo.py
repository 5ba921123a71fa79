"""On the demo ward the page and the CLI add up, and the mix is the one promised: about
three quarters with a device that showed a notice lately, some only e-mail, a few reached
by nothing; a year of daily counts improving to today's."""

import io
import json

from django.core.management import call_command
from django.urls import reverse

from renraku.accounts.models import Role, User
from renraku.readiness.models import Snapshot
from renraku.testing import sign_in


def check_the_demo_page_and_cli_add_up(client, size: int) -> None:
    """On the demo ward renraku/demo/tests/test_demo_ward.py seeds (`size` people)."""
    out = io.StringIO()
    call_command("readiness", "--json", "--by", "department", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    staff = sum(r["staff"] for r in rows)
    push, none = sum(r["push"] for r in rows), sum(r["none"] for r in rows)
    email_only = sum(r["email"] for r in rows) - push  # at most: some have both
    assert staff == size
    assert 0.70 <= push / staff <= 0.82
    assert 0 < none <= staff * 0.05
    assert email_only > staff * 0.1

    sign_in(client, User.objects.get(role=Role.ADMINISTRATOR, username="900004"))
    page = client.get(reverse("readiness:office")).context
    assert page["total"]["staff"] == staff
    assert page["total"]["push"] == push and page["total"]["none"] == none
    by_site = client.get(reverse("readiness:office")).context["sites"]
    assert sum(r["staff"] for r in by_site) == staff
    assert sum(r["none"] for r in by_site) == none

    chart = page["chart"]
    assert chart["first"]["push_pct"] < chart["last"]["push_pct"] - 20
    assert chart["last"]["push_pct"] == page["total"]["push_pct"]
    assert Snapshot.objects.values("day").distinct().count() == 365
    # A second seed changing nothing: directory's test_commands.py, for every app at once.
