"""The demo ward's past 参集訓練: a new user opening 参集 finds a closed drill at level 3 with
its answers, arrivals (posts short first, some teams full) and facility reports, the CLI
and the pages agreeing, the pipeline's records consistent (a second seed changing nothing:
directory's test_commands.py)."""

import html
import io
import json
import re

from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import translation

from renraku.accounts.models import User
from renraku.broadcast.models import Answer
from renraku.directory.models import Site
from renraku.directory.queries import called_at
from renraku.mobilise.demo import SENDER, TITLE
from renraku.mobilise.models import Arrival, Callup, Family, Mobilisation, SiteReport
from renraku.notices.models import Delivery, Reach, Recipient
from renraku.testing import sign_in


def _lines(*args) -> list[dict]:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _text(response) -> str:
    """What the page says, as one line of words (no markup, drawings or scripts)."""
    assert response.status_code == 200
    body = re.sub(r"<(script|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _sum(lines, key) -> int:
    return sum(line[key] for line in lines)


def check_a_new_user_finds_a_past_drill_call_up_with_arrivals_and_reports(client) -> None:
    """On the demo ward renraku/demo/tests/test_demo_ward.py seeds."""
    _consistent()
    sign_in(client, User.objects.get(username=SENDER))
    index = client.get(reverse("mobilise:index"))
    assert TITLE in index.content.decode()
    [(m, level_name)] = index.context["rows"]  # one, and a new user starts their own
    assert m.level == 3 and level_name == "第2次非常配備"
    assert m.alert.is_drill and not m.alert.is_open

    by_site = _lines("mobilise", "status", str(m.pk))
    by_team = _lines("mobilise", "status", str(m.pk), "--by", "team")
    called = called_at(3).count()
    for lines in (by_site, by_team):
        assert _sum(lines, "called") == called
        # Everyone who answered 参集 or arrived is coming, cannot come, or has arrived.
        assert _sum(lines, "answered") == sum(
            _sum(lines, k) for k in ("coming", "cannot", "arrived")
        )
        for line in lines:
            assert line["coming"] == sum(line["eta"].values())
            if line["required"] is not None:
                assert line["short_by"] == max(0, line["required"] - line["arrived"])
        shortfalls = [line["short_by"] or 0 for line in lines]
        assert shortfalls == sorted(shortfalls, reverse=True)  # the furthest short first
    answered = _sum(by_site, "answered")
    arrived = _sum(by_site, "arrived")
    assert 0.75 * called <= answered <= 0.92 * called
    assert 0.4 * called <= arrived < answered
    assert _sum(by_site, "cannot") > 0.05 * called
    staffed = [line for line in by_site if line["required"] is not None]
    assert len([line for line in staffed if line["short_by"]]) >= 5  # several posts short
    assert any(line["short_by"] == 0 for line in staffed)
    teams = [line for line in by_team if line["required"] is not None]
    assert any(line["short_by"] == 0 for line in teams)  # some teams full
    assert any(line["short_by"] for line in teams)

    page = _text(client.get(reverse("mobilise:status", args=[m.pk])))
    for figure in (called, answered, arrived):
        assert f" {figure} " in page
    # The posts short of staff, the furthest first, each marked in words.
    short = [line for line in by_site if line["short_by"]]
    first, last = page.index(short[0]["name"]), page.index(short[4]["name"])
    assert first < page.index(f"{short[0]['short_by']}人不足") < last
    with translation.override("ja"):
        for _value, label in Family.choices:  # counted, never named
            assert int(re.search(rf"{label} (\d+)", page)[1]) > 0
    assert "到着の推移" in page  # the arrivals chart
    assert client.get(reverse("broadcast:dashboard", args=[m.pk])).status_code == 200

    sites = client.get(reverse("mobilise:sites", args=[m.pk])).context["counts"]
    status = _lines("site", "status", str(m.pk))
    reported = [line for line in status if line["status"]]
    assert 25 <= len(reported) <= 50
    assert sites["usable"] > 0.8 * len(reported)
    assert 1 <= sites["partly"] <= 5 and 1 <= sites["unusable"] <= 2
    assert (
        sites["unreported"] == Site.objects.count() - len(reported) == len(status) - len(reported)
    )

    post = _text(client.get(reverse("mobilise:post", args=[m.pk, short[0]["code"]])))
    assert short[0]["name"] in post and f"{short[0]['short_by']}人不足" in post


def _consistent() -> None:
    """The pipeline's records as the pipeline makes them, each step after the one before."""
    m = Mobilisation.objects.select_related("alert").get()
    sent, closed = m.alert.issued_at, m.alert.finished_at
    assert m.started_at == sent < closed
    recipients = Recipient.objects.filter(notice=m.alert)
    # Reached as the pipeline reaches: by a delivery sent on the channel it says.
    assert not recipients.exclude(reach__in=(Reach.SENT, Reach.NONE)).exists()
    deliveries = Delivery.objects.filter(recipient__notice=m.alert)
    assert deliveries.count() == recipients.filter(reach=Reach.SENT).count()
    assert not deliveries.exclude(status=Delivery.Status.SENT).exists()
    assert not deliveries.exclude(channel=F("recipient__reached_via")).exists()
    # Each step after the one before: sent, the safety answer, 参集, arrival, closed.
    assert not recipients.filter(answered_at__lt=sent).exists()
    assert not recipients.filter(answered_at__lt=F("read_at")).exists()
    callups = Callup.objects.filter(mobilisation=m)
    assert not callups.filter(answered_at__lt=F("recipient__answered_at")).exists()
    assert not callups.filter(arrived_at__lt=F("answered_at")).exists()
    assert not callups.filter(arrived_at__gt=closed).exists()
    assert not callups.filter(
        recipient__answered_at__isnull=True, answered_at__isnull=False
    ).exists()
    arrivals = Arrival.objects.filter(callup__mobilisation=m)
    assert arrivals.count() == callups.filter(arrived_at__isnull=False).count()
    assert arrivals.exclude(site=F("callup__site")).exists()  # a few elsewhere
    assert not SiteReport.objects.filter(mobilisation=m, reported_at__gt=closed).exists()
    assert not Answer.objects.filter(recipient__notice=m.alert, at__lt=sent).exists()
