"""The pages work under the Content-Security-Policy, in a real browser: nothing is refused
(the browser reports each refusal), htmx still swaps results in, the admin's scripts run."""

import re

import pytest
from playwright.sync_api import expect

from renraku.accounts.models import Role
from renraku.broadcast.actions import Draft, send_alert
from renraku.broadcast.links import token_for
from renraku.notices.models import Recipient
from renraku.testing import PASSWORD, make_org, make_people, make_staff, make_user
from renraku.web.tests.conftest import signed_in_page

pytestmark = pytest.mark.browser

# Every refusal the page learns of, with what was refused; Playwright's init scripts run
# outside the page's policy, so this listener is there even when inline script is refused.
LISTEN = """document.addEventListener("securitypolicyviolation", (e) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    `${e.violatedDirective} ${e.blockedURI || "inline"} ${e.sourceFile}:${e.lineNumber}`);
});"""


@pytest.fixture
def ward(committed_db):
    org = make_org()
    people = make_people(org)
    people.org = org
    make_staff(
        org,
        family="山田",
        given="太郎",
        family_kana="ヤマダ",
        given_kana="タロウ",
        section=org.kiki_ka,
        department=org.kik,
        work_email="yamada@city.example",
    )
    return people


@pytest.fixture
def as_user(browser, server_url):
    """A signed-in page for a user that records CSP refusals and script errors."""
    pages = []

    def open_as(user):
        if user.requires_two_factor:
            page = signed_in_page(browser, server_url, user)  # not opened yet
        else:
            page = browser.new_context(base_url=server_url, locale="ja-JP").new_page()
        page.set_default_timeout(10_000)
        page.problems = []
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and page.problems.append(m.text),
        )
        page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
        page.context.add_init_script(LISTEN)
        pages.append(page)
        if not user.requires_two_factor:  # no second factor to hand over: sign in as they do
            page.goto("/accounts/login/")
            page.get_by_label("職員番号またはメールアドレス").fill(user.username)
            page.get_by_label("パスワード").fill(PASSWORD)
            page.get_by_role("button", name="サインイン").click()
            page.wait_for_url(f"{server_url}/")
        return page

    yield open_as
    for page in pages:
        page.context.close()


def _assert_nothing_refused(page):
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations || []")
    assert page.problems == [] and violations == [], (page.url, page.problems, violations)


def test_home_page_runs_its_scripts_under_the_policy(as_user, ward):
    page = as_user(ward.alice)
    page.goto("/")
    # renraku.js ran: the push section is shown with a status line; htmx loaded, configured.
    expect(page.get_by_test_id("push-state")).not_to_be_empty()
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    _assert_nothing_refused(page)


def test_directory_live_search_still_swaps_results_in(as_user, ward):
    page = as_user(ward.alice)
    page.goto("/directory/")
    page.get_by_label("氏名（漢字・かな）または職員番号").fill("やまだ")
    expect(page.locator("#results li")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=%E3%82%84%E3%81%BE%E3%81%A0"))
    expect(page.locator("#results").get_by_role("link", name="山田 太郎")).to_be_visible()
    _assert_nothing_refused(page)


def test_alert_compose_page_works_under_the_policy(as_user, ward):
    page = as_user(ward.bob)
    response = page.goto("/alerts/new/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    _assert_nothing_refused(page)


def test_jma_filter_applies_on_choice_without_an_inline_handler(as_user, ward):
    page = as_user(ward.bob)
    page.goto("/feeds/")
    page.locator("#action").select_option(index=1)
    expect(page).to_have_url(re.compile(r"[?&]action=\w+"))
    _assert_nothing_refused(page)


def test_admin_scripts_run_under_the_policy(as_user, ward):
    page = as_user(ward.dave)
    page.goto("/admin/")
    _assert_nothing_refused(page)
    page.goto(f"/admin/directory/staff/{ward.alice.staff.pk}/change/")
    # SelectFilter2.js builds the two-list picker for titles: the admin's JS ran.
    expect(page.locator("#id_titles_from")).to_be_attached()
    _assert_nothing_refused(page)


def test_two_factor_setup_shows_its_qr_code_under_the_policy(browser, server_url, ward):
    newcomer = make_staff(
        ward.org, family="新井", given="翔", family_kana="アライ", given_kana="ショウ"
    )
    sender = make_user(newcomer, Role.SENDER, with_device=False)
    context = browser.new_context(base_url=server_url, locale="ja-JP")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    page.goto("/accounts/login/")
    page.get_by_label("職員番号またはメールアドレス").fill(sender.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    qr = page.locator(".qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] == 220  # sized by renraku.css, not an inline style
    page.wait_for_load_state("networkidle")
    assert problems == []
    context.close()


def test_one_tap_answer_page_works_under_the_policy(browser, server_url, ward):
    alert = send_alert(
        Draft(
            title="震度5弱 安否確認",
            body="回答してください。",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
            severity="emergency",
        ),
        sender=ward.bob,
    )
    alice = Recipient.objects.get(notice=alert, staff=ward.alice.staff)
    context = browser.new_context(base_url=server_url, locale="ja-JP")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    page.goto(f"/a/{token_for(alice.pk)}/")
    page.get_by_role("button", name="無事").click()
    expect(page.get_by_test_id("answered")).to_have_text("あなたの回答：無事")
    page.wait_for_load_state("networkidle")
    assert problems == []
    context.close()
