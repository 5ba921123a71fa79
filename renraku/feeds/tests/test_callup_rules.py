"""JMA rules that call staff up (参集): 震度5弱 in the ward → level 3, 震度5強 or more → level 4
(自動参集), 大雨警報 → level 1; one message per person (the safety rule asks only those the
call-up did not call), a stronger report of the same event raises the same call-up and
asks nobody again, drills are drills, and a replay never calls anyone twice."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from renraku.broadcast.models import Alert, AlertKind
from renraku.directory.models import DeploymentLevel, Staff
from renraku.directory.queries import called_at
from renraku.feeds.models import FeedMessage, Rule
from renraku.mobilise.models import Mobilisation
from renraku.notices.models import Recipient
from renraku.testing import sign_in

from .jma import SAMPLES, earthquake, warning

KUNREN = SAMPLES / "VXSE53_20110311_setagaya-5-_kunren.xml"  # 世田谷区 震度５弱, 訓練
KUNREN_STRONGER = SAMPLES / "VXSE53_20110311_setagaya-5+_kunren_serial2.xml"  # same, 5強
REAL = SAMPLES / "32-39_11_05_120615_VXSE53.xml"  # 2011-03-11: 世田谷区 震度５弱


@pytest.fixture
def ward(org, people):
    """Bob is called at level 1, Alice and Carol at 3, Erin at 4, Dave only when everyone
    is (no level of his own): level 3 calls Bob, Alice and Carol; level 4 everyone."""
    for number, name in enumerate(["警戒配備", "第1次非常配備", "第2次非常配備", "全職員配備"], 1):
        DeploymentLevel.objects.get_or_create(number=number, defaults={"name": name})
    for person, level in [("bob", 1), ("alice", 3), ("carol", 3), ("erin", 4)]:
        Staff.objects.filter(pk=getattr(people, person).staff.pk).update(callup_level=level)
    return org


@pytest.fixture
def replay(capsys, django_capture_on_commit_callbacks):
    """`renraku feed replay FILE… --json`, its alerts delivered after the commit."""

    def _replay(*files, flags=()):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("feed", "replay", *map(str, files), "--json", *flags)
        return [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    return _replay


def names(alert_id) -> set[str]:
    return set(
        Recipient.objects.filter(notice_id=alert_id).values_list("staff__given_name", flat=True)
    )


def staff_of(alert_id) -> list[int]:
    return list(Recipient.objects.filter(notice_id=alert_id).values_list("staff_id", flat=True))


def active_staff() -> set[int]:
    return set(Staff.objects.active().values_list("pk", flat=True))


def originals():
    return list(Alert.objects.filter(kind=AlertKind.ORIGINAL).order_by("pk"))


def test_shindo_5_lower_calls_up_level_3_and_asks_everyone_else_their_safety(
    ward, people, default_rules, replay, smtp
):
    [line] = replay(REAL)
    assert line["action"] == "mobilised" and line["max_intensity_in_ward"] == "5-"
    assert line["mobilise"] == {"level": 3, "auto": False, "called": 3, "raised": False}
    callup, asked = originals()
    assert line["alert_id"] == callup.pk and Mobilisation.objects.get().level == 3
    assert line["safety"] == {"alert_id": asked.pk, "recipients": 2}
    assert names(callup.pk) == set(called_at(3).values_list("given_name", flat=True))
    assert names(callup.pk) == {people.bob.staff.given_name, "愛", people.carol.staff.given_name}
    assert names(asked.pk) == {people.dave.staff.given_name, people.erin.staff.given_name}
    # One message per person, and everyone is asked: the called by the call-up (safety
    # first, then 参集), the others by the safety rule.
    called, others = staff_of(callup.pk), staff_of(asked.pk)
    assert not set(called) & set(others)
    assert len(called) + len(others) == len(active_staff()) == len(set(called) | set(others))
    assert callup.title == "【参集】第2次非常配備（世田谷区で震度５弱）" and not callup.is_drill
    assert asked.title == "【安否確認】世田谷区で震度５弱" and asked.reply_form == "safety"
    assert not asked.is_drill
    for person in ["alice", "bob", "carol", "dave", "erin"]:
        [mail] = smtp.to(f"{person}@city.example")
        assert ("参集" in mail["Subject"]) == (person in ("alice", "bob", "carol"))
    row = FeedMessage.objects.get()
    assert (row.action, row.rule.name) == ("mobilised", "震度5弱：第2次非常配備（参集）")
    assert (row.alert_id, row.safety_alert_id) == (callup.pk, asked.pk)
    assert "参集の対象でない2人にだけ" in row.reason


def later_report(tmp_path, intensity, serial, *, drill=False):
    """A later VXSE53 of REAL's earthquake (2011-03-11 14:46), as a file to replay."""
    path = tmp_path / f"serial{serial}.xml"
    path.write_bytes(
        earthquake(
            intensity,
            event_id="20110311144640",
            serial=serial,
            status="訓練" if drill else "通常",
            origin_time="2011-03-11T14:46:00+09:00",
            report_time=f"2011-03-11T15:{serial:02d}:00+09:00",
        )
    )
    return path


def test_a_stronger_report_adds_the_newly_called_to_the_call_up_and_asks_nobody_again(
    ward, people, default_rules, replay, smtp, tmp_path
):
    replay(REAL)
    callup, asked = originals()
    before = set(staff_of(asked.pk))
    [raised] = replay(later_report(tmp_path, "5+", 2))
    assert (raised["action"], raised["alert_id"]) == ("callup_raised", callup.pk)
    assert raised["mobilise"] == {"level": 4, "auto": True, "called": 2, "raised": True}
    assert raised["safety"] is None  # nobody is asked their safety again
    assert originals() == [callup, asked]
    # Those the safety rule asked are now called: they join the call-up, told to come.
    assert set(staff_of(callup.pk)) == active_staff()
    assert len(staff_of(callup.pk)) == len(active_staff())  # nobody twice
    assert set(staff_of(asked.pk)) == before  # the safety alert went to nobody new
    for person in ["dave", "erin"]:
        safety_mail, callup_mail = smtp.to(f"{person}@city.example")
        assert "参集" in callup_mail["Subject"] and "参集" not in safety_mail["Subject"]
    assert len(smtp.to("alice@city.example")) == 1
    # A later report that matches the safety rule again sends nothing to anyone.
    [later] = replay(later_report(tmp_path, "5-", 3))
    assert (later["action"], later["alert_id"], later["safety"]) == ("duplicate", None, None)
    assert originals() == [callup, asked] and len(smtp.to("dave@city.example")) == 2


def test_shindo_5_upper_calls_everyone_to_set_out_without_waiting(ward, arrive, smtp):
    outcome = arrive(earthquake("5+"), "strong.xml")
    assert outcome.action == "mobilised"
    assert outcome.mobilise == {"level": 4, "auto": True, "called": 5, "raised": False}
    [alert] = originals()
    assert Mobilisation.objects.get(pk=alert.pk).auto
    assert alert.title == "【自動参集】全職員配備（世田谷区で震度５強）"
    [mail] = smtp.to("dave@city.example")
    assert "連絡を待たずに参集してください" in mail.get_body(("plain",)).get_content()


def test_a_stronger_report_of_the_same_event_raises_the_same_call_up(ward, arrive, smtp, people):
    first = arrive(earthquake("5-"), "first.xml")
    later = dict(event_id="20261129140000", report_time="2026-11-29T14:10:00+09:00")
    stronger = arrive(earthquake("5+", serial=2, **later), "stronger.xml")
    assert (stronger.action, stronger.alert_id) == ("callup_raised", first.alert_id)
    assert stronger.mobilise == {"level": 4, "auto": True, "called": 2, "raised": True}
    alert, asked = originals()
    assert asked.pk == first.safety["alert_id"] and stronger.safety is None
    recipients = list(alert.recipients.values_list("staff_id", flat=True))
    assert len(recipients) == len(set(recipients)) == 5  # nobody twice
    # Dave: asked his safety, then called (a new instruction); Alice: called once.
    assert len(smtp.to("alice@city.example")) == 1 and len(smtp.to("dave@city.example")) == 2
    # Dave reads the stronger report's level and facts, and to set out unasked.
    callup_mail = smtp.to("dave@city.example")[1]
    assert callup_mail["Subject"].endswith("【自動参集】全職員配備（世田谷区で震度５強）")
    assert "連絡を待たずに参集してください" in callup_mail.get_body(("plain",)).get_content()
    # A weaker or equal later report changes nothing.
    for serial, intensity in [(3, "5-"), (4, "5+")]:
        again = dict(event_id="20261129140000", report_time=f"2026-11-29T14:{serial}0:00+09:00")
        outcome = arrive(earthquake(intensity, serial=serial, **again), f"{serial}.xml")
        assert (outcome.action, outcome.alert_id) == ("duplicate", None)
    assert Mobilisation.objects.get().level == 4 and alert.recipients.count() == 5
    assert originals() == [alert, asked] and asked.recipients.count() == 2


def test_heavy_rain_warning_calls_up_level_1_until_it_is_lifted(ward, arrive, duty_group, people):
    issued = arrive(warning("大雨警報", "発表"), "rain.xml")
    assert issued.action == "mobilised" and issued.mobilise["level"] == 1
    callup = Mobilisation.objects.get()
    assert names(callup.pk) == {people.bob.staff.given_name}
    assert callup.alert.title == "【参集】警戒配備（世田谷区に大雨警報）"
    # The duty group's information rule is not a safety rule: it still informs.
    assert [a.title for a in originals()] == [callup.alert.title, "世田谷区に大雨警報"]
    arrive(warning("大雨警報", "解除", report_time="2026-11-29T20:00:00+09:00"), "lifted.xml")
    callup.alert.refresh_from_db()
    assert callup.alert.finished_at is not None  # the call-up has ended
    assert Alert.objects.filter(kind=AlertKind.ALL_CLEAR, parent=callup.alert).exists()


def test_a_jma_drill_starts_a_drill_call_up_when_the_ward_takes_part(
    ward, default_rules, replay, settings
):
    settings.JMA_ACCEPT_DRILLS = True  # (without it, drill_ignored: test_process.py)
    [line] = replay(KUNREN)
    assert (line["action"], line["status"], line["mobilise"]["level"]) == ("mobilised", "訓練", 3)
    alert = Alert.objects.get(pk=line["alert_id"])
    assert alert.is_drill and alert.category == "drill"


def test_a_real_sample_replayed_as_a_drill_calls_up_at_level_3_and_then_4(
    ward, default_rules, replay, smtp, tmp_path
):
    """The README's drill: 震度5弱 replayed with --drill, then the stronger report."""
    [start] = replay(REAL, flags=["--drill"])
    assert (start["action"], start["status"], start["mobilise"]["level"]) == (
        "mobilised",
        "訓練",
        3,
    )
    callup = Alert.objects.get(pk=start["alert_id"])
    asked = Alert.objects.get(pk=start["safety"]["alert_id"])
    assert start["safety"]["recipients"] == 2
    # Both are drills, and each person gets one of them, marked 訓練.
    assert callup.is_drill and asked.is_drill and asked.category == "drill"
    called, others = set(staff_of(callup.pk)), set(staff_of(asked.pk))
    assert not called & others and called | others == active_staff()
    for person in ["alice", "bob", "carol", "dave", "erin"]:
        [mail] = smtp.to(f"{person}@city.example")
        assert "訓練" in mail["Subject"]
    [raised] = replay(KUNREN_STRONGER, flags=["--drill"])
    assert (raised["action"], raised["alert_id"]) == ("callup_raised", start["alert_id"])
    assert raised["mobilise"] == {"level": 4, "auto": True, "called": 2, "raised": True}
    assert raised["safety"] is None and set(staff_of(asked.pk)) == others
    assert set(staff_of(callup.pk)) == active_staff() == called | others
    [later] = replay(later_report(tmp_path, "5-", 3, drill=True), flags=["--drill"])
    assert (later["action"], later["safety"]) == ("duplicate", None)
    assert originals() == [callup, asked]
    # The drill is not the real event: the real message still calls up, on its own.
    [real] = replay(REAL)
    assert real["action"] == "mobilised" and real["alert_id"] != start["alert_id"]
    assert not Alert.objects.get(pk=real["alert_id"]).is_drill


def test_the_same_replay_twice_calls_up_once(ward, default_rules, replay):
    first, second = replay(REAL, REAL)
    assert (first["action"], second["action"]) == ("mobilised", "duplicate")
    assert second["alert_id"] is None and second["mobilise"] is None and second["safety"] is None
    assert first["safety"]["recipients"] == 2  # those level 3 does not call
    assert Mobilisation.objects.count() == 1 and Recipient.objects.count() == 5


def test_a_dry_run_says_who_would_be_called_and_calls_nobody(ward, default_rules, replay):
    [line] = replay(REAL, flags=["--dry-run"])
    assert line["action"] == "mobilised" and line["alert_id"] is None
    assert line["mobilise"] == {"level": 3, "auto": False, "called": 3, "raised": False}
    assert line["safety"] == {"alert_id": None, "recipients": 2}  # those level 3 leaves
    assert not Alert.objects.exists() and not FeedMessage.objects.exists()


def test_a_quake_outside_the_ward_calls_nobody(ward, default_rules, replay):
    [line] = replay(SAMPLES / "VXSE53_nagano20260427_M3_no-tokyo_real.xml")
    assert (line["action"], line["ward_affected"], line["mobilise"]) == ("none", False, None)
    assert not Mobilisation.objects.exists() and not Alert.objects.exists()


def test_without_call_up_data_the_safety_rule_still_asks_everyone(arrive, people):
    # Nobody has a call-up level: level 3 would call nobody, so nobody may go unasked.
    outcome = arrive(earthquake("5-"), "eq.xml")
    assert outcome.action == "alert_sent" and not Mobilisation.objects.exists()
    [alert] = originals()
    assert alert.title == "【安否確認】世田谷区で震度５弱" and alert.recipients.count() == 5
    assert outcome.safety == {"alert_id": alert.pk, "recipients": 5}
    assert "誰も招集しない" in outcome.reason


def test_an_aftershock_calls_nobody_again_nor_asks_their_safety(ward, arrive):
    arrive(earthquake("5-"), "main.xml")
    after = dict(
        event_id="20261129150000",
        origin_time="2026-11-29T15:00:00+09:00",
        report_time="2026-11-29T15:03:00+09:00",
    )
    shock = arrive(earthquake("5-", **after), "after.xml")
    assert shock.action == "aftershock" and len(originals()) == 2  # the call-up, the others
    assert shock.safety is None


def test_when_the_call_up_calls_everyone_nobody_gets_a_safety_alert_besides(ward, arrive):
    main = arrive(earthquake("5+"), "main.xml")
    assert (main.action, main.safety) == ("mobilised", None)
    assert [a.pk for a in originals()] == [main.alert_id]
    assert "全員参集の対象" in main.reason
    # Its aftershock asks nobody either: the safety rule's window is the call-up's.
    after = dict(
        event_id="20261129150000",
        origin_time="2026-11-29T15:00:00+09:00",
        report_time="2026-11-29T15:03:00+09:00",
    )
    assert arrive(earthquake("5+", **after), "after.xml").action == "aftershock"
    assert [a.pk for a in originals()] == [main.alert_id]


def test_a_correction_upward_raises_the_call_up(ward, arrive):
    first = arrive(earthquake("5-"), "eq.xml")
    fixed = arrive(
        earthquake("5+", info_type="訂正", serial=2, report_time="2026-11-29T14:30:00+09:00"),
        "fix.xml",
    )
    assert (fixed.action, fixed.alert_id) == ("callup_raised", first.alert_id)
    correction = Alert.objects.get(kind=AlertKind.CORRECTION, parent=first.alert_id)
    assert correction.title == "【参集】第2次非常配備（世田谷区で震度５強）"
    assert correction.recipients.count() == 3  # to those it had called, before the raise
    # Those the safety rule asked get its correction: each person one.
    other = Alert.objects.get(kind=AlertKind.CORRECTION, parent=first.safety["alert_id"])
    assert other.recipients.count() == 2
    assert Mobilisation.objects.get().level == 4


def test_a_withdrawn_earthquake_ends_its_call_up(ward, arrive):
    first = arrive(earthquake("5-"), "eq.xml")
    arrive(
        earthquake("5-", info_type="取消", serial=2, report_time="2026-11-29T14:30:00+09:00"),
        "x.xml",
    )
    callup = Alert.objects.get(pk=first.alert_id)
    asked = Alert.objects.get(pk=first.safety["alert_id"])
    assert callup.finished_at is not None and asked.finished_at is not None
    cancellations = Alert.objects.filter(kind=AlertKind.CANCELLATION)
    assert sorted(c.recipients.count() for c in cancellations) == [2, 3]  # everyone, once


def admin_post(client, **changes):
    data = {
        "name": "震度4：警戒配備（参集）",
        "enabled": "on",
        "order": "5",
        "trigger": "earthquake",
        "callup_level": "1",
        "min_intensity": "4",
        "max_intensity": "4",
        "all_clear": "on",
        "title": "【参集】${level}（${area}で${intensity}）",
        "audience": "{}",
        "channels": "[]",
        "escalation": "[]",
    }
    return client.post("/admin/feeds/rule/add/", data | changes)


def test_an_administrator_adds_a_call_up_rule_that_then_acts(client, ward, arrive, people):
    sign_in(client, people.dave)
    refused = admin_post(client, callup_level="9")
    assert refused.status_code == 200 and "配備体制 9 はありません" in refused.text
    without_wording = admin_post(client, callup_level="")
    assert "本文" in without_wording.text and "参集" in without_wording.text
    assert not Rule.objects.filter(name="震度4：警戒配備（参集）").exists()
    assert admin_post(client).status_code == 302
    outcome = arrive(earthquake("4"), "four.xml")
    assert outcome.action == "mobilised" and outcome.mobilise["level"] == 1
    assert names(outcome.alert_id) == {people.bob.staff.given_name}


def test_the_page_shows_the_call_up(client, ward, arrive, people):
    arrive(earthquake("5-"), "https://jma.example/eq.xml")
    sign_in(client, people.bob)
    page = client.get(reverse("feeds:list"), {"action": "mobilised"})
    assert [m.source for m in page.context["feed_messages"]] == ["https://jma.example/eq.xml"]
    assert "<strong>参集を開始</strong>" in page.text
    assert "【参集】第2次非常配備（世田谷区で震度５弱）" in page.text
    # The safety question to the others, beside it, each linked to its dashboard.
    callup, asked = originals()
    assert "参集対象外への安否確認" in page.text and "【安否確認】世田谷区で震度５弱" in page.text
    for alert in (callup, asked):
        assert reverse("broadcast:dashboard", args=[alert.pk]) in page.text
