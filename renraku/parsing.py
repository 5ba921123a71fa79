"""Reading numbers out of text that came from outside (a query string, a form, a JSON
body, a command line, another server's header).

`str.isdigit()` is not the check it looks like: it is true for "²" and "①", which int()
then refuses (a 500 where a 400 was due), and for "١٢" (Arabic-Indic), which int() reads as
12 though no form ever showed such digits. Whole numbers here are ASCII digits only.
"""

# Longer than any id, count or minute we take; int() of a huge string is slow on purpose
# (CPython limits it), and no caller needs more than this.
MAX_DIGITS = 18


def ascii_int(value, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The whole number `value` spells in ASCII digits (spaces around it allowed), or None
    for anything else: "", "x", "-1", "1.5", "²", "１" (full width), a bool, None. An int
    (not a bool) is taken as it is when it is not negative."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
