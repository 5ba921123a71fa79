"""The main path on a phone (390 px): from the menu's 訓練, schedule a drill in a window,
read a drill's report and the departments' trend, send a reception test and read who it
reached. Each page passes axe-core and fits the screen."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from renraku.drills import schedule
from renraku.notices.models import Notice, Recipient
from renraku.web.tests.browsing import (
    assert_accessible,
    keep_screenshot,
    signed_in_page,
)

from .conftest import window

pytestmark = pytest.mark.browser


@pytest.fixture
def answered_drill(committed_db, office):
    _org, people, _extra = office
    start, end = window()
    alert = schedule.send_drill(
        schedule.schedule_drill(audience={"all": True}, start=start, end=end, by=people.bob).pk
    )
    # Sent an hour ago: the trend leaves out drills whose answers are still coming.
    sent = alert.issued_at - dt.timedelta(hours=1)
    Notice.objects.filter(pk=alert.pk).update(issued_at=sent)
    for i, r in enumerate(Recipient.objects.filter(notice=alert).order_by("pk")[:8]):
        at = sent + dt.timedelta(seconds=40 + 90 * i)
        Recipient.objects.filter(pk=r.pk).update(answered_at=at, answer="safe")
    return alert


def _fits(page, name=""):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    if name:  # for a person to look at, as the page fixture leaves its last page
        keep_screenshot(page, f"drills-{name}")


def test_a_sender_schedules_a_drill_and_reads_the_report_on_a_phone(
    browser, server_url, answered_drill, people
):
    page = signed_in_page(browser, server_url, people.bob)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    page.get_by_role("link", name="訓練", exact=True).click()
    expect(page.get_by_role("heading", name="訓練", exact=True)).to_be_visible()
    _fits(page)

    page.get_by_role("link", name="訓練を予約").click()
    local = timezone.localtime(timezone.now() + dt.timedelta(days=1))
    page.get_by_label("全職員").check()
    page.get_by_label("この時刻から").fill(local.strftime("%Y-%m-%dT06:00"))
    page.get_by_label("この時刻まで").fill(local.strftime("%Y-%m-%dT08:00"))
    _fits(page)
    page.get_by_role("button", name="予約する").click()
    scheduled = page.get_by_test_id("scheduled")
    expect(scheduled).to_contain_text(local.strftime("%Y-%m-%d 06:00"))
    expect(scheduled.get_by_role("button", name="この訓練を中止")).to_be_visible()

    page.get_by_role("link", name=answered_drill.title).click()
    expect(page.get_by_test_id("t50")).to_have_text("8:10")  # the 6th of 11: 40 + 5 × 90 s
    _fits(page, "report")
    page.get_by_role("link", name="部局別の推移").first.click()
    expect(page.get_by_test_id("trend")).to_contain_text("総務部")
    _fits(page, "trend")

    page.goto("/drills/reception/")
    page.get_by_label("部局").select_option(label="学校教育部")
    _fits(page)
    page.get_by_role("button", name="受信テストを送信").click()
    expect(page.get_by_test_id("reception-figures")).to_be_visible()
    _fits(page, "reception")
    page.context.close()
