import pytest

from renraku.parsing import ascii_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (5, 5),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("-1", None),
        (-1, None),
        ("1.5", None),
        ("", None),
        (None, None),
        (True, None),
        ("9" * 19, None),
    ],
)
def test_only_ascii_digits_are_a_number(value, expected):
    assert ascii_int(value) == expected
