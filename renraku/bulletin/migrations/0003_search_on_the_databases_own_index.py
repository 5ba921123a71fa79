"""Japanese search moves from our own n-gram table (bulletin_searchgram: a row per
character and pair per document, some forty times the text) to each database's own
inverted index: a GIN index on PostgreSQL, an FTS5 table on SQLite (search_index.py).

The documents are rebuilt from the posts, their attachments' text and the visible
comments as they are now, and the index built once over them. Going back drops the new
index and leaves the old table empty: run the old code's reindex after.
"""

from django.db import migrations, models


def build(apps, schema_editor):
    from renraku.bulletin.search_index import create_index
    from renraku.bulletin.search_write import index_comments, index_posts

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bulletin_searchdocument")
    index_posts(apps.get_model("bulletin", "Post").objects.all(), replace=False)
    index_comments(apps.get_model("bulletin", "Comment").objects.all(), replace=False)
    create_index(connection)


def unbuild(apps, schema_editor):
    from renraku.bulletin.search_index import drop_index

    drop_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("bulletin", "0002_rights_rechecked_text_read_apart_viewing_clock"),
    ]

    operations = [
        migrations.DeleteModel(name="SearchGram"),
        migrations.AddField(
            model_name="searchdocument",
            name="extras",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(build, unbuild),
    ]
