"""噴火警報 (VFVO50) and 降灰予報 (VFVO53/54/55): read, concerning the ward when it is named
(by code or name), ruled like warnings by rules that are off until an administrator says."""

from renraku.broadcast.models import Alert, AlertKind
from renraku.feeds.decide import facts_for_ward
from renraku.feeds.models import Rule
from renraku.feeds.parsing import parse
from renraku.feeds.polling import wanted

from .jma import ash, eruption_warning, sample

SAKURAJIMA = ("桜島", "506")
KAGOSHIMA = [("鹿児島県鹿児島市", "4620100"), ("鹿児島県垂水市", "4621400")]


def turn_on(*names):
    Rule.objects.filter(trigger="volcano", names__in=names).update(enabled=True)


def test_volcano_rules_come_switched_off(default_rules):
    rules = Rule.objects.filter(trigger="volcano")
    assert rules.count() == 2 and not rules.filter(enabled=True).exists()


def test_ash_titles_are_fetched_from_the_feed():
    for title in ("降灰予報（定時）", "降灰予報（速報）", "降灰予報（詳細）", "噴火警報・予報"):
        assert wanted({"title": title, "url": "https://x/a.xml"})


def test_a_real_eruption_warning_is_read():
    message = parse(sample("VFVO50_hakone_level5.xml"), "VFVO50_hakone_level5.xml")
    assert (message.type, message.volcano, message.event_id) == ("VFVO50", "箱根山", "315")
    assert [(w.name, w.status, w.areas) for w in message.warnings] == [
        ("箱根山 噴火警報", "発表", ["1438200"])
    ]
    assert not facts_for_ward(message).ward_affected  # 箱根町, not the ward


def test_ash_concerns_the_ward_by_code_or_by_name():
    assert facts_for_ward(parse(ash())).ward_affected
    by_name = parse(ash(areas=[("東京都世田谷区", "9999999")]))
    assert facts_for_ward(by_name).ward_affected
    far = facts_for_ward(parse(ash(KAGOSHIMA, volcano=SAKURAJIMA)))
    assert (far.ward_affected, far.warnings) == (False, [])


def test_nothing_is_sent_until_an_administrator_turns_the_rule_on(arrive, people, duty_group):
    off = arrive(ash(), "ash-1.xml")
    assert (off.action, off.ward_affected) == ("none", True)
    assert off.warnings_in_ward == [{"name": "富士山 降灰", "status": "発表", "level": "情報"}]
    turn_on("降灰")
    on = arrive(ash(serial=2, report_time="2026-11-29T17:00:00+09:00"), "ash-2.xml")
    assert on.action == "alert_sent"
    alert = Alert.objects.get()
    assert alert.title == "降灰予報：世田谷区に富士山 降灰"
    assert alert.recipients.count() == 2  # the duty group


def test_ash_is_told_once_while_forecast_and_again_after_it_has_gone(arrive, people, duty_group):
    turn_on("降灰")
    times = iter(f"2026-11-29T{h}:00:00+09:00" for h in (11, 14, 17, 20))
    arrive(ash(serial=1, report_time=next(times)), "1.xml")
    still = arrive(ash(serial=2, report_time=next(times)), "2.xml")
    assert still.action == "duplicate"
    gone = arrive(ash([], serial=3, report_time=next(times)), "3.xml")  # wind turned
    assert gone.action == "alert_sent" and gone.ward_affected is False
    first = Alert.objects.get(kind=AlertKind.ORIGINAL)
    assert Alert.objects.get(kind=AlertKind.ALL_CLEAR).parent_id == first.pk
    back = arrive(ash(serial=4, report_time=next(times)), "4.xml")
    assert back.action == "alert_sent"
    assert Alert.objects.filter(kind=AlertKind.ORIGINAL).count() == 2


def test_more_ash_in_a_detailed_forecast_sends(arrive, people, duty_group):
    turn_on("降灰")
    arrive(ash(kind="少量の降灰", title="降灰予報（速報）"), "rapid.xml")
    more = arrive(
        ash(
            kind="やや多量の降灰", title="降灰予報（詳細）", report_time="2026-11-29T14:20:00+09:00"
        ),
        "detail.xml",
    )
    assert more.action == "alert_sent"
    assert [a.title for a in Alert.objects.filter(kind=AlertKind.ORIGINAL).order_by("pk")] == [
        "降灰予報：世田谷区に富士山 少量の降灰",
        "降灰予報：世田谷区に富士山 やや多量の降灰",
    ]


def test_ash_elsewhere_sends_nothing(arrive, people, duty_group):
    turn_on("降灰")
    far = arrive(ash(KAGOSHIMA, volcano=SAKURAJIMA), "sakurajima.xml")
    assert (far.action, far.ward_affected) == ("none", False)
    assert not Alert.objects.exists()


def test_an_eruption_warning_naming_the_ward_asks_everyone(arrive, people):
    turn_on("噴火警報,火口周辺警報")
    outcome = arrive(eruption_warning(), "vfvo50.xml")
    assert outcome.action == "alert_sent"
    alert = Alert.objects.get()
    assert (alert.reply_form, alert.recipients.count()) == ("safety", 5)
    assert alert.title == "【噴火警報】世田谷区：富士山 噴火警報"
    again = arrive(
        eruption_warning(condition="継続", report_time="2026-11-29T18:00:00+09:00"), "2.xml"
    )
    assert again.action == "none"
    lowered = arrive(
        eruption_warning(
            "噴火予報", "引下げ", last="噴火警報", report_time="2026-11-30T18:00:00+09:00"
        ),
        "3.xml",
    )
    assert lowered.action == "alert_sent" and "解除" in lowered.reason
    assert Alert.objects.get(kind=AlertKind.ALL_CLEAR).title == "富士山 噴火警報 解除"


def test_weather_rules_never_fire_on_volcanoes(arrive, people, duty_group):
    # The warning rules are on and match any 警報 by level; the volcano rules are off.
    Rule.objects.filter(trigger="warning").update(names="", levels="")
    assert arrive(eruption_warning(), "vfvo50.xml").action == "none"
    assert arrive(ash(), "vfvo53.xml").action == "none"
    assert not Alert.objects.exists()


def test_an_ash_forecast_withdrawn_cancels_its_alert(arrive, people, duty_group):
    turn_on("降灰")
    arrive(ash(), "ash.xml")
    withdrawn = arrive(
        ash(serial=2, info_type="取消", report_time="2026-11-29T14:30:00+09:00"), "x.xml"
    )
    assert withdrawn.action == "cancelled"
    assert (
        Alert.objects.get(kind=AlertKind.CANCELLATION).parent_id
        == Alert.objects.get(kind=AlertKind.ORIGINAL).pk
    )


def test_an_ash_forecast_corrected_sends_the_correction(arrive, people, duty_group):
    turn_on("降灰")
    arrive(ash(), "ash.xml")
    fixed = arrive(
        ash(kind="多量の降灰", serial=2, info_type="訂正", report_time="2026-11-29T14:30:00+09:00"),
        "fix.xml",
    )
    assert fixed.action == "corrected"
    assert "多量の降灰" in Alert.objects.get(kind=AlertKind.CORRECTION).title
