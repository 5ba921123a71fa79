"""The text of a PDF, read from stdin and written to stdout (UTF-8): run only as the
limited child process of extract_text.py (`python -m renraku.bulletin.pdftext PAGES
CHARS`), never in a web worker. It imports no Django and touches no database, so the CPU
and memory limits its parent sets bound all it can do. Exit status 0: the text (perhaps
empty); anything else: the PDF could not be read."""

import io
import sys


def text_of(data: bytes, pages: int, chars: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts, size = [], 0
    for page in reader.pages[:pages]:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size >= chars:
            break
    return "\n".join(parts)[:chars]


def main(argv) -> int:
    pages, chars = int(argv[1]), int(argv[2])
    try:
        text = text_of(sys.stdin.buffer.read(), pages, chars)
    except Exception as exc:  # any failure of a hostile or broken file is "unreadable"
        print(type(exc).__name__, file=sys.stderr)
        return 2
    sys.stdout.buffer.write(text.encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
