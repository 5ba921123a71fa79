"""Japanese full-text search over posts, their attachments' text and comments.

From one character (「雨」), on SQLite and PostgreSQL alike, on each database's own
inverted index (search_index.py: a GIN index, an FTS5 table) over every character and
pair of characters; text and queries are normalised alike (search_text.normalise).

A query is up to ten words separated by spaces (half or full width); a document matches
when it contains every word as written (AND). A document is a post — its title, body and
attachments' text together — or one comment; hidden comments are not indexed.

Ranking, per word, summed over the words: a hit in a post's title scores above a hit only
in its body, which scores above a hit in a comment; then more occurrences (up to 99) score
higher. Among equal scores the newest post comes first. One hit per post: its best
document (the post itself, else its best comment).

How a query runs: the index answers "which documents hold these tokens", never how well
they match, so candidates are fetched in stages, best first, and each stage is verified
and scored exactly by the database (the words really there, not 防 and 災 apart):
- first the documents with a word in their title (a title hit outscores any body hit);
- then the rest, those that repeat a word most first (the index records "this character
  occurs 24 times or more", 8, 3: a word occurs no more often than its rarest character).
After each stage the most any document not yet fetched could score is known; once the
`limit`-th best post the searcher may open scores above it, the answer is final — so 「区」
over 50,000 posts ranks the few hundred with 区 in their title, not all that mention it.
Only candidates in `posts` (what the searcher may open) are kept, asked in small batches
in rank order, so visibility rules live in access.py alone.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Case, IntegerField, Prefetch, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Least, Length, Replace

from .models import Attachment, Comment, Post
from .search_index import POSTGRES_TOKENS, TITLE, SearchDocument, word_tokens
from .search_text import SNIPPET_CHARS, marked_html, marks, normalise, query_words, snippet
from .search_write import (
    index_comment,
    index_comments,
    index_post,
    index_posts,
    post_text,
    reindex_all,
    unindex_comment,
    unindex_post,
)

__all__ = [
    "SNIPPET_CHARS",
    "Hit",
    "index_comment",
    "index_comments",
    "index_post",
    "index_posts",
    "normalise",
    "reindex_all",
    "search",
    "unindex_comment",
    "unindex_post",
]

# Occurrences beyond this do not raise a document's rank: a long PDF repeating a word
# should not bury a title that names it.
MAX_OCCURRENCES = 99
TITLE_RANK, BODY_RANK, COMMENT_RANK = 200, 100, 0
# The stages: documents with a word in their title, then any; each from those repeating
# a word at least this often (search_index.BUCKETS) down to once (1: all of them). With
# several words, the title stage takes all at once: a title hit of one word leaves the
# others' body hits to tell, which repetition of one word cannot bound.
TITLE_LEVELS = (8, 1)
ALL_LEVELS = (24, 8, 3, 1)
_NONE_LEFT = -1  # below any score


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
        return marked_html(self.snippet, self.snippet_marks)

    @property
    def title_html(self) -> str:
        return marked_html(self.title, self.title_marks)

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
    return _hits(_best(words, posts, limit), words)


# --- Candidates, stage by stage -------------------------------------------------------


def _best(words, posts, limit) -> list[tuple]:
    """(post id, comment id) of the best `limit` posts, best first (see the module's
    docstring). `title_at`/`all_at`: the level each kind of stage has reached (None: not
    started; 1: every candidate fetched)."""
    found = {}  # document id → ((score, newness, document id), post id, comment id)
    visible = {}  # post id → whether the searcher may open it
    title_at = all_at = None
    while True:
        ranked = sorted(found.values(), reverse=True)
        top = _top_visible(ranked, visible, posts, limit)
        title_bound, all_bound = _bounds(len(words), title_at, all_at)
        if len(top) == limit and top[-1][0][0] > max(title_bound, all_bound):
            break
        if max(title_bound, all_bound) == _NONE_LEFT:
            break  # every candidate fetched
        if title_bound >= all_bound:
            title_at = _next(TITLE_LEVELS if len(words) == 1 else (1,), title_at)
            stage = _stage(words, in_title=True, level=title_at)
        else:
            all_at = _next(ALL_LEVELS, all_at)
            stage = _stage(words, in_title=False, level=all_at)
        for pk, post_id, comment_id, newness, score in stage:
            found[pk] = ((score, newness, pk), post_id, comment_id)
    return [(post_id, comment_id) for _, post_id, comment_id in top]


def _next(levels, at):
    return levels[0] if at is None else levels[levels.index(at) + 1]


def _bounds(k, title_at, all_at):
    """The most a document not yet fetched could score: one with a word in its title
    (every word in the title, each as often as its level allows), and one without (each
    word in the body); _NONE_LEFT when none is left. A level b fetched means every
    document left has each word fewer than b times."""

    def most(level):
        return k * (MAX_OCCURRENCES if level is None else min(level - 1, MAX_OCCURRENCES))

    all_bound = _NONE_LEFT if all_at == 1 else k * BODY_RANK + most(all_at)
    levels = [at for at in (title_at, all_at) if at is not None]
    title_level = min(levels) if levels else None
    title_bound = _NONE_LEFT if title_level == 1 else k * TITLE_RANK + most(title_level)
    return title_bound, all_bound


def _stage(words, *, in_title: bool, level: int) -> list[tuple]:
    """(document id, post id, comment id, newness, score) of every document holding every
    word (verified) that the index puts at this stage: with a word's grams in its title if
    `in_title`; with a word's every character at least `level` times unless level is 1."""
    documents = SearchDocument.objects.filter(Q(comment=None) | Q(comment__hidden_at=None))
    for word in words:
        documents = documents.filter(Q(title__contains=word) | Q(text__contains=word))
    score = sum((_rank_expression(word) for word in words[1:]), _rank_expression(words[0]))
    documents = documents.annotate(score=score)
    # One query per set of tokens, each looked up whole in the index (never an OR the
    # planner might check row by row), united.
    queries = [
        documents.filter(_holding(tokens)).values_list(
            "pk", "post_id", "comment_id", "newness", "score"
        )
        for tokens in _alternatives(words, in_title, level)
    ]
    return list(queries[0].union(*queries[1:]) if len(queries) > 1 else queries[0])


def _alternatives(words, in_title: bool, level: int) -> list[list[str]]:
    """The sets of tokens a document at this stage holds one of (all of a set): every
    word's grams, and with a word's grams in the title, or a word's every character at
    least `level` times."""
    every = list(dict.fromkeys(t for word in words for t in word_tokens(word)))
    extra = []
    if in_title:
        extra = [[TITLE + t for t in word_tokens(word)] for word in words]
    if level > 1:
        counted = [[f"{level}:{ch}" for ch in dict.fromkeys(word)] for word in words]
        # A title stage past level 1 is only taken for one word (TITLE_LEVELS).
        extra = [title + count for title in extra for count in counted] if extra else counted
    return [every + tokens for tokens in extra] or [every]


def _holding(tokens):
    """Documents whose index entry holds every one of `tokens`."""
    if connection.vendor == "postgresql":
        # The expression as the index spells it; the tokens travel as a parameter.
        return RawSQL(f"{POSTGRES_TOKENS} @> %s::text[]", [tokens], output_field=BooleanField())  # noqa: S611
    # The FTS5 query travels as a parameter.
    match = " AND ".join(map(_phrase, tokens))
    return RawSQL(_FTS_MATCH, [match], output_field=BooleanField())  # noqa: S611


_FTS_MATCH = (
    '"bulletin_searchdocument"."id" IN '
    "(SELECT rowid FROM bulletin_searchtokens WHERE bulletin_searchtokens MATCH %s)"
)


def _phrase(token: str) -> str:
    """An FTS5 string: the token exactly, quotes doubled."""
    return '"' + token.replace('"', '""') + '"'


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
        text = comments[comment_id].body if comment_id else post_text(post, post.attachments.all())
        text_snippet, snippet_marks = snippet(text, words)
        hits.append(
            Hit(
                id=post.pk,
                title=post.title,
                series=post.series.name if post.series_id else None,
                number=post.number,
                snippet=text_snippet,
                comment_id=comment_id,
                published_at=post.published_at,
                snippet_marks=snippet_marks,
                title_marks=marks(post.title, words),
            )
        )
    return hits
