"""The benchmarks' floor view exists only when a benchmark asks for it."""

import importlib

import pytest
from django.test import Client
from django.urls import clear_url_caches

import renraku.urls
from renraku.testing import make_staff, make_user, sign_in


@pytest.fixture
def floor_routed(monkeypatch, settings):
    monkeypatch.setenv("RENRAKU_BENCHMARK_FLOOR", "1")
    importlib.reload(renraku.urls)
    clear_url_caches()
    yield
    monkeypatch.delenv("RENRAKU_BENCHMARK_FLOOR")
    importlib.reload(renraku.urls)
    clear_url_caches()


def test_the_floor_is_not_routed_in_production(client, org):
    sign_in(client, make_user(make_staff(org)))
    assert client.get("/_floor/").status_code == 404
    assert client.post("/_floor/").status_code == 404


def test_the_floor_answers_signed_in_people_and_checks_csrf(floor_routed, org):
    anonymous = Client()
    assert anonymous.get("/_floor/").status_code == 302  # to sign in, as any page
    client = Client(enforce_csrf_checks=True)
    sign_in(client, make_user(make_staff(org)))
    response = client.get("/_floor/")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.post("/_floor/").status_code == 403  # no CSRF token: refused
    token = "benchmarkcsrftoken0123456789abcd"
    client.cookies["csrftoken"] = token
    assert client.post("/_floor/", HTTP_X_CSRFTOKEN=token).status_code == 200
