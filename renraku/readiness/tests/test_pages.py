"""The readiness pages: administrators see the office by department and site; a department
administrator only their own departments and the people there push does not reach, with
what each lacks (never a contact value); staff only their own state, on the home page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.directory.models import EmailRefusal
from renraku.readiness import snapshots
from renraku.testing import make_staff, sign_in

from .conftest import ANDROID, device

OFFICE = reverse("readiness:office")


def department_url(code):
    return reverse("readiness:department", args=[code])


@pytest.fixture
def ward(people, org):
    device(people.alice.staff, shown_days_ago=2)
    device(people.carol.staff, shown_days_ago=50, agent=ANDROID)
    people.gak = make_staff(org, family="学校", department=org.gak, site=org.school)
    snapshots.take()
    return people


@pytest.mark.parametrize("person", ["alice", "bob", "erin"])
def test_staff_senders_and_auditors_may_not_open_readiness(client, ward, person):
    sign_in(client, getattr(ward, person))
    assert client.get(OFFICE).status_code == 403
    assert client.get(department_url("SOM")).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, ward):
    for url in (OFFICE, department_url("SOM")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_administrator_sees_the_office_worst_first(client, ward, django_assert_max_num_queries):
    sign_in(client, ward.dave)
    with django_assert_max_num_queries(20):
        response = client.get(OFFICE)
    assert response.status_code == 200
    html = response.content.decode()
    # 総務部 1 of 2 by push; 危機管理部 none of 3; 学校教育部: one person, nothing reaches him.
    assert [r["code"] for r in response.context["departments"]] == ["GAK", "KIK", "SOM"]
    assert response.context["total"]["staff"] == 6
    assert response.context["total"]["none"] == 1
    assert [r["code"] for r in response.context["sites"]] == ["S003", "S001"]
    assert "区立池尻小学校" in html and "16.7%" in html  # push share of the office: 1 of 6


def test_a_department_administrator_sees_only_their_departments(client, ward):
    sign_in(client, ward.carol)  # 総務部
    response = client.get(OFFICE)
    assert response.status_code == 200
    assert [r["code"] for r in response.context["departments"]] == ["SOM"]
    assert response.context["sites"] == []
    assert "危機管理部" not in response.content.decode()
    assert client.get(department_url("KIK")).status_code == 403
    assert client.get(department_url("SOM")).status_code == 200
    assert client.get(department_url("NOPE")).status_code == 404


def test_the_department_page_lists_who_push_does_not_reach_and_what_is_missing(client, ward):
    EmailRefusal.objects.create(address="carol@city.example", refused_at=timezone.now())
    sign_in(client, ward.carol)
    response = client.get(department_url("SOM"))
    html = response.content.decode()
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    people = response.context["people"]
    assert [p["staff"].family_name for p in people] == ["加藤"]  # Alice's phone works
    [carol] = people
    assert not carol["reachable"]
    assert "端末が30日間確認なし" in html and "メールサーバーが宛先を拒否" in html
    assert "carol@city.example" not in html  # what is missing, never the address itself
    assert "青木" not in html


def test_the_home_page_names_the_registered_device_that_receives_alerts_and_the_day(client, ward):
    # The server cannot tell which device shows the page: it names the registered one
    # that showed a notice, never "this device" (a computer beside the phone is not).
    sign_in(client, ward.alice)
    html = client.get(reverse("home")).content.decode()
    shown = timezone.localtime(timezone.now() - dt.timedelta(days=2))
    day = f"{shown.month}月{shown.day}日"
    assert f"登録済みの端末（iPhone）で緊急連絡を受け取れます（{day}に確認）" in html
    readiness = html.split('data-testid="readiness"')[1].split("</section>")[0]
    assert "この端末" not in readiness  # the push card beside it speaks of this device
    assert "readiness/" not in html.split('data-testid="readiness"')[1].split("</section>")[0]


def test_the_home_page_names_the_device_that_showed_the_latest_notice(client, ward):
    device(ward.alice.staff, shown_days_ago=1, agent=ANDROID)
    device(ward.alice.staff, shown_days_ago=5, agent="Mozilla/5.0 (Windows NT 10.0) Edg/126")
    sign_in(client, ward.alice)
    html = client.get(reverse("home")).content.decode()
    assert "登録済みの端末（Android）で緊急連絡を受け取れます" in html


def test_the_home_page_says_registered_device_when_its_kind_is_unknown(client, ward):
    device(ward.alice.staff, shown_days_ago=0, agent="")
    sign_in(client, ward.alice)
    html = client.get(reverse("home")).content.decode()
    assert "登録済みの端末で緊急連絡を受け取れます" in html


def test_the_home_page_tells_someone_whose_device_went_silent_what_to_do(client, ward):
    sign_in(client, ward.carol)
    html = client.get(reverse("home")).content.decode()
    assert "緊急連絡を表示できていない可能性があります" in html
    assert "通知を許可" in html  # Carol's phone is an Android
    assert OFFICE in html  # a department administrator is offered her departments' page


def test_the_home_page_of_someone_with_no_device(client, ward):
    sign_in(client, ward.bob)
    html = client.get(reverse("home")).content.decode()
    assert "緊急連絡を受け取れる端末がまだありません" in html
    assert "ホーム画面に追加" in html and "通知を許可" in html


def test_the_home_page_lists_the_other_channels_after_a_japanese_colon(client, ward):
    sign_in(client, ward.alice)
    html = client.get(reverse("home")).content.decode()
    assert "緊急連絡はこちらにも届きます：" in html and "届きます:" not in html
