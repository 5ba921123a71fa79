"""A NUL character (%00) in a path, a query or a JSON body is the 400 page and changes
nothing: PostgreSQL cannot take such a string, so without this one check each view
reading a code from its URL would be a 500 there."""

import json

from django.urls import reverse

from renraku.testing import sign_in

from .test_error_pages import assert_site_page

HEADING = "リクエストを受け付けられませんでした"


def test_a_nul_in_the_path_is_a_400(client, people):
    sign_in(client, people.alice)
    staff = reverse("directory:staff_detail", args=["X"]).replace("/X/", "/%00/")
    assert_site_page(client.get(staff), 400, HEADING)


def test_a_nul_in_the_query_is_a_400(client, people):
    sign_in(client, people.alice)
    assert_site_page(client.get(reverse("directory:staff_list"), {"q": "田\x00"}), 400, HEADING)


def test_a_nul_in_a_form_is_left_to_the_form_which_names_the_field(client, people):
    sign_in(client, people.bob)
    response = client.post(
        reverse("directory:staff_edit", args=[people.bob.username]), {"work_phone": "03\x00"}
    )
    assert response.status_code != 500 and HEADING not in response.text


def test_a_nul_in_a_json_body_is_a_400(client):
    response = client.post(
        "/api/v1/alerts", json.dumps({"title": "a\u0000b"}), content_type="application/json"
    )
    assert response.status_code == 400 and "NUL" in response.json()["error"]


def test_ordinary_requests_pass(client, people):
    sign_in(client, people.alice)
    assert client.get(reverse("directory:staff_list"), {"q": "田"}).status_code == 200
