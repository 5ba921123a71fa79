"""The call-up (参集) rules against the messages a ward meets, replayed as they arrive
(`renraku feed replay --json`), from samples derived from JMA's real messages (SOURCES.md):
震度速報 by area, the ward among many cities, 6弱 to 7, 震度５弱以上未入電, 長周期地震動, a
second earthquake the same day, 取消 and 訂正 after a raise, 大雨警報 and 大雨特別警報,
warnings elsewhere, a warning lifted while a quake's call-up is open, drills and tests,
hostile documents and encodings. What each should do is what a ward's 危機管理 expects:
one open call-up, raised and never doubled; nobody sent home by a correction."""

import pytest
from django.core.management import call_command

from renraku.broadcast.models import Alert, AlertKind
from renraku.feeds.models import FeedMessage
from renraku.mobilise.models import Mobilisation

from .jma import SAMPLES, earthquake, sample
from .test_callup_rules import active_staff, names, replay, staff_of, ward

__all__ = ["replay", "ward"]  # fixtures, used by name

SOKUHO = SAMPLES / "VXSE51_20240101_tokyo23-5-.xml"  # 震度速報: 東京都２３区 震度５弱
SOKUHO_WITHDRAWN = SAMPLES / "VXSE51_20240101_torikeshi.xml"
DETAIL = SAMPLES / "VXSE53_20240101_setagaya-5+.xml"  # same quake: 世田谷区 震度５強
DETAIL_WITHDRAWN = SAMPLES / "VXSE53_20240101_torikeshi.xml"
DETAIL_DOWN = SAMPLES / "VXSE53_20240101_teisei_setagaya-4.xml"  # 訂正: 世田谷区 震度４
MANY = SAMPLES / "VXSE53_20110311_tokyo23_setagaya-5-.xml"  # 23区 5強, 世田谷区 5弱
SECOND = SAMPLES / "VXSE53_20110311-1515_second-quake_setagaya-5+.xml"
NOT_RECEIVED = SAMPLES / "VXSE53_20110311_tokyo23_setagaya-minyuden.xml"
LONG_PERIOD = SAMPLES / "VXSE62_20110311_tokyo23_setagaya-5+_lgint2.xml"
RAIN = SAMPLES / "VPWW54_H27_setagaya_ooame-keiho.xml"
RAIN_EMERGENCY = SAMPLES / "VPWW54_H27_setagaya_ooame-tokubetsu.xml"
RAIN_LIFTED = SAMPLES / "VPWW54_H27_setagaya_ooame-kaijo.xml"
RAIN_ELSEWHERE = SAMPLES / "VPWW54_H27_meguro-only_ooame-keiho.xml"


def open_callups():
    return list(Mobilisation.objects.filter(alert__finished_at__isnull=True))


def test_shindo_sokuho_for_the_wards_area_calls_up_without_waiting_for_the_city(
    ward, default_rules, replay
):
    """震度速報 names areas, not cities: 東京都２３区 at 震度５弱 may be the ward at 5弱, and
    the city figures come minutes later. The ward calls up on it, and says it is the area."""
    [line] = replay(SOKUHO)
    assert (line["type"], line["action"], line["max_intensity_in_ward"]) == (
        "VXSE51",
        "mobilised",
        "5-",
    )
    assert line["mobilise"] == {"level": 3, "auto": False, "called": 3, "raised": False}
    callup = Alert.objects.get(pk=line["alert_id"])
    assert callup.title == "【参集】第2次非常配備（東京都２３区（世田谷区）で震度５弱）"
    # The city figure then comes, stronger: the same call-up is raised, nobody called twice.
    [detail] = replay(DETAIL)
    assert (detail["action"], detail["alert_id"]) == ("callup_raised", callup.pk)
    assert detail["mobilise"] == {"level": 4, "auto": True, "called": 2, "raised": True}
    assert len(staff_of(callup.pk)) == len(set(staff_of(callup.pk))) == len(active_staff())


def test_withdrawing_the_first_report_after_a_raise_leaves_the_call_up_standing(
    ward, default_rules, replay
):
    """取消 of the 震度速報 while the 震源・震度情報 of the same earthquake stands: people on
    their way are not told "cancelled" while JMA still reports 5強 in the ward. When JMA
    withdraws that one too, the earthquake is gone: everyone is told, once, and it ends."""
    first, _raised = replay(SOKUHO, DETAIL)
    [withdrawn] = replay(SOKUHO_WITHDRAWN)
    assert withdrawn["action"] == "none" and withdrawn["alert_id"] is None
    assert "VXSE53" in withdrawn["reason"] and "有効" in withdrawn["reason"]
    [callup] = open_callups()
    assert (callup.pk, callup.level) == (first["alert_id"], 4)
    assert not Alert.objects.filter(kind=AlertKind.CANCELLATION).exists()
    [gone] = replay(DETAIL_WITHDRAWN)
    assert gone["action"] == "cancelled" and open_callups() == []
    # Each alert is withdrawn to its own recipients: everyone is told.
    for cancellation in Alert.objects.filter(kind=AlertKind.CANCELLATION):
        assert set(staff_of(cancellation.pk)) == set(staff_of(cancellation.parent_id))
    assert set(staff_of(first["alert_id"])) == active_staff()


def test_a_correction_downward_does_not_send_people_home(ward, default_rules, replay):
    """訂正 to 震度４ after a call-up at 5強: the corrected facts go to those called, and the
    call-up stays at its level until the headquarters stands it down."""
    first, _raised = replay(SOKUHO, DETAIL)
    [fixed] = replay(DETAIL_DOWN)
    assert fixed["action"] == "corrected" and fixed["max_intensity_in_ward"] == "4"
    assert "災害対策本部が判断" in fixed["reason"]
    [callup] = open_callups()
    assert (callup.pk, callup.level) == (first["alert_id"], 4)
    correction = Alert.objects.get(kind=AlertKind.CORRECTION, parent=first["alert_id"])
    assert "震度４" in correction.body and "指示があるまで変わりません" in correction.body
    assert set(staff_of(correction.pk)) == active_staff()


def test_the_ward_among_many_cities_is_read_on_its_own_line(ward, default_rules, replay):
    """2011-03-11: 東京都２３区 5強 (千代田区, 江東区 …), 世田谷区 5弱: level 3, not 4."""
    [line] = replay(MANY)
    assert (line["action"], line["max_intensity_in_ward"]) == ("mobilised", "5-")
    assert line["mobilise"]["level"] == 3
    assert Alert.objects.get(pk=line["alert_id"]).title == (
        "【参集】第2次非常配備（世田谷区で震度５弱）"
    )


@pytest.mark.parametrize("intensity, name", [("6-", "６弱"), ("6+", "６強"), ("7", "７")])
def test_shindo_6_and_7_call_everyone_to_set_out_unasked(
    ward, default_rules, replay, intensity, name
):
    [line] = replay(SAMPLES / f"VXSE53_20110311_tokyo23_setagaya-{intensity}.xml")
    assert line["max_intensity_in_ward"] == intensity
    assert line["mobilise"] == {"level": 4, "auto": True, "called": 5, "raised": False}
    assert line["safety"] is None  # everyone is called: one message each
    alert = Alert.objects.get(pk=line["alert_id"])
    assert alert.title == f"【自動参集】全職員配備（世田谷区で震度{name}）"
    assert "連絡を待たずに参集" in alert.body


def test_a_ward_whose_seismometer_has_not_reported_is_called_as_5_lower(
    ward, default_rules, replay, tmp_path
):
    """震度５弱以上未入電: JMA estimates 5弱 or more where no figure has come in. The ward
    calls up level 3 at once, says so in JMA's words, and a later figure raises it."""
    [line] = replay(NOT_RECEIVED)
    assert (line["action"], line["max_intensity_in_ward"]) == ("mobilised", "5-")
    assert line["mobilise"]["level"] == 3
    alert = Alert.objects.get(pk=line["alert_id"])
    assert alert.title == "【参集】第2次非常配備（世田谷区で震度５弱以上未入電）"
    assert "未入電" in line["reason"]
    later = tmp_path / "later.xml"
    later.write_bytes(
        earthquake(
            "6-",
            event_id="20110311144640",
            serial=2,
            origin_time="2011-03-11T14:46:00+09:00",
            report_time="2011-03-11T15:10:00+09:00",
        )
    )
    [raised] = replay(later)
    assert (raised["action"], raised["alert_id"]) == ("callup_raised", line["alert_id"])
    assert raised["mobilise"]["level"] == 4


def test_long_period_ground_motion_never_starts_or_raises_a_call_up(ward, default_rules, replay):
    """長周期地震動に関する観測情報 (VXSE62) carries intensities too; it is not 震度 in the
    ward for the rules, whatever it lists."""
    [alone] = replay(LONG_PERIOD)
    assert (alone["type"], alone["action"], alone["ward_affected"]) == ("VXSE62", "none", False)
    assert alone["max_intensity_in_ward"] is None and not Mobilisation.objects.exists()
    [first] = replay(MANY)
    assert first["mobilise"]["level"] == 3
    FeedMessage.objects.filter(type="VXSE62").delete()  # as if it came after the first
    [again] = replay(LONG_PERIOD)
    assert again["action"] == "none" and Mobilisation.objects.get().level == 3


def test_a_second_earthquake_the_same_day_raises_the_open_call_up(ward, default_rules, replay):
    """One call-up per ward: a stronger, unrelated earthquake (another EventID) while the
    first call-up is open raises it; nobody gets a second call-up."""
    first, second = replay(MANY, SECOND)
    assert second["event_id"] != first["event_id"]
    assert (second["action"], second["alert_id"]) == ("callup_raised", first["alert_id"])
    assert second["mobilise"] == {"level": 4, "auto": True, "called": 2, "raised": True}
    assert second["safety"] is None
    [callup] = open_callups()
    assert Mobilisation.objects.count() == 1 and callup.level == 4
    assert sorted(staff_of(callup.pk)) == sorted(active_staff())


def test_a_call_up_started_by_hand_is_the_one_an_earthquake_raises(
    ward, default_rules, replay, capsys
):
    call_command("mobilise", "start", "--level", "1", "--json")
    capsys.readouterr()
    [line] = replay(MANY)
    assert line["action"] == "callup_raised" and line["mobilise"]["level"] == 3
    assert Mobilisation.objects.count() == 1


def test_heavy_rain_warning_then_emergency_warning_then_lifted(ward, default_rules, replay, people):
    """大雨警報 → 警戒配備 (1); 大雨特別警報 → 第2次非常配備 (3), the same call-up raised;
    解除 → the all-clear to everyone called, and the call-up ends."""
    [rain] = replay(RAIN)
    assert (rain["type"], rain["action"], rain["mobilise"]["level"]) == ("VPWW54", "mobilised", 1)
    callup = Alert.objects.get(pk=rain["alert_id"])
    assert names(callup.pk) == {people.bob.staff.given_name}  # level 1 calls Bob
    [emergency] = replay(RAIN_EMERGENCY)
    assert (emergency["action"], emergency["alert_id"]) == ("callup_raised", callup.pk)
    assert emergency["mobilise"]["level"] == 3 and emergency["mobilise"]["auto"] is False
    assert Mobilisation.objects.get().level == 3
    [lifted] = replay(RAIN_LIFTED)
    assert lifted["action"] == "alert_sent" and open_callups() == []
    assert Alert.objects.filter(kind=AlertKind.ALL_CLEAR, parent=callup).exists()


def test_heavy_rain_emergency_warning_at_once_calls_up_level_3(
    ward, default_rules, replay, tmp_path
):
    path = tmp_path / "tokubetsu.xml"
    path.write_bytes(
        RAIN_EMERGENCY.read_bytes().replace("警報から特別警報".encode(), "発表".encode())
    )
    [line] = replay(path)
    assert line["action"] == "mobilised" and line["mobilise"]["level"] == 3
    assert line["warnings_in_ward"] == [
        {"name": "大雨特別警報", "status": "発表", "level": "特別警報"}
    ]


@pytest.mark.parametrize(
    "name", [RAIN_ELSEWHERE.name, "VPWW53_tokyo_23ku-seibu-tokubetsu_setagaya-nashi.xml"]
)
def test_warnings_for_another_city_only_call_nobody(ward, default_rules, replay, name):
    [line] = replay(SAMPLES / name)
    assert (line["action"], line["ward_affected"], line["mobilise"]) == ("none", False, None)
    assert not Alert.objects.exists()


def test_a_warning_during_a_quake_call_up_calls_nobody_twice_and_its_lifting_ends_nothing(
    ward, default_rules, replay
):
    [quake] = replay(MANY)
    [rain] = replay(RAIN)
    assert rain["mobilise"] is None and "配備体制 3" in rain["reason"]
    assert Mobilisation.objects.count() == 1
    replay(RAIN_LIFTED)
    [callup] = open_callups()
    assert callup.pk == quake["alert_id"] and callup.level == 3


def test_lifting_the_warning_that_started_a_call_up_a_quake_raised_ends_nothing(
    ward, default_rules, replay
):
    [rain] = replay(RAIN)
    [quake] = replay(MANY)
    assert (quake["action"], quake["alert_id"]) == ("callup_raised", rain["alert_id"])
    [lifted] = replay(RAIN_LIFTED)
    [callup] = open_callups()
    assert callup.pk == rain["alert_id"] and callup.level == 3
    # No all-clear to people called for the earthquake.
    assert not Alert.objects.filter(kind=AlertKind.ALL_CLEAR, parent_id=callup.pk).exists()
    assert "地震のため継続" in lifted["reason"]


def test_drills_are_drills_and_tests_never_send(ward, default_rules, replay, settings):
    settings.JMA_ACCEPT_DRILLS = False
    [drill] = replay(SAMPLES / "VXSE53_20110311_setagaya-5-_kunren.xml")
    assert (drill["status"], drill["action"]) == ("訓練", "drill_ignored")
    [test] = replay(SAMPLES / "VXSE53_20110311_tokyo23_setagaya-5-_shiken.xml")
    assert (test["status"], test["action"], test["mobilise"]) == ("試験", "none", None)
    assert not Alert.objects.exists() and not Mobilisation.objects.exists()
    settings.JMA_ACCEPT_DRILLS = True
    [taken] = replay(SECOND, flags=["--drill"])
    assert (taken["status"], taken["action"]) == ("訓練", "mobilised")
    assert Mobilisation.objects.get().alert.is_drill
    # A drill call-up is not the ward's real one: the real earthquake starts its own.
    [real] = replay(MANY)
    assert real["action"] == "mobilised" and not Alert.objects.get(pk=real["alert_id"]).is_drill
    assert len(open_callups()) == 2


HOSTILE = {
    "billion-laughs": b'<!DOCTYPE Report [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    "external-entity": b'<!DOCTYPE Report [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_documents_are_refused_and_call_nobody(ward, default_rules, replay, kind, tmp_path):
    data = sample(MANY.name)
    declaration, rest = data.split(b"\n", 1)
    path = tmp_path / f"{kind}.xml"
    path.write_bytes(
        declaration + b"\n" + HOSTILE[kind] + b"\n" + rest.replace(b"<Text>", b"<Text>&a;", 1)
    )
    [line] = replay(path)
    assert line["action"] == "rejected" and "DTD" in line["reason"]
    assert not Mobilisation.objects.exists() and not Alert.objects.exists()


def test_a_utf8_byte_order_mark_is_read(ward, default_rules, replay, tmp_path):
    path = tmp_path / "bom.xml"
    path.write_bytes(b"\xef\xbb\xbf" + sample(MANY.name))
    [line] = replay(path)
    assert line["action"] == "mobilised" and line["mobilise"]["level"] == 3


def test_shift_jis_is_refused_with_the_reason_and_calls_nobody(
    ward, default_rules, replay, tmp_path
):
    """JMA publishes UTF-8 only: a Shift_JIS document came through something that re-encoded
    it, and is refused rather than guessed at; the log and the page say why."""
    path = tmp_path / "sjis.xml"
    text = sample(MANY.name).decode().replace('encoding="UTF-8"', 'encoding="Shift_JIS"')
    path.write_bytes(text.encode("shift_jis"))
    [line] = replay(path)
    assert line["action"] == "rejected" and "Shift_JIS" in line["reason"]
    assert not Mobilisation.objects.exists()


def test_the_ward_code_may_be_given_as_the_local_government_code(
    ward, default_rules, replay, settings
):
    """RENRAKU_WARD_CODE=131121 (総務省の団体コード, with its check digit) is JMA's 1311200:
    the ward is still found on its line, named 東京世田谷区 in the message."""
    settings.WARD_CODE = "131121"
    [line] = replay(MANY)
    assert (line["max_intensity_in_ward"], line["mobilise"]["level"]) == ("5-", 3)
    assert "世田谷区で震度５弱" in Alert.objects.get(pk=line["alert_id"]).title
