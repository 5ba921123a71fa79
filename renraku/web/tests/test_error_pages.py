"""Every error page is Japanese, the site's own (styled, a way back home), and the 500 page
needs neither the database nor the context processors (either may be what failed)."""

import pytest
from django.test import Client
from django.urls import reverse

from renraku.testing import sign_in

HOME_LINK = 'href="/"'
STYLESHEET = "web/renraku.css"


def assert_site_page(response, status, heading):
    assert response.status_code == status
    text = response.content.decode()
    assert f"<h1>{heading}</h1>" in text
    assert "トップページへ戻る" in text and HOME_LINK in text and STYLESHEET in text
    assert '<html lang="ja">' in text


def test_a_missing_page_is_a_japanese_404(client, people):
    sign_in(client, people.alice)
    assert_site_page(client.get("/no-such-page/"), 404, "ページが見つかりません")


def test_a_page_the_role_does_not_allow_is_a_japanese_403(client, people):
    sign_in(client, people.alice)
    assert_site_page(client.get(reverse("audit:log")), 403, "権限がありません")


def test_a_bad_request_is_a_japanese_400(client, people):
    # A request for a host this server does not answer to (Django's DisallowedHost).
    assert_site_page(
        client.get("/", HTTP_HOST="evil.example"), 400, "リクエストを受け付けられませんでした"
    )


def test_a_failed_csrf_check_is_a_japanese_403_and_signs_nobody_in(people):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": people.alice.username, "password": "x"}
    )
    assert_site_page(response, 403, "ページの有効期限が切れていました")
    assert "_auth_user_id" not in client.session


@pytest.mark.urls("renraku.web.tests.error_urls")
def test_a_failing_page_is_a_japanese_500_without_the_database(db, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/fails/")
    assert_site_page(response, 500, "エラーが発生しました")
    assert "a bug" not in response.content.decode()


def broken_context_processor(request):
    raise RuntimeError("the database is gone")


@pytest.mark.urls("renraku.web.tests.error_urls")
def test_the_500_page_renders_when_context_processors_fail(people, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "renraku.web.tests.test_error_pages.broken_context_processor",
                ]
            },
        }
    ]
    client = sign_in(Client(raise_request_exception=False), people.alice)
    assert_site_page(client.get("/fails/"), 500, "エラーが発生しました")
    # and the other error pages do not need them either
    assert_site_page(client.get("/no-such-page/"), 404, "ページが見つかりません")


def test_english_readers_get_the_english_page(client, people):
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "<h1>Page not found</h1>" in response.text
