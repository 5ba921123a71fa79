"""Values read from a query string or a form by hand, parsed strictly: a crafted value is
refused with a clear 400 in Japanese and nothing changes, instead of a 500.

Numbers are ASCII digits and nothing else (renraku.parsing.ascii_int: "²".isdigit() is
True and int("²") fails)."""

import functools

from django.shortcuts import render
from django.utils.translation import gettext as _

from renraku.parsing import ascii_int


class BadInput(ValueError):
    """A value the page cannot use; its message is shown to the person."""


def whole_number(text, what: str) -> int:
    """`text` as a non-negative whole number, or BadInput naming `what` it should be."""
    number = ascii_int(text)
    if number is None:
        raise BadInput(_("%(what)s must be a number.") % {"what": what})
    return number


def optional_number(text, what: str) -> int | None:
    """None when absent or empty (no filter), else as whole_number."""
    return None if text in (None, "") else whole_number(text, what)


def refuses_bad_input(view):
    """Answer BadInput raised anywhere in `view` with 400 and the reason."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadInput as exc:
            return render(request, "dialogues/bad_input.html", {"reason": str(exc)}, status=400)

    return wrapped
