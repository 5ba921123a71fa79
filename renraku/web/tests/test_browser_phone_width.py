"""A colleague's page fits a phone: a long e-mail address wraps instead of making the whole
page wider than the screen (and every line of it a sideways scroll)."""

import pytest
from playwright.sync_api import expect

from renraku.testing import PASSWORD, make_org, make_people, make_staff

pytestmark = pytest.mark.browser

LONG_EMAIL = "kikikanri.bousai.taisaku.tantou.kakarichou@bousai.example.jp"


@pytest.fixture
def ward(committed_db):
    org = make_org()
    people = make_people(org)
    people.long = make_staff(
        org,
        family="長谷川",
        given="由紀子",
        family_kana="ハセガワ",
        given_kana="ユキコ",
        section=org.kiki_ka,
        department=org.kik,
        work_email=LONG_EMAIL,
    )
    return people


def test_a_long_work_e_mail_does_not_widen_a_phone_page(page, ward):
    assert len(LONG_EMAIL) == 60
    page.goto("/accounts/login/")
    page.get_by_label("職員番号またはメールアドレス").fill(ward.alice.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url("**/")
    assert page.viewport_size["width"] == 390

    page.goto(f"/directory/staff/{ward.long.employee_number}/")
    expect(page.get_by_role("link", name=LONG_EMAIL)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # and in the search results that lead there
    page.goto("/directory/?q=ハセガワ")
    expect(page.get_by_role("link", name=LONG_EMAIL)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
