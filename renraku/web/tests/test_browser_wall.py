"""The wall display on a 1920×1080 screen in the headquarters room: opened from a display
link without signing in, it follows answers as they arrive, without reload."""

import pytest
from playwright.sync_api import expect

from renraku.broadcast import display, links
from renraku.broadcast.actions import Draft, send_alert
from renraku.notices.models import Recipient
from renraku.testing import make_org, make_people

from .browsing import keep_screenshot
from .conftest import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def alert(committed_db, tasks_run_at_once):
    people = make_people(make_org())
    alert = send_alert(
        Draft(
            title="震度6弱 安否確認",
            body="無事かどうか回答してください。",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
            category="earthquake",
            severity="emergency",
        ),
        sender=people.bob,
    )
    return alert, people


def test_the_wall_follows_a_one_tap_answer_without_reload(browser, page, server_url, alert):
    alert, people = alert
    _link, token = display.create_link(alert, by=people.bob, label="本部 1")
    screen = browser.new_context(
        base_url=server_url, locale="ja-JP", viewport={"width": 1920, "height": 1080}
    )
    wall = screen.new_page()
    wall.goto(f"/wall/{token}/")
    expect(wall.get_by_test_id("wall-answered")).to_have_text("0")
    expect(wall.get_by_test_id("wall-curve")).to_be_visible()
    assert_accessible(wall)
    # Nothing spills past the screen: the room sees it all without scrolling.
    assert wall.evaluate("document.documentElement.scrollHeight") <= 1080
    keep_screenshot(wall, "wall", full_page=False)
    wall.evaluate("window.__notReloaded = true")
    updated = wall.get_by_test_id("wall-updated").text_content()

    alice = Recipient.objects.get(notice=alert, staff=people.alice.staff)
    page.goto(f"/a/{links.token_for(alice.pk)}/")
    page.get_by_role("button", name="軽傷").click()
    expect(page.get_by_test_id("answered")).to_contain_text("軽傷")

    # The wall polls every 5 s: one full period, plus headroom for a loaded machine.
    expect(wall.get_by_test_id("wall-answered")).to_have_text("1", timeout=12_000)
    expect(wall.get_by_test_id("wall-minor")).to_have_text("1")
    expect(wall.get_by_test_id("wall-rate")).to_have_text("20%")
    assert wall.evaluate("window.__notReloaded") is True
    assert wall.get_by_test_id("wall-updated").text_content() != updated
    # 総務部 now has someone hurt: marked in words, not only in colour.
    expect(
        wall.get_by_test_id("wall-worst-department").locator(".wall-flag-injured")
    ).to_have_count(1)
    assert_accessible(wall)
    keep_screenshot(wall, "wall-answered", full_page=False)
    screen.close()
