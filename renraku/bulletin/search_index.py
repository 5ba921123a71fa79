"""The index behind Japanese search: one row per searchable thing, and the database's own
inverted index over its characters and pairs of characters.

- SearchDocument: a post (its title, and its body with its attachments' text) or one
  visible comment, holding the *normalised* text every match is verified and ranked
  against, and `extras`: the tokens that take counting (its title's grams, and how often
  each character occurs, in buckets) — computed once in Python when it is written.
- The inverted index, one token per distinct character and pair of characters of the
  text (none with a space), plus the extras:
  - PostgreSQL: a GIN index over `bulletin_search_tokens(text, extras)`, an SQL function
    making the tokens from the stored text, so nothing but compressed postings is added
    (pg_trgm and its kin start at three characters; 防災 and 雨 are one and two);
  - SQLite: an FTS5 table of the same tokens, contentless (the text is stored once, in
    SearchDocument), kept in step by triggers that call the same tokens (a Python
    function registered on each connection).
  Both answer "which documents hold all these tokens"; search.py verifies and ranks.

Token spelling, shared by both databases and by the queries (search.py):
  `雨`, `防災`   a character or a pair of the text or the title
  `t:雨`        a character or a pair of the title
  `8:雨`        the character occurs at least 8 times in title and text together
"""

import re
from collections import Counter

from django.db import models
from django.db.backends.signals import connection_created

TITLE = "t:"
# "Occurs at least n times" is recorded for these n: enough to tell a post that repeats
# a word from the thousands that mention it once, without a token per occurrence.
BUCKETS = (3, 8, 24)
TOKENS_FUNCTION = "bulletin_search_tokens"
FTS_TABLE = "bulletin_searchtokens"


class SearchDocument(models.Model):
    post = models.ForeignKey(
        "bulletin.Post", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # None: the post itself; otherwise one of its comments.
    comment = models.ForeignKey(
        "bulletin.Comment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint below indexes it
    )
    # The post's publishing time in seconds since the epoch (for comments too): "newest
    # first among equals".
    newness = models.BigIntegerField(default=0)
    title = models.TextField(blank=True)
    text = models.TextField(blank=True)
    # Space-separated tokens (extras() below). On SQLite the triggers that keep the FTS5
    # table in step live on this table: a migration that rebuilds it must recreate them
    # (create_sqlite_index); the search tests fail without them.
    extras = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["post", "comment"], name="bulletin_searchdoc_post")]
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(comment=None),
                name="one_search_document_per_post",
            ),
            models.UniqueConstraint(fields=["comment"], name="one_search_document_per_comment"),
        ]

    def __str__(self):
        return (
            f"post {self.post_id} comment {self.comment_id}"
            if self.comment_id
            else f"post {self.post_id}"
        )


# --- Tokens ---------------------------------------------------------------------------

_PAIR = re.compile("..", re.S)


def grams(text: str) -> list[str]:
    """The characters and pairs of characters of `text` with no space in them, distinct:
    what a one- or two-character word is looked up by."""
    found = set(text)
    for run in text.split(" "):
        found.update(_PAIR.findall(run), _PAIR.findall(run, 1))
    found.discard(" ")
    found.discard("")
    return sorted(found)


def word_tokens(word: str) -> list[str]:
    """The tokens every document holding `word` (no spaces) has: the word itself up to
    two characters, else its pairs."""
    if len(word) <= 2:
        return [word]
    return list(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))


def extras(title: str, text: str) -> str:
    """A document's tokens that take counting, space-separated: its title's grams (plain
    and marked as the title's), and for each character of title and text occurring at
    least BUCKETS[0] times, one token per bucket it reaches."""
    # The title's grams plain too, so "holds every word" is one lookup of plain tokens.
    title_grams = grams(title) if title else []
    tokens = [*title_grams, *(TITLE + gram for gram in title_grams)]
    counts = Counter(title)
    counts.update(text)
    least = BUCKETS[0]
    # Kept tight: it runs for every document of a rebuild.
    for char in [char for char, n in counts.items() if n >= least and char != " "]:
        n = counts[char]
        tokens.extend(f"{bucket}:{char}" for bucket in BUCKETS if n >= bucket)
    return " ".join(tokens)


def sqlite_tokens(text, extras) -> str:
    """The FTS5 row of a document: every character and every pair, space-separated (a
    pair holding a space falls apart into characters the text has anyway; FTS5 keeps
    each distinct token once), then the extras."""
    text = text or ""
    return " ".join(
        (" ".join(text), " ".join(_PAIR.findall(text)), " ".join(_PAIR.findall(text, 1)), extras)
    )


# --- The databases' own index ---------------------------------------------------------

# The same tokens as sqlite_tokens, in SQL: characters, then the pairs at even and at odd
# offsets (the text's own spaces split a pair into characters). STRICT IMMUTABLE: usable
# in an index; COST: never worth recomputing per row when the index can answer.
POSTGRES_FUNCTION = r"""
CREATE OR REPLACE FUNCTION bulletin_search_tokens(body text, extras text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
SELECT regexp_split_to_array(body, '')
    || string_to_array(regexp_replace(body, '(..)', '\1 ', 'g'), ' ')
    || string_to_array(regexp_replace(substr(body, 2), '(..)', '\1 ', 'g'), ' ')
    || string_to_array(extras, ' ')
$$
"""
# COLLATE "C": tokens compare byte for byte, several times cheaper to build than in the
# database's locale. A query must spell the expression as the index does.
POSTGRES_TOKENS = (
    'bulletin_search_tokens("bulletin_searchdocument"."text", '
    '"bulletin_searchdocument"."extras") COLLATE "C"'
)
POSTGRES_INDEX = (
    "CREATE INDEX bulletin_searchdocument_tokens ON bulletin_searchdocument "
    'USING gin ((bulletin_search_tokens("text", "extras")) COLLATE "C")'
)
# unicode61 over every category but separators: a token is exactly what was written
# between two spaces, punctuation and symbols included. detail=none: which documents
# hold a token, nothing more (no positions: matches are verified against the text).
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE bulletin_searchtokens USING fts5(tokens, content='', "
    "columnsize=0, detail=none, "
    "tokenize=\"unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'\")"
)
SQLITE_FILL = (
    "INSERT INTO bulletin_searchtokens(rowid, tokens) "
    "SELECT id, bulletin_search_tokens(text, extras) FROM bulletin_searchdocument"
)
SQLITE_OPTIMIZE = "INSERT INTO bulletin_searchtokens(bulletin_searchtokens) VALUES ('optimize')"
_ADD = (
    "INSERT INTO bulletin_searchtokens(rowid, tokens) "
    "VALUES (new.id, bulletin_search_tokens(new.text, new.extras));"
)
_REMOVE = (
    "INSERT INTO bulletin_searchtokens(bulletin_searchtokens, rowid, tokens) "
    "VALUES ('delete', old.id, bulletin_search_tokens(old.text, old.extras));"
)
SQLITE_TRIGGERS = {
    "bulletin_searchdocument_indexed": f"AFTER INSERT ON bulletin_searchdocument BEGIN {_ADD} END",
    "bulletin_searchdocument_unindexed": (
        f"AFTER DELETE ON bulletin_searchdocument BEGIN {_REMOVE} END"
    ),
    "bulletin_searchdocument_reindexed": (
        f"AFTER UPDATE OF text, extras ON bulletin_searchdocument BEGIN {_REMOVE} {_ADD} END"
    ),
}


def register_sqlite_tokens(connection) -> None:
    if connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_function(TOKENS_FUNCTION, 2, sqlite_tokens, deterministic=True)


def _on_connection(sender, connection, **kwargs):
    register_sqlite_tokens(connection)


connection_created.connect(_on_connection, dispatch_uid="renraku.bulletin.search_tokens")


def create_sqlite_triggers(cursor) -> None:
    for name, body in SQLITE_TRIGGERS.items():
        cursor.execute(f"CREATE TRIGGER {name} {body}")


def drop_sqlite_triggers(cursor) -> None:
    for name in SQLITE_TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_index(connection) -> None:
    """The inverted index over the documents already stored (the migration; reindex)."""
    register_sqlite_tokens(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            # PostgreSQL will not index a table with foreign-key checks pending: check
            # them now (and put Django's deferral back after).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Sorting tens of millions of keys in 64 MB (the default) spills to disk.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(POSTGRES_INDEX)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        cursor.execute(SQLITE_TABLE)
        cursor.execute(SQLITE_FILL)
        cursor.execute(SQLITE_OPTIMIZE)
        create_sqlite_triggers(cursor)


def drop_index(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS bulletin_searchdocument_tokens")
            return
        drop_sqlite_triggers(cursor)
        cursor.execute("DROP TABLE IF EXISTS bulletin_searchtokens")


def index_figures(connection) -> dict:
    """`index_bytes`: everything on disk that exists only for search (the documents with
    their copy of the text, their indexes, the inverted index); `text_bytes`: the UTF-8
    size of the normalised text indexed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('bulletin_searchdocument'), "
                "coalesce(sum(octet_length(title) + octet_length(text)), 0) "
                "FROM bulletin_searchdocument"
            )
            index_bytes, text_bytes = cursor.fetchone()
        else:
            cursor.execute(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN (SELECT name FROM "
                "sqlite_master WHERE tbl_name = 'bulletin_searchdocument' OR name LIKE %s)",
                [FTS_TABLE + "%"],
            )
            (index_bytes,) = cursor.fetchone()
            cursor.execute(
                "SELECT coalesce(sum(length(CAST(title AS BLOB)) + length(CAST(text AS BLOB))), 0) "
                "FROM bulletin_searchdocument"
            )
            (text_bytes,) = cursor.fetchone()
    return {"index_bytes": int(index_bytes), "text_bytes": int(text_bytes)}


__all__ = ["SearchDocument"]
