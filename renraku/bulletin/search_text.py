"""The text side of search: what the index and queries compare (normalise), a post's
Markdown as plain words, and the snippets and highlights a reader sees.

Text and queries are normalised the same way: width folded by NFKC (ＤＸ → DX,
ﾍﾟｰﾊﾟｰﾚｽ → ペーパーレス), case folded, hiragana as katakana (ぺーぱーれす finds ペーパーレス),
with the directory's one folding (directory.text.fold_width_and_kana).
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

from renraku.directory.text import KATAKANA_FOR_HIRAGANA, fold_width_and_kana

MAX_QUERY_CHARS = 100
MAX_WORDS = 10
SNIPPET_CHARS = 80

_SPACES = re.compile(r"\s+")
_ONE_SPACE = re.compile(r"\s")


def normalise(text: str) -> str:
    """What both the index and queries compare: width and case folded, hiragana as
    katakana, each run of spaces (half or full width, line breaks) one space."""
    text = fold_width_and_kana(text).casefold()
    return _SPACES.sub(" ", text).strip()


def query_words(query: str) -> list[str]:
    """A query's distinct normalised words, cut to a sane size rather than refused (a
    pasted paragraph should still search, not fail)."""
    words = normalise((query or "")[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].split()
    return list(dict.fromkeys(words))[:MAX_WORDS]


_MARKDOWN = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: their alt text
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links: their text, not the address
    (re.compile(r"^ {0,3}(#{1,6}|>+|[-*+]|\d+[.)]|`{3,}|~{3,})[ \t]*", re.M), ""),
    (re.compile(r"^ {0,3}([-*_] *){3,}$", re.M), ""),  # horizontal rules
    # Emphasis marks join what they surround on the page too: **防災**訓練 reads 防災訓練.
    (re.compile(r"\*\*|__|~~|`|\*"), ""),
    (re.compile(r"\|"), " "),  # table cells
]


def plain_text(markdown: str) -> str:
    """A Markdown body as the words a reader sees, so 「**防災**訓練」 is found by 防災訓練
    and snippets carry no markup. (Search only: pages render Markdown properly.)"""
    text = markdown or ""
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text


# --- Snippets and highlights ----------------------------------------------------------


def _mapped(text: str):
    """normalise() character by character, remembering where each normalised character
    came from, so matches found in normalised text are marked in what the author wrote.
    (A half-width ﾍ and its ﾟ are taken together: NFKC makes one ペ of them.)"""
    out, starts, ends = [], [], []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in "\uff9e\uff9f"):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j]).casefold().translate(KATAKANA_FOR_HIRAGANA)
        for ch in piece:
            out.append(" " if ch.isspace() else ch)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


def marks(text: str, words) -> tuple:
    """(start, end) in `text` of every occurrence of every word, merged and sorted."""
    folded = _ONE_SPACE.sub(" ", fold_width_and_kana(text).casefold())
    if len(folded) == len(text):
        # Nothing was composed or expanded (the usual case): positions are the same.
        starts = ends = None
    else:
        folded, starts, ends = _mapped(text)
    spans = []
    for word in words:
        at = folded.find(word)
        while at != -1:
            last = at + len(word) - 1
            spans.append((at, last + 1) if starts is None else (starts[at], ends[last]))
            at = folded.find(word, at + len(word))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def snippet(text: str, words) -> tuple[str, tuple]:
    """About SNIPPET_CHARS of plain text around the first match, with its marks."""
    text = _SPACES.sub(" ", text).strip()
    found = marks(text, words)
    first = found[0][0] if found else 0
    start = max(0, min(first - SNIPPET_CHARS // 4, len(text) - SNIPPET_CHARS))
    end = min(len(text), start + SNIPPET_CHARS)
    prefix = "…" if start > 0 else ""
    snippet = prefix + text[start:end] + ("…" if end < len(text) else "")
    shift = len(prefix) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in found if s < end and e > start
    )
    return snippet, inside


def marked_html(text: str, spans) -> str:
    parts, at = [], 0
    for start, end in spans:
        parts.append(escape(text[at:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    parts.append(escape(text[at:]))
    return mark_safe("".join(parts))  # noqa: S308  (every piece of text is escaped above)
