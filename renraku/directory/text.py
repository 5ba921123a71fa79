"""Normalising Japanese names and contact data the way HR exports and people type them."""

import re
import unicodedata

# Hiragana to katakana, the iteration marks (ゝゞ → ヽヾ) included: one table for the
# directory's kana and the bulletin's search, so やまだ finds ヤマダ in both.
KATAKANA_FOR_HIRAGANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)} | {
    ord("ゝ"): ord("ヽ"),
    ord("ゞ"): ord("ヾ"),
}
_SPACES = re.compile(r"[\s\u3000]+")
# A Japanese phone number: 10 digits for a land line, 11 for a mobile, always with the
# leading 0 (trunk prefix). Hyphens are how people write them, so they are kept as given.
_PHONE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")
_LINE_WORKS_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*")


def fold_width_and_kana(value: str) -> str:
    """The one Japanese folding renraku compares text by: width folded by NFKC (ｶﾅ → カナ,
    ＡＢＣ → ABC, ﾍﾟ → ペ) and hiragana as katakana (やまだ → ヤマダ). Spaces and case are
    left to the caller: names drop spaces, search keeps them as word breaks."""
    return unicodedata.normalize("NFKC", value or "").translate(KATAKANA_FOR_HIRAGANA)


def normalize_kana(value: str) -> str:
    """Full-width katakana without spaces: half-width (ｶﾅ, common in CP932 HR exports) and
    hiragana both become katakana, so a search for やまだ finds ヤマダ."""
    return _SPACES.sub("", fold_width_and_kana(value))


def normalize_name(value: str) -> str:
    """Kanji names with width folded (ＡＢＣ → ABC) and spaces removed."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value or ""))


def is_kana(value: str) -> bool:
    """True when a normalised value is katakana only (with the long vowel mark)."""
    return bool(value) and all("ァ" <= ch <= "ヶ" or ch in "ーヽヾ・" for ch in value)


def normalize_phone(value: str) -> str:
    """Digits and hyphens only, width folded: '０９０ー１２３４' → '090-1234'."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    return value.replace("ー", "-").replace("−", "-").replace("‐", "-").replace(" ", "")


def normalize_line_works_id(value: str) -> str:
    """A LINE WORKS ID as HR types it, width folded (ｙａｍａｄａ＠… → yamada@…)."""
    return unicodedata.normalize("NFKC", value or "").strip()


def is_valid_line_works_id(value: str) -> bool:
    """A LINE WORKS user id or login ID (user@domain): ASCII letters, digits and . _ @ + -
    only. It becomes part of the Bot API's URL, so nothing else may pass."""
    return bool(_LINE_WORKS_ID.fullmatch(value))


def is_valid_phone(value: str) -> bool:
    """A Japanese number: mobiles and IP phones (070/080/090/050) have 11 digits, land
    lines 10. Anything else would fail at the SMS or voice provider on the day it matters."""
    digits = value.replace("-", "")
    expected = 11 if digits[:3] in ("070", "080", "090", "050") else 10
    return bool(_PHONE.match(value)) and len(digits) == expected
