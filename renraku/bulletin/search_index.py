"""The tables behind Japanese search (renraku.bulletin.search keeps them in step).

Neither database can find one- or two-character Japanese words with what Debian ships
(pg_trgm and FTS5's trigram tokenizer start at three: see DESIGN.md), so the index is
ours and plain tables, which behave the same on SQLite and PostgreSQL:

- SearchDocument: one row per searchable thing — a post (its title, and its body with its
  attachments' text) or one visible comment — holding the *normalised* text that every
  match is verified against, so a hit really contains the phrase.
- SearchGram: one row per distinct character and pair of characters of a document, with
  the rank that one- or two-character word would score there. Its index is ordered by
  (gram, rank, newness), so 「雨」 over 50,000 posts reads the best twenty rows and stops,
  instead of ranking every post that mentions rain.
"""

from django.db import models


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
    # first among equals". An integer, because SQLite would store a datetime as 26 bytes
    # of text on every one of millions of gram rows.
    newness = models.BigIntegerField(default=0)
    title = models.TextField(blank=True)
    text = models.TextField(blank=True)

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


class SearchGram(models.Model):
    # The primary key (document, gram) is also how a document's rows are found to be
    # replaced, so no separate id column or index is needed on these millions of rows.
    pk = models.CompositePrimaryKey("document", "gram")
    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    gram = models.CharField(max_length=2)
    # What a search for exactly this gram scores in this document (search._gram_rows).
    rank = models.PositiveSmallIntegerField()
    # Copied from the document so the ranked index alone orders the candidates.
    newness = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["gram", "-rank", "-newness", "-document"],
                name="bulletin_searchgram_ranked",
            )
        ]

    def __str__(self):
        return f"{self.gram} in {self.document_id}"


__all__ = ["SearchDocument", "SearchGram"]
