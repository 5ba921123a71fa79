"""A facility report from a phone (390 px): someone who arrived at the school reports it
unusable with a photo, and the headquarters sees it on the page of every site. Each page
passes axe-core."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django_otp import DEVICE_ID_SESSION_KEY
from playwright.sync_api import expect

from renraku.mobilise import actions
from renraku.mobilise.models import SiteReport
from renraku.mobilise.tests.test_facilities import tiny_png
from renraku.web.tests.browsing import assert_accessible, keep_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def started(committed_db, tasks_run_at_once, ward, people):
    return actions.start(3, drill=True)


@pytest.fixture
def phone(browser, server_url, request):
    """phone(user): a 390 px page signed in as `user` (past two-factor when they have it);
    each leaves its screenshot."""
    pages = []

    def open_as(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        device = user.totpdevice_set.first()
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        context = browser.new_context(
            base_url=server_url, locale="ja-JP", viewport={"width": 390, "height": 844}
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": server_url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        pages.append(page)
        return page

    yield open_as
    for i, page in enumerate(pages):
        keep_screenshot(page, f"{request.node.name}-{i}")
        page.context.close()
    connections.close_all()


def test_a_facility_report_from_a_phone_reaches_the_headquarters(phone, started, people):
    alice = phone(people.alice)
    alice.goto(f"/mobilise/{started.pk}/posts/S003/arrive/")
    alice.get_by_role("button", name="到着しました").click()
    alice.get_by_role("link", name="この施設の状況を報告").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("区立池尻小学校")
    assert_accessible(alice)
    alice.get_by_role("group", name="建物は使えますか").get_by_label("使用不可").check()
    alice.get_by_role("group", name="電気").get_by_label("なし").check()
    alice.get_by_label("施設内の負傷者の人数").fill("1")
    alice.get_by_label("メモ").fill("体育館の天井が落下。避難所は開けない。")
    alice.get_by_label("写真（任意）").set_input_files(
        {"name": "damage.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    alice.get_by_role("button", name="報告する").click()
    expect(alice.get_by_test_id("reported")).to_contain_text("使用不可")
    expect(alice.get_by_test_id("history")).to_contain_text("体育館の天井が落下")
    assert_accessible(alice)
    # The page fits the phone: nothing wider than its 390 px.
    assert alice.evaluate("document.documentElement.scrollWidth") <= 390

    hq = phone(people.bob)
    hq.goto(f"/mobilise/{started.pk}/")
    hq.get_by_role("link", name="施設の状況（全施設）").click()
    expect(hq.get_by_test_id("site-counts")).to_contain_text("1使用不可")
    unusable = hq.get_by_role("region", name="使用不可")
    expect(unusable).to_contain_text("区立池尻小学校")
    expect(unusable).to_contain_text("1人")
    # The unreported come first.
    names = hq.locator("main h2").all_inner_texts()
    assert names[0].startswith("未報告") and names[1].startswith("使用不可")
    assert_accessible(hq)
    assert hq.evaluate("document.documentElement.scrollWidth") <= 390
    report = SiteReport.objects.get()
    photo = hq.request.get(f"/mobilise/{started.pk}/site-reports/{report.pk}/photo/")
    assert photo.status == 200 and photo.body() == tiny_png()
