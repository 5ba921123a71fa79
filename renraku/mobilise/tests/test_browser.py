"""The main path on a phone: the one-tap page asks 参集 after safety and takes an arrival;
the status page and a post's QR code for the headquarters. Each page passes axe-core."""

import pytest
from playwright.sync_api import expect

from renraku.broadcast import links
from renraku.mobilise import actions
from renraku.notices.models import Recipient
from renraku.web.tests.browsing import assert_accessible, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def started(committed_db, tasks_run_at_once, ward, people):
    return actions.start(3, drill=True)


def test_answering_safe_coming_within_30_minutes_and_arriving(page, started, people):
    alice = Recipient.objects.get(notice_id=started.pk, staff=people.alice.staff)
    page.goto(f"/a/{links.token_for(alice.pk)}/")
    expect(page.get_by_test_id("post")).to_contain_text("区立池尻小学校")
    assert_accessible(page)
    page.get_by_role("button", name="無事").click()
    page.get_by_role("button", name="30分以内").click()
    expect(page.get_by_test_id("callup-answer")).to_contain_text("30分以内")
    assert_accessible(page)
    page.get_by_role("button", name="到着しました").click()
    expect(page.get_by_test_id("arrived")).to_contain_text("区立池尻小学校")


def test_the_status_page_and_the_poster_on_a_phone(browser, server_url, started, people):
    page = signed_in_page(browser, server_url, people.bob)
    page.goto("/")
    page.get_by_role("link", name="参集", exact=True).click()  # the menu's call-ups
    assert_accessible(page)
    page.get_by_role("link", name=started.alert.title).click()
    expect(page.get_by_test_id("mobilise-site")).to_contain_text("2人不足")
    assert_accessible(page)
    page.goto(f"/mobilise/{started.pk}/posts/S003/qr/")
    expect(page.get_by_role("img", name="到着ページのQRコード")).to_be_visible()
    assert_accessible(page)
    page.context.close()
