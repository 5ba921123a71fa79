"""The readiness pages on a 390 px phone, axe-clean: the administrator's office, a
department's people push does not reach, and a member of staff's own state at home."""

import pytest
from playwright.sync_api import expect

from renraku.readiness import snapshots
from renraku.testing import make_org, make_people, make_staff
from renraku.web.tests.browsing import assert_accessible, keep_screenshot, signed_in_page

from .conftest import device

pytestmark = pytest.mark.browser


@pytest.fixture
def ward(committed_db):
    org = make_org()
    people = make_people(org)
    device(people.alice.staff, shown_days_ago=2)
    device(people.carol.staff, shown_days_ago=50)
    make_staff(
        org, family="長谷川", given="由紀子", department=org.gak, site=org.school
    )  # no address, no device: reached by nothing
    snapshots.take()
    return people


def test_readiness_on_a_phone(browser, server_url, page, ward):
    admin = signed_in_page(browser, server_url, ward.dave)
    admin.set_viewport_size({"width": 390, "height": 844})
    admin.goto("/readiness/")
    expect(admin.get_by_role("heading", name="いま連絡が届く職員")).to_be_visible()
    expect(admin.get_by_test_id("total-none")).to_have_text("1")
    assert_accessible(admin)
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    keep_screenshot(admin, "readiness-office-phone")

    admin.get_by_role("link", name="学校教育部").click()
    person = admin.get_by_test_id("person")
    expect(person).to_contain_text("長谷川 由紀子")
    expect(person).to_contain_text("どの手段でも届かない")
    expect(person).to_contain_text("メールアドレスなし")
    assert_accessible(admin)
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    admin.context.close()

    home = signed_in_page(browser, server_url, ward.carol)
    home.set_viewport_size({"width": 390, "height": 844})
    home.goto("/")
    expect(home.get_by_test_id("readiness-state")).to_contain_text("可能性があります")
    home.get_by_text("スマートフォンの設定方法").click()
    expect(home.get_by_test_id("readiness-steps")).to_contain_text("ホーム画面に追加")
    assert_accessible(home)
    assert home.evaluate("document.documentElement.scrollWidth") <= 390
    home.context.close()
