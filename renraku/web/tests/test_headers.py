"""Headers that keep pages and personal data where they belong: the Content-Security-Policy
on every page, and no stored copy of a personal contact."""

import re
from pathlib import Path

from django.urls import reverse

from renraku.testing import sign_in

TEMPLATES = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in header.split(";") if d.strip()}


def test_every_page_has_a_content_security_policy_that_allows_only_our_own_files(client, people):
    pages = [client.get(reverse("accounts:login"))]
    sign_in(client, people.dave)
    pages += [client.get("/"), client.get(reverse("directory:staff_list")), client.get("/admin/")]
    for page in pages:
        assert page.status_code == 200
        policy = _policy(page)
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["form-action"] == "'self'"
        assert policy["img-src"] == "'self' data:"


def test_the_one_tap_answer_page_has_the_policy_too(client, db):
    page = client.get(reverse("broadcast:answer", args=["not-a-token"]))
    assert _policy(page)["script-src"] == "'self'"


def test_no_template_has_inline_script_event_handler_or_style_attribute():
    """The policy would silently switch them off: a filter that never applies, a button
    that does nothing. Behaviour goes in renraku.js, looks in renraku.css."""
    found = []
    for path in TEMPLATES.glob("*/templates/**/*.html"):
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"\sstyle\s*="):
            found += [f"{path.relative_to(TEMPLATES)}: {m}" for m in re.findall(pattern, text)]
    assert found == []


def test_htmx_is_told_not_to_add_its_inline_style(client, people):
    sign_in(client, people.alice)
    page = client.get("/")
    assert '"includeIndicatorStyles": false' in page.text


def test_a_personal_contact_is_never_kept_in_a_cache(client, people):
    sign_in(client, people.dave)
    response = client.post(
        reverse("directory:personal_contact", args=[people.alice.staff.employee_number]),
        {"reason": "安否確認"},
    )
    assert response.status_code == 200
    assert "090-1111-2222" in response.text
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
