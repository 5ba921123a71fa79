"""Moving a populated database from the n-gram table to the databases' own index: what
was searchable before is found after, and nothing else is lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from renraku.bulletin import search
from renraku.bulletin.access import audience_rows, readable_posts
from renraku.bulletin.models import Attachment, AudienceEntry, Comment, Post

BEFORE = ("bulletin", "0002_rights_rechecked_text_read_apart_viewing_clock")
AFTER = ("bulletin", "0003_search_on_the_databases_own_index")


def migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    return executor.loader.project_state(list(targets)).apps


@pytest.fixture
def at_the_old_index(committed_db):
    old = migrate(BEFORE)
    yield old
    # Every app back at its latest, for the tests after.
    migrate(*MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_migration_builds_the_new_index_from_posts_comments_and_attachments(
    at_the_old_index, people
):
    old = at_the_old_index
    post = Post.objects.create(
        title="防災訓練のお知らせ",
        body="**全庁**で実施します。",
        author=people.dave,
        status="published",
        published_at=timezone.now(),
        audience={"all": True},
    )
    for key, code in audience_rows(post.audience):
        AudienceEntry.objects.create(post=post, key=key, code=code)
    Attachment.objects.create(
        post=post,
        file="bulletin/2025/01/plan.pdf",
        name="plan.pdf",
        kind="pdf",
        content_type="application/pdf",
        text="避難所運営マニュアル",
    )
    Comment.objects.create(post=post, author=people.alice, body="ﾍﾟｰﾊﾟｰﾚｽで参加します")
    Comment.objects.create(
        post=post, author=people.alice, body="不適切な内容", hidden_at=timezone.now()
    )
    # What the old index held: a document and its n-grams.
    document = old.get_model("bulletin", "SearchDocument").objects.create(
        post_id=post.pk, newness=0, title="防災訓練のお知らせ", text="全庁で実施します。"
    )
    old.get_model("bulletin", "SearchGram").objects.create(
        document=document, gram="防災", rank=201, newness=0
    )

    migrate(AFTER)

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "bulletin_searchgram" not in tables
    readable = readable_posts(people.alice)
    for query in ["防", "防災", "全庁", "避難所", "ぺーぱーれす", "参加"]:
        assert [hit.id for hit in search.search(query, posts=readable)] == [post.pk], query
    assert search.search("不適切", posts=readable) == []
    assert Post.objects.count() == 1 and Comment.objects.count() == 2
    assert Attachment.objects.get().text == "避難所運営マニュアル"
    # And it is kept in step after the move.
    post.title = "避難訓練のお知らせ"
    post.save(update_fields=["title"])
    search.index_post(post)
    assert [hit.id for hit in search.search("避難訓練", posts=readable)] == [post.pk]
    assert search.search("防災訓練", posts=readable) == []
