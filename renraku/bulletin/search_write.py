"""Keeping the search index in step with posts and comments (search.py re-exports these:
callers use search.index_post and friends).

Writing a document is writing its SearchDocument row: the database's own index follows
(PostgreSQL's GIN index by itself, SQLite's FTS5 table by triggers). A document's id
orders equal hits, so a rebuild writes posts first, then comments, each by id.
"""

from collections import defaultdict
from dataclasses import dataclass
from itertools import islice

from django.db import connection, transaction

from .models import Attachment, Comment, Post
from .search_index import SearchDocument, create_index, drop_index, extras
from .search_text import normalise, plain_text


@dataclass
class _Doc:
    post_id: int
    comment_id: int | None
    newness: int
    title: str
    text: str

    def row(self) -> tuple:
        return (
            self.post_id,
            self.comment_id,
            self.newness,
            self.title,
            self.text,
            extras(self.title, self.text),
        )


_COLUMNS = ("post_id", "comment_id", "newness", "title", "text", "extras")


def _newness(post) -> int:
    return _seconds(post.published_at or post.publish_at or post.created_at)


def _seconds(when) -> int:
    return int(when.timestamp()) if when else 0


def post_text(post, attachments) -> str:
    """What a post says beside its title: its body as plain text and its attachments'."""
    return " ".join([plain_text(post.body), *(a.text for a in attachments if a.text)])


def _post_doc(post, attachments) -> _Doc:
    return _Doc(
        post.pk,
        None,
        _newness(post),
        normalise(post.title),
        normalise(post_text(post, attachments)),
    )


def _comment_doc(comment, post) -> _Doc:
    return _Doc(post.pk, comment.pk, _newness(post), "", normalise(comment.body))


def _write(docs: list[_Doc]) -> None:
    """Insert the documents, naming their columns (the migration calls this too, when
    this table may have grown more)."""
    if not docs:
        return
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times faster than INSERT for the 250,000 rows of a rebuild.
            with cursor.copy(f"COPY bulletin_searchdocument ({columns}) FROM STDIN") as stream:
                for doc in docs:
                    stream.write_row(doc.row())
            return
        cursor.executemany(
            f"INSERT INTO bulletin_searchdocument ({columns}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
            [doc.row() for doc in docs],
        )


def index_post(post) -> None:
    """(Re)index a post's title, body and attachments' text; call after every change to
    them or to when it is published (its comments take its new newness)."""
    attachments = list(Attachment.objects.filter(post=post).only("text"))
    doc = _post_doc(post, attachments)
    with transaction.atomic():
        SearchDocument.objects.filter(post=post, comment=None).delete()
        _write([doc])
        SearchDocument.objects.filter(post=post).exclude(newness=doc.newness).update(
            newness=doc.newness
        )


def unindex_post(post) -> None:
    """Take a post and its comments out of the index (before deleting it, say)."""
    SearchDocument.objects.filter(post=post).delete()


def index_comment(comment) -> None:
    """(Re)index one comment; a hidden comment is taken out instead."""
    if comment.hidden_at is not None:
        unindex_comment(comment)
        return
    post = Post.objects.only("published_at", "publish_at", "created_at").get(pk=comment.post_id)
    with transaction.atomic():
        SearchDocument.objects.filter(comment=comment).delete()
        _write([_comment_doc(comment, post)])


def unindex_comment(comment) -> None:
    """Hidden by a moderator: nobody finds it by search any more."""
    SearchDocument.objects.filter(comment=comment).delete()


def index_posts(posts=None, *, batch_size: int = 1000, replace: bool = True) -> int:
    """Bulk-index posts (a queryset, default all); returns how many. `replace=False`
    skips removing their old entries: only for an index known to hold none of them.
    (Rows, not model instances: a rebuild reads 250,000 of them. The migration passes
    its historical models.)"""
    posts = Post.objects.all() if posts is None else posts
    attachments = posts.model._meta.get_field("attachments").related_model.objects
    rows = posts.order_by("pk").values_list(
        "pk", "title", "body", "published_at", "publish_at", "created_at"
    )
    count = 0
    for chunk in _chunks(rows.iterator(chunk_size=batch_size), batch_size):
        texts = defaultdict(list)
        attached = attachments.filter(post_id__in=[row[0] for row in chunk]).exclude(text="")
        for post_id, text in attached.order_by("pk").values_list("post_id", "text"):
            texts[post_id].append(text)
        docs = [
            _Doc(
                pk,
                None,
                _seconds(published_at or publish_at or created_at),
                normalise(title),
                normalise(" ".join([plain_text(body), *texts[pk]])),
            )
            for pk, title, body, published_at, publish_at, created_at in chunk
        ]
        with transaction.atomic():
            if replace:
                ids = [d.post_id for d in docs]
                SearchDocument.objects.filter(post_id__in=ids, comment=None).delete()
            _write(docs)
        count += len(docs)
    return count


def index_comments(comments=None, *, batch_size: int = 5000, replace: bool = True) -> int:
    """Bulk-index comments (a queryset, default all); hidden ones are skipped. Returns
    how many were indexed."""
    comments = Comment.objects.all() if comments is None else comments
    posts = comments.model._meta.get_field("post").related_model.objects
    rows = comments.filter(hidden_at=None).order_by("pk").values_list("pk", "post_id", "body")
    newness = {}  # post id → its newness, read once per post
    count = 0
    for chunk in _chunks(rows.iterator(chunk_size=batch_size), batch_size):
        unknown = {post_id for _, post_id, _ in chunk} - newness.keys()
        times = posts.filter(pk__in=unknown).values_list(
            "pk", "published_at", "publish_at", "created_at"
        )
        newness.update((pk, _seconds(a or b or c)) for pk, a, b, c in times)
        docs = [
            _Doc(post_id, pk, newness[post_id], "", normalise(body)) for pk, post_id, body in chunk
        ]
        with transaction.atomic():
            if replace:
                ids = [d.comment_id for d in docs]
                SearchDocument.objects.filter(comment_id__in=ids).delete()
            _write(docs)
        count += len(docs)
    return count


def reindex_all() -> dict:
    """Rebuild the whole index from the posts and comments, in one transaction; returns
    the counts. The database's index is dropped for the load and built once at the end
    (several times faster than keeping it up to date row by row); meanwhile other
    searches wait (PostgreSQL) or see the old index (SQLite)."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # PostgreSQL will not truncate or index a table with foreign-key checks
            # pending: check them as each statement ends (and put Django's deferral back).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        drop_index(connection)
        # One statement, not Django's delete collector over 250,000 rows.
        cursor.execute(f"{'TRUNCATE' if postgres else 'DELETE FROM'} bulletin_searchdocument")
        counts = {
            "posts": index_posts(replace=False),
            "comments": index_comments(replace=False),
        }
        create_index(connection)
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return counts


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk
