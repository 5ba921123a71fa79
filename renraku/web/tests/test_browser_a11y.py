"""Every page a person reaches passes axe-core (WCAG 2.1 A and AA, no serious or critical
violation), on a phone and, for the sender's pages, on a desktop screen."""

import pytest

from renraku.broadcast import links
from renraku.broadcast.actions import Draft, send_alert
from renraku.notices.models import Recipient
from renraku.testing import make_org, make_people

from .conftest import assert_accessible, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def ward(committed_db, tasks_run_at_once):
    people = make_people(make_org())
    people.alert = send_alert(
        Draft(
            title="震度5弱 安否確認",
            body="無事かどうか回答してください。",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
            escalation=[{"after_minutes": 15, "action": "supervisor"}],
        ),
        sender=people.bob,
    )
    return people


def visit_all(page, paths):
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert_accessible(page)


def test_the_sign_in_page_and_the_answer_page(page, ward):
    alice = Recipient.objects.get(notice=ward.alert, staff=ward.alice.staff)
    visit_all(page, ["/accounts/login/", f"/a/{links.token_for(alice.pk)}/"])


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 800)])
def test_a_senders_pages(browser, server_url, ward, viewport):
    page = signed_in_page(browser, server_url, ward.bob)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    pk = ward.alert.pk
    visit_all(
        page,
        [
            "/",
            "/alerts/",
            "/alerts/new/",
            f"/alerts/{pk}/",
            f"/alerts/{pk}/report/",
            f"/alerts/{pk}/correct/",
            f"/alerts/{pk}/close/",
            "/feeds/",
            "/directory/",
            f"/directory/staff/{ward.alice.username}/",
        ],
    )
    page.goto("/alerts/new/")
    page.get_by_label("件名").fill("訓練")
    page.get_by_label("本文").fill("訓練です。")
    page.get_by_label("全職員").check()
    page.get_by_role("button", name="送信前に確認する").click()
    page.get_by_test_id("preview").wait_for()
    assert_accessible(page)  # the preview, with its errors or its figures
    page.context.close()


def test_an_administrators_and_an_auditors_pages(browser, server_url, ward):
    page = signed_in_page(browser, server_url, ward.dave)
    visit_all(page, ["/directory/import/", f"/alerts/{ward.alert.pk}/"])
    page.context.close()
    page = signed_in_page(browser, server_url, ward.erin)
    visit_all(page, ["/audit/"])
    page.context.close()
