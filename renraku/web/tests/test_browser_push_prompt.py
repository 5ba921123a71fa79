"""What the home page says about alerts on this device, on the devices people have: an
iPhone in Safari is shown how to add renraku to the Home Screen (a button there could not
work), an old iPhone is told e-mail reaches it, a computer sees its status and the button."""

import re

import pytest
from playwright.sync_api import expect

from renraku.directory.models import PushSubscription
from renraku.testing import PASSWORD, make_org, make_people

pytestmark = pytest.mark.browser

IPHONE_IOS_17 = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPHONE_IOS_15 = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_7 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1"
)
# iPadOS asks for desktop sites: it says Mac, and only its touch screen gives it away.
IPAD_AS_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def ward(committed_db):
    return make_people(make_org())


@pytest.fixture
def home(browser, server_url, ward):
    """Alice's home page in a new context (options for browser.new_context), after the
    given init script (standing in for what a device is or has)."""
    contexts = []

    def open_home(init_script="", **options):
        context = browser.new_context(base_url=server_url, locale="ja-JP", **options)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.goto("/accounts/login/")
        page.get_by_label("職員番号またはメールアドレス").fill(ward.alice.username)
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="サインイン").click()
        page.wait_for_url(f"{server_url}/")
        return page

    yield open_home
    for context in contexts:
        context.close()


def _browser_has_subscription(endpoint):
    return f"PushManager.prototype.getSubscription = async () => ({{endpoint: {endpoint!r}}});"


def _state(page, name):
    expect(page.get_by_test_id("push")).to_have_attribute("data-state", name)


def test_iphone_in_safari_is_shown_how_to_add_renraku_to_the_home_screen(home):
    page = home(user_agent=IPHONE_IOS_17, viewport=PHONE, is_mobile=True, has_touch=True)
    _state(page, "install")
    guidance = page.get_by_test_id("push-ios-install")
    expect(guidance).to_be_visible()
    expect(guidance).to_contain_text(re.compile("ホーム画面に追加|Add to Home Screen"))
    expect(guidance.get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_hidden()
    expect(page.get_by_test_id("push-state")).not_to_be_empty()


def test_ipad_that_says_it_is_a_mac_gets_the_same_guidance(home):
    page = home(
        "Object.defineProperty(Navigator.prototype, 'maxTouchPoints', {get: () => 5});",
        user_agent=IPAD_AS_MAC,
        viewport={"width": 820, "height": 1180},
    )
    _state(page, "install")
    expect(page.get_by_test_id("push-ios-install")).to_be_visible()


def test_iphone_opened_from_the_home_screen_gets_the_button(home):
    page = home(
        "Object.defineProperty(Navigator.prototype, 'standalone', {get: () => true});",
        user_agent=IPHONE_IOS_17,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
    )
    _state(page, "off")
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_visible()
    expect(page.get_by_test_id("push-ios-install")).to_be_hidden()


def test_iphone_before_ios_16_4_is_told_notifications_are_not_available(home):
    page = home(user_agent=IPHONE_IOS_15, viewport=PHONE, is_mobile=True, has_touch=True)
    _state(page, "old")
    expect(page.locator("[data-push-help=old]")).to_be_visible()
    expect(page.get_by_test_id("push-ios-install")).to_be_hidden()
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_hidden()
    # and that e-mail still reaches them (no SMS is set up for this ward)
    expect(page.get_by_test_id("push")).to_contain_text(re.compile("メール|e-mail"))
    expect(page.get_by_test_id("push")).not_to_contain_text("SMS")


def test_computer_sees_that_it_is_not_registered_and_the_button(home):
    page = home(viewport={"width": 1280, "height": 800})
    _state(page, "off")
    expect(page.get_by_test_id("push-state")).not_to_be_empty()
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_visible()
    expect(page.get_by_test_id("push-ios-install")).to_be_hidden()


def test_a_device_already_registered_for_this_person_says_it_receives(home, ward, server_url):
    endpoint = "https://fcm.googleapis.com/fcm/send/alices-laptop"
    PushSubscription.objects.create(staff=ward.alice.staff, endpoint=endpoint, p256dh="k", auth="a")
    page = home(
        # The browser's own subscription (Chromium's push service is out of reach here).
        _browser_has_subscription(endpoint),
        permissions=["notifications"],
    )
    _state(page, "on")
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_hidden()


def test_a_device_registered_by_someone_else_is_not_said_to_receive(home, ward):
    endpoint = "https://fcm.googleapis.com/fcm/send/bobs-laptop"
    PushSubscription.objects.create(staff=ward.bob.staff, endpoint=endpoint, p256dh="k", auth="a")
    page = home(
        _browser_has_subscription(endpoint),
        permissions=["notifications"],
    )
    _state(page, "off")
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_visible()


def test_blocked_notifications_say_how_to_allow_them(home):
    page = home("Object.defineProperty(Notification, 'permission', {get: () => 'denied'});")
    _state(page, "blocked")
    expect(page.locator("[data-push-help=blocked]")).to_be_visible()
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_hidden()


def test_a_failed_registration_says_what_to_do_not_the_error_name(home):
    page = home(
        "PushManager.prototype.subscribe = async () => {"
        "  throw new DOMException('Registration failed - push service error', 'AbortError'); };",
        permissions=["notifications"],
    )
    page.get_by_role("button", name="この端末で受け取る").click()
    _state(page, "failed")
    expect(page.locator("[data-push-help=failed]")).to_be_visible()
    expect(page.get_by_test_id("push")).not_to_contain_text("AbortError")
    expect(page.get_by_role("button", name="この端末で受け取る")).to_be_visible()  # to retry
    assert any("AbortError" in text for text in page.console_errors), page.console_errors
