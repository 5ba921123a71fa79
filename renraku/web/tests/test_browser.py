"""What a member of staff and an administrator see, in a real browser."""

import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from renraku.audit.models import AuditEntry
from renraku.testing import PASSWORD, make_org, make_people, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def ward(committed_db):
    org = make_org()
    people = make_people(org)
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


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("職員番号またはメールアドレス").fill(user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()


def test_staff_signs_in_and_finds_a_colleague_by_kana(page, ward):
    sign_in(page, ward.alice)
    page.get_by_role("link", name="職員名簿").click()
    page.get_by_label("氏名（漢字・かな）または職員番号").fill("やまだ")
    # htmx swaps the results in as one types: no submit, no reload
    expect(page.locator("#results li")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=%E3%82%84%E3%81%BE%E3%81%A0"))
    page.locator("#results").get_by_role("link", name="山田 太郎").click()
    assert page.get_by_text("yamada@city.example").is_visible()
    assert page.get_by_text("危機管理部").first.is_visible()


def test_staff_cannot_see_a_personal_mobile(page, ward):
    sign_in(page, ward.alice)
    page.goto(f"/directory/staff/{ward.alice.username}/")
    page.get_by_role("heading", name="青木 愛").wait_for()
    assert page.get_by_role("button", name="個人連絡先を表示").count() == 0
    assert "090-1111-2222" not in page.content()


def test_administrator_passes_two_factor_and_sees_a_personal_mobile(page, ward):
    sign_in(page, ward.dave)
    page.get_by_text("認証アプリに表示される6桁のコードを入力してください。").wait_for()
    device = ward.dave.totpdevice_set.get()
    page.get_by_label("認証アプリに表示される6桁のコード").fill(
        f"{TOTP(device.bin_key).token():06d}"
    )
    page.get_by_role("button", name="確認").click()
    page.get_by_role("link", name="職員名簿").wait_for()

    page.goto(f"/directory/staff/{ward.alice.username}/")
    assert "090-1111-2222" not in page.content()
    page.get_by_label("理由（任意）").fill("安否確認")
    page.get_by_role("button", name="個人連絡先を表示").click()
    page.get_by_test_id("personal-contact").get_by_text("090-1111-2222").wait_for()
    viewed = AuditEntry.objects.get(action="directory.personal_contact_viewed")
    assert viewed.actor == ward.dave.username and viewed.detail == {"reason": "安否確認"}


def test_a_wrong_password_says_so_in_japanese(page, ward):
    page.goto("/accounts/login/")
    page.get_by_label("職員番号またはメールアドレス").fill(ward.alice.username)
    page.get_by_label("パスワード").fill("wrong password")
    page.get_by_role("button", name="サインイン").click()
    page.get_by_role("alert").get_by_text("パスワードが正しくありません").wait_for()


def test_the_service_worker_takes_control_of_the_app(page, ward):
    sign_in(page, ward.alice)
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope.endswith(":" + page.url.split(":")[2].split("/")[0] + "/")
    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest == "/manifest.webmanifest"
