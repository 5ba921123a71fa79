"""Japanese text takes the full-width colon: 「あなたの回答：全員無事」, not
「あなたの回答: 全員無事」. Checked over every Japanese translation, so that a new one
cannot bring the ASCII colon back."""

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "locale" / "ja" / "LC_MESSAGES" / "django.po"
# An ASCII colon after Japanese (or after a name that stands in a Japanese sentence, such
# as renraku's), but not a time written 分:秒.
ASCII_COLON = re.compile(r"(?:[^\x00-\x7F]|^renraku):(?!秒)")


def test_no_japanese_translation_uses_an_ascii_colon():
    found = [
        (entry.msgid, text)
        for entry in polib.pofile(str(PO))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if ASCII_COLON.search(text)
    ]
    assert found == []
