"""The page of recent JMA messages, and the rules in the admin."""

import pytest
from django.urls import reverse

from renraku.feeds.admin import RuleForm
from renraku.feeds.models import Rule
from renraku.testing import sign_in

from .jma import earthquake, warning


def test_senders_see_what_came_in_and_why(client, people, arrive):
    arrive(earthquake(), "https://jma.example/data/eq.xml")
    arrive(warning("雷注意報", "発表"), "https://jma.example/data/w.xml")
    arrive(b"<nope", "https://jma.example/data/bad.xml")
    sign_in(client, people.bob)
    page = client.get(reverse("feeds:list"))
    assert page.status_code == 200
    text = page.text
    assert "【安否確認】世田谷区で震度５弱" in text and "震度5弱以上：全職員に安否確認" in text
    assert "該当するルールはありません：雷注意報 発表。" in text
    assert "not well-formed" in text
    assert "震度５弱" in text and "<strong>連絡を送信</strong>" in text  # names, not codes
    only_rejected = client.get(reverse("feeds:list"), {"action": "rejected"})
    assert [m.source for m in only_rejected.context["feed_messages"]] == [
        "https://jma.example/data/bad.xml"
    ]


@pytest.mark.parametrize("person", ["alice", "erin"])
def test_staff_and_auditors_do_not(client, people, person):
    sign_in(client, getattr(people, person))
    assert client.get(reverse("feeds:list")).status_code == 403


def rule_data(**changes):
    rule = Rule.objects.get(name="震度5弱以上：全職員に安否確認")
    data = {
        field.name: getattr(rule, field.name) for field in Rule._meta.fields if field.name != "id"
    }
    data["audience"] = '{"all": true}'
    data["channels"] = '["push", "email"]'
    data["escalation"] = "[]"
    return data | changes


def test_a_rule_is_checked_before_it_is_saved(people):
    assert RuleForm(data=rule_data()).is_valid()
    bad = RuleForm(data=rule_data(audience='{"groups": ["存在しない"]}', min_intensity=""))
    assert not bad.is_valid()
    errors = " ".join(bad.non_field_errors())
    assert "存在しない" in errors and "震度" in errors
