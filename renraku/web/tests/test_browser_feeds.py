"""JMA in a real browser: a 震度5弱 message arrives, the safety question reaches a member of
staff, and the sender sees on the JMA page what came in, the rule that fired, and why."""

import pytest
from playwright.sync_api import expect

from renraku.broadcast import links
from renraku.feeds.defaults import create_default_rules
from renraku.feeds.models import Rule
from renraku.feeds.process import handle
from renraku.feeds.tests.jma import sample, warning
from renraku.notices.models import Recipient
from renraku.testing import make_org, make_people

from .browsing import keep_screenshot
from .conftest import signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def arrived(committed_db, tasks_run_at_once):
    people = make_people(make_org())
    if not Rule.objects.exists():  # committed tests empty every table after them
        create_default_rules(Rule)
    quake = handle(sample("32-39_11_05_120615_VXSE53.xml"), "32-39_11_05_120615_VXSE53.xml")
    handle(warning("雷注意報", "発表"), "thunder.xml")
    return quake, people


def test_the_sender_sees_why_and_staff_answer_the_safety_question(
    browser, page, server_url, arrived
):
    quake, people = arrived
    sender = signed_in_page(browser, server_url, people.bob)
    sender.goto("/feeds/")
    table = sender.get_by_test_id("feed-messages")
    expect(table).to_contain_text("震度5弱以上：全職員に安否確認")
    expect(table).to_contain_text("該当するルールはありません：雷注意報 発表。")
    sender.get_by_label("判断").select_option("alert_sent")  # filters without a button
    expect(table).not_to_contain_text("雷注意報")
    keep_screenshot(sender, "feeds")
    sender.get_by_role("link", name="【安否確認】世田谷区で震度５弱").click()
    expect(sender.get_by_test_id("count-recipients")).to_have_text("5")

    alice = Recipient.objects.get(notice_id=quake.alert_id, staff=people.alice.staff)
    page.goto(f"/a/{links.token_for(alice.pk)}/")
    expect(page.get_by_role("heading", name="【安否確認】世田谷区で震度５弱")).to_be_visible()
    page.get_by_role("button", name="無事").click()
    expect(page.get_by_test_id("answered")).to_have_text("あなたの回答：無事")
    expect(sender.get_by_test_id("count-answered")).to_have_text("1", timeout=4_000)
    sender.context.close()
