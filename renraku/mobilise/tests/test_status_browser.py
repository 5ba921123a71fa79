"""The headquarters on a phone (390 px): the call-up status with its bars and chart, a
post's page with the people to phone, and one person's family status revealed on its row.
Each page passes axe-core."""

import pytest
from playwright.sync_api import expect

from renraku.broadcast import actions as alerts
from renraku.mobilise import actions
from renraku.mobilise.models import Callup
from renraku.web.tests.browsing import assert_accessible, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def started(committed_db, tasks_run_at_once, ward, people):
    m = actions.start(3, drill=True)
    callup = Callup.objects.select_related("recipient", "mobilisation__alert").get(
        mobilisation=m, staff=people.alice.staff
    )
    alerts.record_answer(callup.recipient, value="safe", via="link")
    callup.recipient.refresh_from_db()
    actions.record_answer(callup, eta="60", via="link")
    actions.record_family(callup, "unreachable")
    return m


def test_the_status_a_post_and_a_family_status_on_a_phone(browser, server_url, started, people):
    page = signed_in_page(browser, server_url, people.bob)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/mobilise/{started.pk}/")
    expect(page.get_by_test_id("mobilise-site")).to_contain_text("2人不足")
    site_table = page.get_by_test_id("mobilise-site")
    expect(site_table.get_by_role("img", name="1時間以内 1、最低 2")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("link", name="区立池尻小学校").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("区立池尻小学校")
    expected = page.get_by_test_id("list-expected")
    expect(expected).to_contain_text("青木 愛")
    expect(expected).not_to_contain_text("連絡が取れない")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    expected.get_by_role("button", name="青木 愛さんの家族の状況を見る").click()
    expect(expected.get_by_test_id("family")).to_contain_text("連絡が取れない")
    assert_accessible(page)
    page.context.close()
