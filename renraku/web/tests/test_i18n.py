from pathlib import Path

import polib
from django.urls import reverse

from renraku.testing import sign_in

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES"


def test_pages_are_japanese_by_default(client):
    page = client.get(reverse("accounts:login"))
    assert '<html lang="ja">' in page.text
    assert "サインイン" in page.text
    assert "職員番号またはメールアドレス" in page.text


def test_english_is_available(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in page.text
    assert "Employee number or e-mail" in page.text


def test_choosing_english_sticks_across_pages(client, people):
    sign_in(client, people.alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Find a colleague" in client.get("/").text


def test_every_message_has_a_japanese_translation():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert [e.msgid for e in po if not e.translated()] == []
    assert po.fuzzy_entries() == []


def test_the_compiled_catalogue_matches_the_source():
    po = {
        (e.msgid, e.msgstr or e.msgstr_plural.get(0, ""))
        for e in polib.pofile(str(LOCALE / "django.po"))
        if e.translated()
    }
    mo = {
        (e.msgid, e.msgstr or e.msgstr_plural.get(0, ""))
        for e in polib.mofile(str(LOCALE / "django.mo"))
        if e.msgid
    }
    assert po == mo, "run `make messages` to recompile django.mo"


def test_times_are_shown_in_tokyo(settings):
    assert settings.TIME_ZONE == "Asia/Tokyo" and settings.USE_TZ
