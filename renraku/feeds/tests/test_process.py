"""From a message to an alert: the rules, drills and tests, cancellations, corrections,
all-clears, and never the same message twice."""

import json
import threading

from django.core.management import call_command
from django.db import connection

from renraku.audit.models import AuditEntry
from renraku.broadcast.models import Alert, AlertKind
from renraku.feeds.models import FeedMessage, Firing, Rule
from renraku.feeds.process import handle

from .jma import SAMPLES, earthquake, sample, warning


def alerts():
    return list(Alert.objects.order_by("pk"))


def test_shindo_5_lower_in_the_ward_asks_all_staff_if_they_are_safe(arrive, people, smtp):
    outcome = arrive(sample("32-39_11_05_120615_VXSE53.xml"), "32-39_11_05_120615_VXSE53.xml")
    assert (outcome.action, outcome.max_intensity_in_ward) == ("alert_sent", "5-")
    [alert] = alerts()
    assert alert.pk == outcome.alert_id and alert.reply_form == "safety"
    assert alert.title == "【安否確認】世田谷区で震度５弱" and alert.source == "jma:VXSE53"
    assert "3月11日 14時46分ころ" in alert.body and "出典：気象庁「" in alert.body
    assert alert.recipients.count() == 5  # everyone still on staff
    assert len(smtp.to("alice@city.example")) == 1
    row = FeedMessage.objects.get()
    assert (row.action, row.alert_id, row.rule.name) == (
        "alert_sent",
        alert.pk,
        "震度5弱以上：全職員に安否確認",
    )


def test_the_same_message_twice_sends_once(arrive, people):
    arrive(earthquake(), "a.xml")
    again = arrive(earthquake(), "b.xml")
    assert again.action == "duplicate" and again.alert_id is None
    assert again.reason == "同じ電文（種別・識別情報・情報番号・発表時刻）は処理済みです。"
    assert len(alerts()) == 1
    assert FeedMessage.objects.filter(action="duplicate").count() == 1


def test_the_next_product_for_the_same_earthquake_does_not_ask_again(arrive, people):
    arrive(earthquake(serial=1), "vxse53-1.xml")
    later = arrive(earthquake(serial=2, report_time="2026-11-29T14:10:00+09:00"), "vxse53-2")
    assert later.action == "duplicate" and "送信済み" in later.reason
    assert len(alerts()) == 1


def test_a_lower_serial_after_a_higher_one_changes_nothing(arrive, people):
    arrive(earthquake("3", serial=3, report_time="2026-11-29T14:20:00+09:00"), "s3.xml")
    late = arrive(earthquake("5+", serial=2, report_time="2026-11-29T14:10:00+09:00"), "s2.xml")
    assert late.action == "none" and "処理済みの情報番号3より古い" in late.reason
    assert alerts() == []


def test_shindo_4_informs_the_duty_group_only(arrive, people, duty_group):
    outcome = arrive(earthquake("4", city=False), "four.xml")
    assert (outcome.action, outcome.max_intensity_in_ward) == ("alert_sent", "4")
    [alert] = alerts()
    assert set(alert.recipients.values_list("staff__family_name", flat=True)) == {"馬場", "加藤"}
    assert alert.title == "東京都２３区（世田谷区）で震度４"  # from the area: said so


def test_shindo_3_and_other_places_send_nothing(arrive, people):
    assert (
        arrive(earthquake("3"), "three.xml").reason == "該当するルールはありません：震度３ (区内)。"
    )
    far = arrive(sample("VXSE53_nagano20260427_M3_no-tokyo_real.xml"), "nagano.xml")
    assert (far.action, far.ward_affected) == ("none", False)
    assert alerts() == []


def test_a_test_message_never_sends(arrive, people):
    outcome = arrive(earthquake("7", status="試験"), "test.xml")
    assert (outcome.action, outcome.reason) == ("none", "試験電文のため、送信しません。")
    assert alerts() == []


def test_a_drill_runs_only_when_the_ward_takes_part(arrive, people, settings):
    assert arrive(earthquake(status="訓練"), "drill.xml").action == "drill_ignored"
    assert alerts() == []
    settings.JMA_ACCEPT_DRILLS = True
    outcome = arrive(earthquake(status="訓練", event_id="20261129150000"), "drill2.xml")
    assert outcome.action == "alert_sent"
    [alert] = alerts()
    assert alert.is_drill and alert.category == "drill"


def test_a_cancellation_reaches_everyone_who_got_the_original(arrive, people, smtp):
    original = arrive(earthquake(), "eq.xml")
    cancel = arrive(
        earthquake(info_type="取消", serial=2, report_time="2026-11-29T14:30:00+09:00"), "x.xml"
    )
    assert cancel.action == "cancelled"
    first, cancellation = alerts()
    assert first.pk == original.alert_id and first.finished_at is not None
    assert (cancellation.kind, cancellation.parent_id) == (AlertKind.CANCELLATION, first.pk)
    assert cancellation.recipients.count() == first.recipients.count()
    assert len(smtp.to("alice@city.example")) == 2


def test_a_correction_is_sent_with_the_corrected_facts(arrive, people, without_callups):
    arrive(earthquake("5-"), "eq.xml")
    fixed = arrive(
        earthquake("5+", info_type="訂正", serial=2, report_time="2026-11-29T14:30:00+09:00"),
        "fix.xml",
    )
    assert fixed.action == "corrected"
    _first, correction = alerts()
    assert correction.kind == AlertKind.CORRECTION and "震度５強" in correction.title


def test_a_warning_and_its_all_clear_reach_the_same_people(arrive, people, duty_group):
    issued = arrive(warning("大雨警報", "発表"), "w1.xml")
    assert issued.action == "alert_sent"
    assert issued.warnings_in_ward == [{"name": "大雨警報", "status": "発表", "level": "警報"}]
    continuing = arrive(warning("大雨警報", "継続", report_time="2026-11-29T15:00:00+09:00"), "w2")
    assert continuing.action == "none"
    lifted = arrive(warning("大雨警報", "解除", report_time="2026-11-29T18:00:00+09:00"), "w3")
    assert lifted.action == "alert_sent" and "大雨警報が解除された" in lifted.reason
    first, all_clear = alerts()
    assert all_clear.kind == AlertKind.ALL_CLEAR and all_clear.title == "大雨警報 解除"
    assert set(all_clear.recipients.values_list("staff_id", flat=True)) == set(
        first.recipients.values_list("staff_id", flat=True)
    )
    assert first.finished_at is not None and not Firing.objects.filter(active=True).exists()
    # Issued again next week: a new alert, since the last one was lifted.
    again = arrive(warning("大雨警報", "発表", report_time="2026-12-06T10:00:00+09:00"), "w4")
    assert again.action == "alert_sent"


def test_a_special_warning_goes_to_all_staff(arrive, people):
    outcome = arrive(warning("大雨特別警報", "発表"), "special.xml")
    assert outcome.action == "alert_sent"
    assert Alert.objects.get().recipients.count() == 5


def test_a_rule_that_cannot_send_says_so_and_is_audited(arrive, people):
    # No 災害対策本部員 group: the warning rule's audience does not exist.
    outcome = arrive(warning("洪水警報", "発表"), "flood.xml")
    assert "送信できませんでした" in outcome.reason and alerts() == []
    assert (outcome.action, outcome.rule.name) == ("none", "大雨・洪水警報：災害対策本部員")
    assert AuditEntry.objects.filter(action="feeds.rule_failed").exists()


def test_rules_are_what_administrators_make_them(arrive, people):
    Rule.objects.filter(min_intensity="5-").update(min_intensity="3")
    assert arrive(earthquake("3"), "three.xml").action == "alert_sent"


def test_hostile_xml_is_rejected_and_recorded(arrive, people):
    outcome = arrive(b'<!DOCTYPE r [<!ENTITY a "a">]><r>&a;</r>', "evil.xml")
    assert outcome.action == "rejected" and "DTD" in outcome.reason
    assert FeedMessage.objects.get().action == "rejected"
    assert alerts() == []


def test_two_pollers_with_the_same_message_send_once(committed_db, people, default_rules):
    barrier = threading.Barrier(2)
    results = []

    def poller(name):
        barrier.wait()
        try:
            results.append(handle(earthquake(), name).action)
        finally:
            connection.close()

    threads = [threading.Thread(target=poller, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["alert_sent", "duplicate"]
    assert Alert.objects.count() == 1


def test_replay_prints_one_json_object_per_file(people, default_rules, capsys):
    files = [
        SAMPLES / "32-39_11_05_120615_VXSE53.xml",
        SAMPLES / "32-39_11_05_120615_VXSE53.xml",
        SAMPLES / "VXSE42_eew-haishin-test_shiken.xml",
    ]
    call_command("feed", "replay", *map(str, files), "--json")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["action"] for line in lines] == ["alert_sent", "duplicate", "none"]
    assert set(lines[0]) == {
        "file",
        "type",
        "status",
        "info_type",
        "event_id",
        "ward_affected",
        "max_intensity_in_ward",
        "warnings_in_ward",
        "action",
        "alert_id",
        "reason",
        "mobilise",
        "safety",
    }
    assert lines[0]["type"] == "VXSE53" and lines[0]["alert_id"] == Alert.objects.get().pk


def test_a_dry_run_decides_but_sends_and_stores_nothing(people, default_rules, capsys):
    call_command(
        "feed", "replay", str(SAMPLES / "32-39_11_05_120615_VXSE53.xml"), "--dry-run", "--json"
    )
    line = json.loads(capsys.readouterr().out)
    assert (line["action"], line["alert_id"]) == ("alert_sent", None)
    assert alerts() == [] and not FeedMessage.objects.exists()
