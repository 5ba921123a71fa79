"""The flagship path in a real browser: a member of staff answers 無事 with one tap, and the
sender's dashboard, open in another page, changes without a reload."""

import pytest
from playwright.sync_api import expect

from renraku.broadcast import links
from renraku.broadcast.actions import Draft, send_alert
from renraku.broadcast.models import Recipient
from renraku.testing import make_org, make_people

from .conftest import signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def alert(committed_db, tasks_run_at_once):
    """Sent and delivered (to the console e-mail backend) in this thread."""
    people = make_people(make_org())
    alert = send_alert(
        Draft(
            title="震度5弱 安否確認",
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


def test_one_tap_on_a_phone_shows_on_the_senders_dashboard_without_reload(
    browser, page, server_url, alert
):
    alert, people = alert
    dashboard = signed_in_page(browser, server_url, people.bob)
    dashboard.goto(f"/alerts/{alert.pk}/")
    expect(dashboard.get_by_test_id("count-answered")).to_have_text("0")
    dashboard.evaluate("window.__notReloaded = true")

    alice = Recipient.objects.get(alert=alert, staff=people.alice.staff)
    page.goto(f"/a/{links.token_for(alice.pk)}/")
    expect(page.get_by_role("heading", name="震度5弱 安否確認")).to_be_visible()
    page.get_by_role("button", name="無事").click()
    expect(page.get_by_test_id("answered")).to_have_text("あなたの回答：無事")

    # htmx polls every 2 s: allow one full period, plus headroom for a loaded CI machine.
    expect(dashboard.get_by_test_id("count-answered")).to_have_text("1", timeout=4_000)
    expect(dashboard.get_by_test_id("count-safe")).to_have_text("1")
    assert dashboard.evaluate("window.__notReloaded") is True
    expect(dashboard.get_by_test_id("unanswered")).not_to_contain_text("青木 愛")
    dashboard.screenshot(path="test-results/dashboard.png", full_page=True)
    dashboard.context.close()
