"""A call-up's alert pages call its attendance figures by the 参集 answer they count
(参集可能（1時間以内）…), not 出勤可能: the dashboard, the headquarters' view, its CSV, the
wall, the report and the recipients' CSV."""

import pytest
from django.urls import reverse

from renraku.broadcast import actions as alerts
from renraku.broadcast import attendance, display
from renraku.mobilise import actions
from renraku.mobilise.models import Callup, Mobilisation
from renraku.testing import sign_in

CALLUP_WORDS = ["参集可能（1時間以内）", "参集可能（それ以降）", "参集不可"]
WORK_WORDS = ["出勤可能", "遅れて出勤可能", "出勤不可", "出勤未回答"]


@pytest.fixture
def answered(client, ward, people):
    sign_in(client, people.bob)
    client.post(reverse("mobilise:start"), {"level": "3"})
    m = Mobilisation.objects.get()
    for staff, eta in [(people.alice.staff, "30"), (people.carol.staff, "180")]:
        callup = Callup.objects.select_related("recipient").get(mobilisation=m, staff=staff)
        alerts.record_answer(callup.recipient, value="safe", via="link")
        callup.recipient.refresh_from_db()
        actions.record_answer(callup, eta=eta, via="link")
    return m


def _no_work_words(text):
    return [w for w in WORK_WORDS if w in text]


def test_the_call_ups_source_is_the_one_broadcast_reads():
    assert actions.SOURCE == attendance.CALLUP_SOURCE


def test_the_dashboard_of_a_call_up_says_who_can_come_to_their_post(client, answered):
    for live in (False, True):
        extra = {"HTTP_HX_REQUEST": "true"} if live else {}
        text = client.get(reverse("broadcast:dashboard", args=[answered.pk]), **extra).text
        for word in CALLUP_WORDS:
            assert word in text
        assert "安否と参集" in text
        assert 'data-testid="count-can">1<' in text and 'data-testid="count-late">1<' in text
        assert _no_work_words(text) == []


def test_the_headquarters_view_of_a_call_up_and_its_csv_say_sanshu(client, answered):
    for name, args in [
        ("broadcast:situation", [answered.pk]),
        ("broadcast:situation_print", [answered.pk]),
        ("broadcast:situation_area", [answered.pk, "site", "S003"]),
    ]:
        text = client.get(reverse(name, args=args)).text
        for word in [*CALLUP_WORDS, "参集未回答"]:
            assert word in text, (name, word)
        assert _no_work_words(text) == [], name
    csv = client.get(reverse("broadcast:situation_csv", args=[answered.pk, "site"]))
    header = csv.content.decode("utf-8-sig").splitlines()[0]
    assert header.endswith("参集可能（1時間以内）,参集可能（それ以降）,参集不可,参集未回答")


def test_the_report_wall_and_recipients_csv_of_a_call_up_say_sanshu(client, answered):
    text = client.get(reverse("broadcast:report", args=[answered.pk])).text
    assert all(w in text for w in CALLUP_WORDS) and _no_work_words(text) == []
    rows = client.get(reverse("broadcast:export", args=[answered.pk])).content.decode("utf-8-sig")
    assert "参集可否" in rows.splitlines()[0] and "参集可能（それ以降）" in rows
    assert "出勤" not in rows
    _link, raw = display.create_link(answered.alert, by=answered.alert.sender)
    text = client.get(reverse("broadcast:wall", args=[raw])).text
    assert all(w in text for w in CALLUP_WORDS) and _no_work_words(text) == []
