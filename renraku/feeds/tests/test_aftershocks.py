"""After an earthquake alert, aftershocks send only when stronger in the ward than any
since; the others are recorded as 余震. The window is read from the messages' own times."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from renraku.broadcast.models import Alert, AlertKind
from renraku.feeds.models import FeedMessage
from renraku.testing import sign_in

from .jma import earthquake

# The safety rules' own windows; a call-up's aftershocks: test_callup_rules.py.
pytestmark = pytest.mark.usefixtures("without_callups")


def quake(intensity, hour, minute=0, *, event=None, **kwargs):
    """An earthquake felt in the ward at hour:minute on 29 November, its own EventID."""
    at = f"2026-11-29T{hour:02d}:{minute:02d}:00+09:00"
    return earthquake(
        intensity,
        event_id=event or f"20261129{hour:02d}{minute:02d}00",
        origin_time=at,
        report_time=at.replace(":00+", ":30+"),
        **kwargs,
    )


def sent():
    return list(Alert.objects.filter(kind=AlertKind.ORIGINAL).order_by("pk"))


def test_aftershocks_no_stronger_than_the_first_are_recorded_not_sent(arrive, people, smtp):
    assert arrive(quake("5+", 14), "main.xml").action == "alert_sent"
    weaker = arrive(quake("5-", 15), "after1.xml")
    same = arrive(quake("5+", 19, 59), "after2.xml")
    assert (weaker.action, same.action) == ("aftershock", "aftershock")
    assert weaker.alert_id is None and "震度５強" in weaker.reason
    assert len(sent()) == 1 and len(smtp.to("alice@city.example")) == 1
    row = FeedMessage.objects.get(source="after1.xml")
    with translation.override("en"):
        assert row.get_action_display() == "Aftershock, not sent"


def test_a_stronger_aftershock_sends_and_raises_the_bar(arrive, people):
    arrive(quake("5-", 14), "1.xml")
    assert arrive(quake("5+", 15), "2.xml").action == "alert_sent"
    assert arrive(quake("5-", 16), "3.xml").action == "aftershock"
    assert arrive(quake("5+", 17), "4.xml").action == "aftershock"  # not above 5強
    assert arrive(quake("6-", 18), "5.xml").action == "alert_sent"
    assert [a.title for a in sent()] == [
        "【安否確認】世田谷区で震度５弱",
        "【安否確認】世田谷区で震度５強",
        "【安否確認】世田谷区で震度６弱",
    ]


def test_the_window_is_counted_in_the_earthquakes_own_time(arrive, people, settings):
    # Processed a second apart, but JMA says seven hours apart: a new earthquake.
    arrive(quake("5-", 9), "morning.xml")
    assert arrive(quake("5-", 16, 1), "evening.xml").action == "alert_sent"
    settings.JMA_AFTERSHOCK_HOURS = 12
    assert arrive(quake("5-", 20), "night.xml").action == "aftershock"
    assert len(sent()) == 2


def test_the_next_products_of_an_aftershock_stay_aftershocks(arrive, people):
    arrive(quake("5+", 14), "main.xml")
    arrive(quake("5-", 15), "after.xml")
    again = arrive(quake("5-", 15, serial=2), "after-2.xml")
    assert again.action == "aftershock" and len(sent()) == 1


def test_a_correction_upward_of_the_first_still_acts(arrive, people):
    arrive(quake("5-", 14), "main.xml")
    arrive(quake("5-", 15), "after.xml")
    fixed = arrive(
        quake("5+", 14, event="20261129140000", info_type="訂正", serial=2), "main-fix.xml"
    )
    assert fixed.action == "corrected"
    assert Alert.objects.get(kind=AlertKind.CORRECTION).title == "【安否確認】世田谷区で震度５強"


def test_a_withdrawn_first_earthquake_opens_no_window(arrive, people):
    arrive(quake("5-", 14), "main.xml")
    arrive(quake("5-", 14, info_type="取消", serial=2), "withdrawn.xml")
    assert arrive(quake("5-", 15), "real.xml").action == "alert_sent"


def test_each_rule_keeps_its_own_window(arrive, people, duty_group):
    # The 震度4 rule has not sent since the 震度5弱: its first 震度4 informs the duty group,
    # the next is its aftershock. The safety rule is not asked again for either.
    arrive(quake("5-", 14), "main.xml")
    first_four = arrive(quake("4", 14, 30), "four-1.xml")
    second_four = arrive(quake("4", 15), "four-2.xml")
    assert (first_four.action, second_four.action) == ("alert_sent", "aftershock")
    assert [a.title for a in sent()] == ["【安否確認】世田谷区で震度５弱", "世田谷区で震度４"]


def test_a_replay_decides_as_live(people, default_rules, capsys, tmp_path):
    files = []
    for name, data in [
        ("1.xml", quake("5-", 14)),
        ("2.xml", quake("5-", 15)),
        ("3.xml", quake("5-", 21)),  # seven hours after the first
    ]:
        (tmp_path / name).write_bytes(data)
        files.append(str(tmp_path / name))
    call_command("feed", "replay", *files, "--json")
    actions = [json.loads(line)["action"] for line in capsys.readouterr().out.splitlines()]
    assert actions == ["alert_sent", "aftershock", "alert_sent"]


def test_the_page_shows_aftershocks(client, people, arrive):
    arrive(quake("5+", 14), "https://jma.example/main.xml")
    arrive(quake("4", 15), "https://jma.example/after.xml")
    arrive(quake("5-", 15, 30), "https://jma.example/after-2.xml")
    sign_in(client, people.bob)
    page = client.get(reverse("feeds:list"), {"action": "aftershock"})
    assert [m.source for m in page.context["feed_messages"]] == ["https://jma.example/after-2.xml"]
    assert 'class="action-aftershock"' in page.text and "余震" in page.text
