"""The headquarters' drill-down on a 390 px phone: department by department, its figures
changing without reload when an answer arrives; each page passes axe-core."""

import pytest
from playwright.sync_api import expect

from renraku.broadcast import links
from renraku.broadcast.actions import Draft, send_alert
from renraku.notices.models import Recipient
from renraku.testing import make_org, make_people

from .browsing import keep_screenshot
from .conftest import assert_accessible, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def ward(committed_db, tasks_run_at_once):
    people = make_people(make_org())
    people.alert = send_alert(
        Draft(
            title="震度6弱 安否確認",
            body="回答してください。",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
        ),
        sender=people.bob,
    )
    return people


def test_the_drill_down_on_a_phone_changes_without_reload(browser, server_url, page, ward):
    hq = signed_in_page(browser, server_url, ward.bob)
    hq.set_viewport_size({"width": 390, "height": 844})
    pk = ward.alert.pk
    hq.goto(f"/alerts/{pk}/situation/")
    assert_accessible(hq)
    hq.get_by_role("link", name="総務部").first.click()
    expect(hq.get_by_test_id("total-answered")).to_have_text("0")
    assert_accessible(hq)
    hq.evaluate("window.__notReloaded = true")
    assert hq.evaluate("document.documentElement.scrollWidth") <= 390

    alice = Recipient.objects.get(notice=ward.alert, staff=ward.alice.staff)
    page.goto(f"/a/{links.token_for(alice.pk)}/")
    page.get_by_role("button", name="軽傷").click()
    page.get_by_role("button", name="出勤不可").click()
    # The page refreshes every 5 s and screens share figures for 2 s (broadcast/live.py).

    expect(hq.get_by_test_id("total-answered")).to_have_text("1", timeout=12_000)
    expect(hq.get_by_test_id("total-minor")).to_have_text("1")
    expect(hq.get_by_test_id("total-cannot")).to_have_text("1", timeout=12_000)
    assert hq.evaluate("window.__notReloaded") is True
    keep_screenshot(hq, "situation-department-phone")
    for path in (f"/alerts/{pk}/situation/print/", f"/alerts/{pk}/displays/"):
        hq.goto(path)
        assert_accessible(hq)
    hq.context.close()
