"""Warnings as they rise and fall: a higher level sends, a continuing or lowered one does
not, a lowering tells those who got the higher one, and each warning is lifted on its own."""

from renraku.broadcast.models import Alert, AlertKind
from renraku.feeds.models import Firing, Rule

from .jma import warning

HOUR = "2026-11-29T{:02d}:00:00+09:00"


def at(hour, name, state, **kwargs):
    return warning(name, state, report_time=HOUR.format(hour), **kwargs)


def originals():
    return list(Alert.objects.filter(kind=AlertKind.ORIGINAL).order_by("pk"))


def test_each_higher_level_sends_and_continuing_never_does(arrive, people, duty_group):
    Rule.objects.create(
        name="大雨：全段階",
        trigger="warning",
        names="大雨",
        title="${warnings}",
        body="${warnings}",
        category="weather",
        severity="warning",
        reply_form="acknowledge",
        audience={"groups": ["災害対策本部員"]},
        channels=["email"],
        all_clear=False,
    )
    actions = [
        arrive(at(hour, name, state), f"{hour}.xml").action
        for hour, name, state in [
            (10, "大雨注意報", "発表"),
            (11, "大雨注意報", "継続"),
            (12, "大雨警報", "発表"),
            (13, "大雨警報", "継続"),
            (14, "大雨特別警報", "発表"),
            (15, "大雨特別警報", "継続"),
        ]
    ]
    assert actions == ["alert_sent", "none", "alert_sent", "none", "alert_sent", "none"]
    titles = [a.title for a in originals() if a.audience != {"all": True}]
    assert titles == ["大雨注意報", "世田谷区に大雨警報", "大雨警報", "大雨特別警報"]
    # The custom rule's lower alerts were replaced by the higher ones, not left open.
    mine = Alert.objects.filter(title__in=["大雨注意報", "大雨警報"])
    assert all(a.finished_at is not None for a in mine)


def test_continuing_sends_nothing_even_when_nothing_was_sent_before(arrive, people, duty_group):
    # A rule added, or the poller started, while the warning was already in force.
    assert arrive(at(10, "大雨警報", "継続"), "w.xml").action == "none"
    assert originals() == []


def test_a_lowering_sends_no_new_alert_but_tells_those_warned(arrive, people, duty_group):
    special = arrive(at(10, "大雨特別警報", "発表"), "special.xml")
    lowered = arrive(at(16, "大雨警報", "特別警報から警報"), "lowered.xml")
    [first] = originals()  # no 大雨警報 alert to the duty group for a lowering
    assert first.pk == special.alert_id
    notice = Alert.objects.get(kind=AlertKind.ALL_CLEAR)
    assert (notice.parent_id, notice.title) == (first.pk, "大雨特別警報 → 大雨警報")
    assert "大雨警報に切り替えられました" in notice.body
    assert notice.recipients.count() == first.recipients.count() == 5
    first.refresh_from_db()
    assert first.finished_at is not None and lowered.action == "alert_sent"


def test_raised_again_after_a_lowering_sends_again(arrive, people, duty_group):
    arrive(at(10, "大雨特別警報", "発表"), "1.xml")
    arrive(at(16, "大雨警報", "特別警報から警報"), "2.xml")
    again = arrive(at(20, "大雨特別警報", "警報から特別警報"), "3.xml")
    assert again.action == "alert_sent"
    assert [a.title for a in originals()] == ["【特別警報】世田谷区に大雨特別警報"] * 2


def test_a_raise_sends_even_if_the_same_warning_is_still_held(arrive, people, duty_group):
    # The lowering to 注意報 was missed (the poller was down): JMA's 注意報から警報 says
    # the warning is new again, and the old alert is replaced.
    old = arrive(at(10, "大雨警報", "発表"), "1.xml")
    new = arrive(at(20, "大雨警報", "注意報から警報"), "2.xml")
    assert new.action == "alert_sent" and new.alert_id != old.alert_id
    assert Alert.objects.get(pk=old.alert_id).finished_at is not None
    assert Firing.objects.filter(active=True).get().alert_id == new.alert_id


def test_the_same_warning_in_both_formats_sends_once(arrive, people, duty_group):
    arrive(at(10, "大雨警報", "発表"), "vpww53.xml")
    both = arrive(at(10, "大雨警報", "発表", title="気象警報・注意報（Ｈ２７）"), "vpww54.xml")
    assert both.action == "duplicate" and len(originals()) == 1


def test_each_warning_is_lifted_on_its_own(arrive, people, duty_group):
    arrive(at(10, "大雨警報", "発表", also=[("洪水警報", "発表")]), "1.xml")
    [alert] = originals()
    assert alert.title == "世田谷区に大雨警報・洪水警報"
    arrive(at(14, "大雨警報", "継続", also=[("洪水警報", "解除")]), "2.xml")
    alert.refresh_from_db()
    assert [a.title for a in Alert.objects.filter(kind=AlertKind.ALL_CLEAR)] == ["洪水警報 解除"]
    assert alert.finished_at is None  # 大雨警報 is still in force
    arrive(at(18, "大雨警報", "解除"), "3.xml")
    alert.refresh_from_db()
    assert alert.finished_at is not None
    assert [a.title for a in Alert.objects.filter(kind=AlertKind.ALL_CLEAR).order_by("pk")] == [
        "洪水警報 解除",
        "大雨警報 解除",
    ]
