"""Error pages on a phone: Japanese, within 390 px, a way home, and no axe violations."""

import pytest
from playwright.sync_api import expect

from renraku.testing import make_org, make_people

from .conftest import assert_accessible, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def ward(committed_db):
    return make_people(make_org())


def test_the_404_and_403_pages_fit_a_phone_and_lead_home(page, browser, server_url, ward):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="ページが見つかりません")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)

    bob = signed_in_page(browser, server_url, ward.bob)
    bob.set_viewport_size({"width": 390, "height": 844})
    assert bob.goto("/audit/").status == 403
    expect(bob.get_by_role("heading", name="権限がありません")).to_be_visible()
    assert bob.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(bob)
    bob.get_by_role("link", name="トップページへ戻る").click()
    bob.wait_for_url(f"{server_url}/")
