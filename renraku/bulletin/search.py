"""Japanese full-text search over posts, their attachments' text and comments.

From one character (「雨」), on SQLite and PostgreSQL alike, with our own n-gram index
(search_index.py: why not pg_trgm or FTS5 is in DESIGN.md).

Text and queries are normalised the same way (normalise): NFKC folds width (ＤＸ → DX,
ﾍﾟｰﾊﾟｰﾚｽ → ペーパーレス), case is folded, hiragana becomes katakana (ぺーぱーれす finds
ペーパーレス). A query is up to ten words separated by spaces (half or full width); a
document matches when it contains every word as written (AND). A document is a post —
its title, body and attachments' text together — or one comment; hidden comments are
not indexed.

Ranking, per word, summed over the words: a hit in a post's title scores above a hit only
in its body, which scores above a hit in a comment; then more occurrences (up to 99) score
higher. Among equal scores the newest post comes first. One hit per post: its best
document (the post itself, else its best comment).

How a query runs:
- one word of one or two characters: the index rows of exactly that gram already carry
  the rank that word scores, and the index is ordered by (gram, rank, newness), so the
  database reads the best rows and stops, however many posts mention 雨;
- anything else: the rarest gram of the query's words picks the candidates, and the
  database keeps those whose normalised text really contains every word (no false hit
  from 防 and 災 apart) and ranks them with the same arithmetic.
Either way, candidates come in ranked batches and only those in `posts` (what the
searcher may open) are kept, so visibility rules live in access.py alone.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import islice

from django.db import connection, transaction
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.db.models.functions import Least, Length, Replace
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Attachment, Comment, Post
from .search_index import SearchDocument, SearchGram

MAX_QUERY_CHARS = 100
MAX_WORDS = 10
SNIPPET_CHARS = 80
# Occurrences beyond this do not raise a document's rank: a long PDF repeating a word
# should not bury a title that names it.
MAX_OCCURRENCES = 99
TITLE_RANK, BODY_RANK, COMMENT_RANK = 200, 100, 0

_KANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)} | {
    ord("ゝ"): ord("ヽ"),
    ord("ゞ"): ord("ヾ"),
}
_SPACES = re.compile(r"\s+")


# --- Normalising ---------------------------------------------------------------------


def normalise(text: str) -> str:
    """What both the index and queries compare: width and case folded, hiragana as
    katakana, each run of spaces (half or full width, line breaks) one space."""
    text = unicodedata.normalize("NFKC", text or "").casefold().translate(_KANA)
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


# --- Ranking: the same arithmetic for the index rows (_gram_rows, Python) and the
# verified path (_rank_expression, SQL): per word, the tier (title, body, comment) plus
# the occurrences, non-overlapping as str.count and SQL's REPLACE count them, up to 99.


def _gram_counts(text: str) -> Counter:
    """Every character and pair of characters of `text` (none with a space) and how often
    each occurs without overlap, as str.count and SQL's REPLACE count."""
    counts = Counter(text)
    counts.pop(" ", None)
    pairs = Counter(text[i : i + 2] for i in range(len(text) - 1))
    for gram, n in pairs.items():
        if " " not in gram:
            counts[gram] = text.count(gram) if gram[0] == gram[1] else n
    return counts


def _grams_of_word(word: str) -> list[str]:
    if len(word) == 1:
        return [word]
    return list(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))


# --- Writing the index -----------------------------------------------------------------


@dataclass
class _Doc:
    post_id: int
    comment_id: int | None
    newness: int
    title: str
    text: str


def _newness(post) -> int:
    when = post.published_at or post.publish_at or post.created_at
    return int(when.timestamp()) if when else 0


def _post_text(post, attachments) -> str:
    return " ".join([plain_text(post.body), *(a.text for a in attachments if a.text)])


def _post_doc(post, attachments) -> _Doc:
    return _Doc(
        post.pk,
        None,
        _newness(post),
        normalise(post.title),
        normalise(_post_text(post, attachments)),
    )


def _comment_doc(comment, post) -> _Doc:
    return _Doc(post.pk, comment.pk, _newness(post), "", normalise(comment.body))


def _gram_rows(document_id: int, doc: _Doc) -> list:
    """The document's index rows, sorted by gram (the primary key's order: appending
    rather than inserting all over it). Kept tight: it runs for millions of rows
    in a reindex."""
    text, newness = _gram_counts(doc.text), doc.newness
    if doc.comment_id is not None:
        return [
            (document_id, gram, COMMENT_RANK + min(n, MAX_OCCURRENCES), newness)
            for gram, n in sorted(text.items())
        ]
    title = _gram_counts(doc.title)
    return [
        (
            document_id,
            gram,
            (TITLE_RANK if (t := title.get(gram, 0)) else BODY_RANK)
            + min(t + text.get(gram, 0), MAX_OCCURRENCES),
            newness,
        )
        for gram in sorted(text.keys() | title.keys())
    ]


def _write(docs: list[_Doc]) -> None:
    """Insert documents and their gram rows: one statement per thousand rows, not one per
    row (a 300-character post has ~400 grams)."""
    if not docs:
        return
    created = SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                post_id=d.post_id,
                comment_id=d.comment_id,
                newness=d.newness,
                title=d.title,
                text=d.text,
            )
            for d in docs
        ],
        batch_size=500,
    )
    rows = (row for obj, doc in zip(created, docs, strict=True) for row in _gram_rows(obj.pk, doc))
    _insert_gram_rows(rows)


def _insert_gram_rows(rows) -> None:
    table = connection.ops.quote_name(SearchGram._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times faster than INSERT for the millions of rows of a reindex.
            with cursor.copy(f"COPY {table} (document_id, gram, rank, newness) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # The table's name comes from the model, never from input.
        sql = f"INSERT INTO {table} (document_id, gram, rank, newness) VALUES (%s, %s, %s, %s)"  # noqa: S608
        while chunk := list(islice(rows, 10_000)):
            cursor.executemany(sql, chunk)


def _delete(documents) -> None:
    ids = list(documents.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        SearchGram.objects.filter(document_id__in=chunk).delete()
        SearchDocument.objects.filter(pk__in=chunk).delete()


def index_post(post) -> None:
    """(Re)index a post's title, body and attachments' text; call after every change to
    them or to when it is published (its comments take its new newness)."""
    attachments = list(Attachment.objects.filter(post=post).only("text"))
    doc = _post_doc(post, attachments)
    with transaction.atomic():
        _delete(SearchDocument.objects.filter(post=post, comment=None))
        _write([doc])
        stale = SearchDocument.objects.filter(post=post).exclude(newness=doc.newness)
        if stale.exists():
            SearchGram.objects.filter(document__in=stale).update(newness=doc.newness)
            stale.update(newness=doc.newness)


def unindex_post(post) -> None:
    """Take a post and its comments out of the index (before deleting it, say)."""
    with transaction.atomic():
        _delete(SearchDocument.objects.filter(post=post))


def index_comment(comment) -> None:
    """(Re)index one comment; a hidden comment is taken out instead."""
    if comment.hidden_at is not None:
        unindex_comment(comment)
        return
    post = Post.objects.only("published_at", "publish_at", "created_at").get(pk=comment.post_id)
    with transaction.atomic():
        _delete(SearchDocument.objects.filter(comment=comment))
        _write([_comment_doc(comment, post)])


def unindex_comment(comment) -> None:
    """Hidden by a moderator: nobody finds it by search any more."""
    with transaction.atomic():
        _delete(SearchDocument.objects.filter(comment=comment))


def index_posts(posts=None, *, batch_size: int = 1000, replace: bool = True) -> int:
    """Bulk-index posts (a queryset, default all); returns how many. `replace=False`
    skips removing their old entries: only for an index known to hold none of them."""
    posts = Post.objects.all() if posts is None else posts
    posts = posts.order_by("pk").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.only("post_id", "text"))
    )
    count = 0
    for chunk in _chunks(posts.iterator(chunk_size=batch_size), batch_size):
        docs = [_post_doc(post, post.attachments.all()) for post in chunk]
        with transaction.atomic():
            if replace:
                _delete(
                    SearchDocument.objects.filter(
                        post_id__in=[d.post_id for d in docs], comment=None
                    )
                )
            _write(docs)
        count += len(docs)
    return count


def index_comments(comments=None, *, batch_size: int = 5000, replace: bool = True) -> int:
    """Bulk-index comments (a queryset, default all); hidden ones are skipped. Returns
    how many were indexed."""
    comments = Comment.objects.all() if comments is None else comments
    comments = (
        comments.filter(hidden_at=None)
        .order_by("pk")
        .select_related("post")
        .only("body", "post__published_at", "post__publish_at", "post__created_at")
    )
    count = 0
    for chunk in _chunks(comments.iterator(chunk_size=batch_size), batch_size):
        docs = [_comment_doc(comment, comment.post) for comment in chunk]
        with transaction.atomic():
            if replace:
                _delete(SearchDocument.objects.filter(comment_id__in=[d.comment_id for d in docs]))
            _write(docs)
        count += len(docs)
    return count


def reindex_all() -> dict:
    """Rebuild the whole index from the posts and comments, in one transaction; returns
    the counts. The ranked index is dropped for the load and built once at the end (a
    sort, several times faster than keeping it up to date row by row); meanwhile other
    searches wait (PostgreSQL) or see the old index (SQLite)."""
    quote = connection.ops.quote_name
    # The model's Meta index, spelt the same on both databases.
    ranked = quote("bulletin_searchgram_ranked")
    create_ranked = (
        f"CREATE INDEX {ranked} ON {quote(SearchGram._meta.db_table)} "
        '("gram", "rank" DESC, "newness" DESC, "document_id" DESC)'
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (SearchGram, SearchDocument):
            # One statement, not Django's delete collector over millions of rows.
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
        cursor.execute(f"DROP INDEX {ranked}")
        if connection.vendor == "sqlite":
            # Room in memory for the primary key's pages while millions of rows go in.
            cursor.execute("PRAGMA cache_size = -262144")
        try:
            counts = {
                "posts": index_posts(replace=False),
                "comments": index_comments(replace=False),
            }
        finally:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -2000")
        if connection.vendor == "postgresql":
            # Check the deferred foreign keys now: PostgreSQL will not build an index on a
            # table with checks pending. (Django's keys are all deferred: put them back.)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Sorting tens of millions of keys in 64 MB (the default) spills to disk.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(create_ranked)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(create_ranked)
    return counts


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- Searching ---------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    id: int  # the post's
    title: str
    series: str | None
    number: int | None
    snippet: str
    comment_id: int | None = None
    published_at: object = None
    # (start, end) of each match in `snippet` and in `title`.
    snippet_marks: tuple = ()
    title_marks: tuple = ()

    @property
    def snippet_html(self) -> str:
        """The snippet HTML-escaped, each match in <mark>."""
        return _marked_html(self.snippet, self.snippet_marks)

    @property
    def title_html(self) -> str:
        return _marked_html(self.title, self.title_marks)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "series": self.series,
            "number": self.number,
            "snippet": self.snippet,
            "comment_id": self.comment_id,
        }


def search(query: str, *, posts, limit: int = 20) -> list[Hit]:
    """The best `limit` posts among `posts` (a Post queryset the searcher may open) for
    `query`, best first."""
    words = query_words(query)
    if not words or limit <= 0:
        return []
    if len(words) == 1 and len(words[0]) <= 2:
        chosen = _best_by_gram(words[0], posts, limit)
    else:
        chosen = _best_by_verifying(words, posts, limit)
    return _hits(chosen, words)


def _visible(rows, posts) -> list:
    """The rows (document, post, comment, …) whose post is in `posts`, in order."""
    visible = set(posts.filter(pk__in={row[1] for row in rows}).values_list("pk", flat=True))
    # Hiding unindexes a comment; this also covers one hidden by other means.
    hidden = set(
        Comment.objects.filter(pk__in={row[2] for row in rows if row[2]})
        .exclude(hidden_at=None)
        .values_list("pk", flat=True)
    )
    return [row for row in rows if row[1] in visible and row[2] not in hidden]


def _paged(queryset, first: int):
    """(offset, rows) of the queryset in slices growing from `first`: most searches need
    only the first."""
    offset, size = 0, first
    while True:
        batch = list(queryset[offset : offset + size])
        if batch:
            yield offset, batch
        if len(batch) < size:
            return
        offset, size = offset + size, min(size * 4, 5000)


def _best_by_gram(gram, posts, limit) -> list[tuple]:
    """One word of one or two characters: the index rows are already in rank order, so
    the first visible ones are the answer."""
    rows = (
        SearchGram.objects.filter(gram=gram)
        .order_by("-rank", "-newness", "-document_id")
        .values_list("document_id", "document__post_id", "document__comment_id")
    )
    chosen, seen, examined = [], set(), 0
    for _, batch in _paged(rows, max(limit * 3, 60)):
        for _, post_id, comment_id in _visible(batch, posts):
            if post_id not in seen:
                seen.add(post_id)
                chosen.append((post_id, comment_id))
        examined += len(batch)
        # Bounded, like the verifying path: thousands of rows the searcher may not see (or
        # of comments flooding one post) must not make one search take seconds.
        if len(chosen) >= limit or examined >= MAX_ROWS_EXAMINED:
            break
    return chosen[:limit]


# Index rows a one- or two-character search looks through at most.
MAX_ROWS_EXAMINED = 20_000
# How many index rows are counted to judge how common a gram is: enough to tell a rare
# gram from a common one, never a scan of a common one.
_COUNT_CAP = 2000
_GRAMS_JUDGED = 12
# Candidates verified at most for one search. Only a query whose every gram is in
# thousands of documents, and whose words are all there too, reaches it; its results are
# then the best among the candidates the driving gram ranks highest (still the same on
# both databases), rather than a search that takes seconds.
MAX_CANDIDATES = 1000


def _driving_gram(words):
    """The gram of the query with the fewest documents (as far as counted): its rows
    are the candidates. Grams with kanji, katakana or letters are judged first: pairs of
    hiragana (です, して) are in nearly every post."""
    grams = list(dict.fromkeys(g for word in words for g in _grams_of_word(word)))
    grams.sort(key=lambda g: sum("ぁ" <= ch <= "ゟ" for ch in g))
    best, best_count = None, None
    for gram in grams[:_GRAMS_JUDGED]:
        count = SearchGram.objects.filter(gram=gram)[:_COUNT_CAP].count()
        if best_count is None or count < best_count:
            best, best_count = gram, count
        if count < 100:
            break
    return best


def _occurrences(field, word):
    return (Length(field) - Length(Replace(field, Value(word), Value("")))) / len(word)


def _rank_expression(word):
    title, text = _occurrences("title", word), _occurrences("text", word)
    tier = Case(
        When(comment__isnull=False, then=Value(COMMENT_RANK)),
        When(title__contains=word, then=Value(TITLE_RANK)),
        default=Value(BODY_RANK),
    )
    return tier + Least(title + text, Value(MAX_OCCURRENCES), output_field=IntegerField())


def _best_by_verifying(words, posts, limit) -> list[tuple]:
    """Candidates from the driving gram's rows, best first; the database keeps those that
    contain every word and scores them exactly.

    A word scores at most what any of its grams scores in the same document (it is in
    the title only if the gram is; it occurs no more often), so once the driving gram's
    rank, plus the most every other word could add, is below the `limit`-th score found
    (ties: the candidates come newest first), no later candidate can enter the results,
    and the search stops there."""
    gram = _driving_gram(words)
    others = (len(words) - 1) * (TITLE_RANK + MAX_OCCURRENCES)
    drivers = (
        SearchGram.objects.filter(gram=gram)
        .order_by("-rank", "-newness", "-document_id")
        .values_list("rank", "newness", "document_id")
    )
    documents = SearchDocument.objects.filter(Q(comment=None) | Q(comment__hidden_at=None))
    for word in words:
        documents = documents.filter(Q(title__contains=word) | Q(text__contains=word))
    score = sum((_rank_expression(word) for word in words[1:]), _rank_expression(words[0]))
    found = []  # ((score, newness, document id), post id, comment id) of every match
    visible = {}  # post id → whether the searcher may open it, asked only of the best
    examined, top = 0, []
    for offset, batch in _paged(drivers, max(limit * 5, 200)):
        rows = (
            documents.filter(pk__in=drivers[offset : offset + len(batch)].values("document_id"))
            .annotate(score=score)
            .values_list("pk", "post_id", "comment_id", "newness", "score")
        )
        found += [
            ((points, newness, pk), post_id, comment)
            for pk, post_id, comment, newness, points in rows
        ]
        found.sort(reverse=True)
        top = _top_visible(found, visible, posts, limit)
        examined += len(batch)
        # Every later candidate ranks at most this (same order: score, newness, id).
        rank, newness, document_id = batch[-1]
        bound = (rank + others, newness, document_id)
        if (len(top) == limit and top[-1][0] > bound) or examined >= MAX_CANDIDATES:
            break
    return [(post_id, comment_id) for _, post_id, comment_id in top]


def _top_visible(found, visible, posts, limit) -> list:
    """The best match of each of the best `limit` posts in `found` (sorted best first)
    that `posts` holds; `visible` remembers the answers, asked in small batches in
    order (checking thousands of candidates against the audience rules costs more than
    finding them)."""
    while True:
        top, seen, unknown = [], set(), []
        for match in found:
            post_id = match[1]
            if post_id in seen:
                continue  # a worse match of a post already placed
            seen.add(post_id)
            if post_id not in visible:
                unknown.append(post_id)
                if len(unknown) == limit * 2:
                    break
            elif visible[post_id] and not unknown:
                top.append(match)
                if len(top) == limit:
                    return top
        if not unknown:
            return top
        allowed = set(posts.filter(pk__in=unknown).values_list("pk", flat=True))
        visible.update((post_id, post_id in allowed) for post_id in unknown)


# --- Hits and snippets ---------------------------------------------------------------


def _hits(chosen, words) -> list[Hit]:
    post_ids = [post_id for post_id, _ in chosen]
    posts = Post.objects.select_related("series").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.only("post_id", "text"))
    )
    posts = posts.in_bulk(post_ids)
    comments = Comment.objects.only("body").in_bulk(
        [comment_id for _, comment_id in chosen if comment_id]
    )
    hits = []
    for post_id, comment_id in chosen:
        post = posts[post_id]
        text = comments[comment_id].body if comment_id else _post_text(post, post.attachments.all())
        snippet, snippet_marks = _snippet(text, words)
        hits.append(
            Hit(
                id=post.pk,
                title=post.title,
                series=post.series.name if post.series_id else None,
                number=post.number,
                snippet=snippet,
                comment_id=comment_id,
                published_at=post.published_at,
                snippet_marks=snippet_marks,
                title_marks=_marks(post.title, words),
            )
        )
    return hits


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
        piece = unicodedata.normalize("NFKC", text[i:j]).casefold().translate(_KANA)
        for ch in piece:
            out.append(" " if ch.isspace() else ch)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


_ONE_SPACE = re.compile(r"\s")


def _marks(text: str, words) -> tuple:
    """(start, end) in `text` of every occurrence of every word, merged and sorted."""
    folded = _ONE_SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold().translate(_KANA))
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


def _snippet(text: str, words) -> tuple[str, tuple]:
    """About SNIPPET_CHARS of plain text around the first match, with its marks."""
    text = _SPACES.sub(" ", text).strip()
    marks = _marks(text, words)
    first = marks[0][0] if marks else 0
    start = max(0, min(first - SNIPPET_CHARS // 4, len(text) - SNIPPET_CHARS))
    end = min(len(text), start + SNIPPET_CHARS)
    prefix = "…" if start > 0 else ""
    snippet = prefix + text[start:end] + ("…" if end < len(text) else "")
    shift = len(prefix) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in marks if s < end and e > start
    )
    return snippet, inside


def _marked_html(text: str, marks) -> str:
    parts, at = [], 0
    for start, end in marks:
        parts.append(escape(text[at:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    parts.append(escape(text[at:]))
    return mark_safe("".join(parts))  # noqa: S308  (every piece of text is escaped above)
