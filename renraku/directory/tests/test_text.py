import pytest

from renraku.directory.text import (
    is_kana,
    is_valid_phone,
    normalize_kana,
    normalize_name,
    normalize_phone,
)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("やまだ", "ヤマダ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"),  # half-width, as CP932 HR exports write it
        ("ヤマダ　タロウ", "ヤマダタロウ"),  # full-width space between the names
        ("さいとう", "サイトウ"),
    ],
)
def test_kana_is_folded_to_full_width_katakana(typed, stored):
    assert normalize_kana(typed) == stored
    assert is_kana(normalize_kana(typed))


def test_kanji_is_not_kana():
    assert not is_kana(normalize_kana("山田"))


def test_names_lose_spaces_and_wide_letters():
    assert normalize_name("山田　太郎") == "山田太郎"
    assert normalize_name("ＡＢＣ１２３") == "ABC123"


@pytest.mark.parametrize(
    "phone",
    ["03-5432-1111", "0354321111", "090-1234-5678", "09012345678", "０９０－１２３４－５６７８"],
)
def test_japanese_phone_numbers_are_accepted(phone):
    assert is_valid_phone(normalize_phone(phone))


@pytest.mark.parametrize(
    "phone", ["12345", "090-1234-567", "+81-90-1234-5678x", "abc", "03-5432-11111-1"]
)
def test_malformed_phone_numbers_are_refused(phone):
    assert not is_valid_phone(normalize_phone(phone))
