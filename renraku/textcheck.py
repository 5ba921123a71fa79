"""Checking text that came from outside before it is kept or sent: one rule for one-line
text (titles, labels, places, topics) and one for bodies, so every door agrees.

A one-line field goes into a mail header, a push title, an SMS or a table cell: a line
break there cuts the header (every e-mail of the alert then fails), and a bidirectional
control (the right-to-left override U+202E and its kin) makes a title read as something
it is not ("txt.exe" shown as "exe.txt"). Line and paragraph separators (U+2028, U+2029)
are line breaks too. A body may hold line breaks and tabs, never the other controls.
"""

import unicodedata

# Embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# What a body may hold of the above: line breaks, tabs, and the Unicode separators.
_BODY_BREAKS = frozenset("\n\r\t\u2028\u2029")
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def has_control_characters(text: str, allow_line_breaks: bool = True) -> bool:
    """Whether `text` holds a control character (Unicode Cc), a line or paragraph
    separator (Zl, Zp) or a bidirectional control. With `allow_line_breaks` (bodies), line
    breaks, tabs and U+2028/U+2029 pass."""
    allowed = _BODY_BREAKS if allow_line_breaks else frozenset()
    return any(
        ch not in allowed
        and (ch in BIDI_CONTROLS or unicodedata.category(ch) in _CONTROL_CATEGORIES)
        for ch in text
    )


def is_one_line(text: str) -> bool:
    """One line of plain text: no control character (Cc: line breaks, tabs, NUL …), no
    line or paragraph separator (Zl, Zp), no bidirectional control."""
    return not has_control_characters(text, allow_line_breaks=False)
