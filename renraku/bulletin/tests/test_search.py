"""Japanese search as a member of staff meets it: from one character, width and kana
folded, several words meaning all of them, ranked, highlighted, and never showing a post
they may not open or a hidden comment."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from renraku.bulletin import search as bulletin_search
from renraku.bulletin.access import audience_rows, readable_posts
from renraku.bulletin.models import Attachment, AudienceEntry, Comment, Post, Series
from renraku.directory.text import normalize_kana
from renraku.testing import sign_in

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def publish(title, body="", *, author, days_ago=0, audience=None, **fields):
    post = Post.objects.create(
        title=title,
        body=body,
        author=author,
        status="published",
        published_at=NOW - timedelta(days=days_ago),
        audience=audience or {"all": True},
        **fields,
    )
    for key, code in audience_rows(post.audience):
        AudienceEntry.objects.create(post=post, key=key, code=code)
    bulletin_search.index_post(post)
    return post


def comment_on(post, body, *, author):
    comment = Comment.objects.create(post=post, author=author, body=body)
    bulletin_search.index_comment(comment)
    return comment


def found(query, user, **kwargs):
    return bulletin_search.search(query, posts=readable_posts(user), **kwargs)


def titles(query, user, **kwargs):
    return [hit.title for hit in found(query, user, **kwargs)]


@pytest.fixture
def author(people):
    return people.dave


@pytest.fixture
def alice(people):
    return people.alice


def test_one_character_finds_the_posts_that_contain_it(author, alice):
    publish("週末の天気", "土曜日は大雨の予報です。", author=author)
    publish("庁舎の清掃", "晴れの日に行います。", author=author)

    assert titles("雨", alice) == ["週末の天気"]


def test_two_characters_find_the_word_and_not_its_characters_apart(author, alice):
    publish("防災訓練のお知らせ", "全庁で実施します。", author=author)
    publish("台風15号への備え", "窓の点検をお願いします。", author=author)
    publish("防火と震災", "防火設備と震災対策。", author=author)

    assert titles("防災", alice) == ["防災訓練のお知らせ"]
    assert titles("台風", alice) == ["台風15号への備え"]
    assert titles("防災訓練", alice) == ["防災訓練のお知らせ"]
    assert titles("震災対策", alice) == ["防火と震災"]
    assert titles("防災の訓練", alice) == []


def test_mixed_latin_and_kanji_with_width_and_case_folded(author, alice):
    publish("ＤＸ推進本部からのお知らせ", "全角で書かれたタイトル。", author=author)

    assert titles("DX推進", alice) == ["ＤＸ推進本部からのお知らせ"]
    assert titles("ｄｘ推進", alice) == ["ＤＸ推進本部からのお知らせ"]
    assert titles("dx", alice) == ["ＤＸ推進本部からのお知らせ"]


def test_half_width_katakana_and_hiragana_find_katakana(author, alice):
    publish("ﾍﾟｰﾊﾟｰﾚｽの進め方", "会議資料を電子化します。", author=author)
    publish("押印の見直し", "ハンコレスにします。", author=author)

    assert titles("ペーパーレス", alice) == ["ﾍﾟｰﾊﾟｰﾚｽの進め方"]
    assert titles("ぺーぱーれす", alice) == ["ﾍﾟｰﾊﾟｰﾚｽの進め方"]
    assert titles("はんこれす", alice) == ["押印の見直し"]


def test_several_words_mean_all_of_them_within_one_document(author, alice):
    both = publish("防災の日", "各課で避難訓練を行います。", author=author)
    publish("防災備蓄", "備蓄品を確認します。", author=author)
    split = publish("防災マップ", "地図を更新しました。", author=author)
    comment_on(split, "訓練でも使いたいです。", author=alice)

    assert titles("防災 訓練", alice) == [both.title]
    assert titles("防災\u3000訓練", alice) == [both.title]
    assert titles("訓練　　防災  避難", alice) == [both.title]


def test_title_hits_rank_above_body_hits_above_comment_hits(author, alice):
    in_comment = publish("庁内報", "今月の予定。", author=author, days_ago=0)
    comment_on(in_comment, "テレワークの日を増やしてください。", author=alice)
    in_body = publish("働き方", "テレワークを試行します。", author=author, days_ago=1)
    in_title = publish("テレワーク規程", "改正しました。", author=author, days_ago=2)

    assert titles("テレワーク", alice) == [in_title.title, in_body.title, in_comment.title]
    assert titles("てれわーく", alice) == [in_title.title, in_body.title, in_comment.title]
    # A one-character query ranks the same way.
    assert titles("テ", alice) == [in_title.title, in_body.title, in_comment.title]


def test_more_occurrences_rank_higher_and_the_newest_first_among_equals(author, alice):
    once_old = publish("古いお知らせ", "雨の日の注意。", author=author, days_ago=30)
    once_new = publish("新しいお知らせ", "雨の日の注意。", author=author, days_ago=1)
    twice = publish("梅の季節", "長雨と大雨に。", author=author, days_ago=60)
    thrice = publish("お知らせ", "雨、雨、雨。", author=author, days_ago=90)

    assert titles("雨", alice) == [thrice.title, twice.title, once_new.title, once_old.title]
    assert titles("雨の日", alice) == [once_new.title, once_old.title]


def test_the_snippet_shows_the_match_highlighted_and_escaped(author, alice):
    body = (
        "前置きの文章がここに続きます。" * 8
        + "<script>alert(1)</script> 防災無線の点検を行います。"
    )
    publish("点検", body, author=author)

    (hit,) = found("防災", alice)

    assert "防災無線" in hit.snippet
    assert len(hit.snippet) <= bulletin_search.SNIPPET_CHARS + 2
    assert "<mark>防災</mark>無線" in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<script>" not in hit.snippet_html


def test_the_highlight_marks_what_the_author_wrote(author, alice):
    publish("お知らせ", "ﾍﾟｰﾊﾟｰﾚｽ会議を始めます。", author=author)

    (hit,) = found("ぺーぱーれす", alice)

    assert hit.snippet_html == "<mark>ﾍﾟｰﾊﾟｰﾚｽ</mark>会議を始めます。"


def test_markdown_markup_does_not_hide_words(author, alice):
    publish("訓練", "**防災**訓練は[こちら](https://example.org/kunren)を参照。", author=author)

    (hit,) = found("防災訓練", alice)

    assert hit.snippet == "防災訓練はこちらを参照。"
    assert found("example", alice) == []


def test_attachments_text_is_searched_with_the_post(author, alice):
    post = publish("資料の送付", "添付をご覧ください。", author=author)
    Attachment.objects.create(
        post=post,
        file="bulletin/2025/01/plan.pdf",
        name="plan.pdf",
        kind="pdf",
        content_type="application/pdf",
        text="避難所運営マニュアル 第3版",
    )
    bulletin_search.index_post(post)

    (hit,) = found("避難所 資料", alice)
    assert hit.id == post.pk
    assert "<mark>避難所</mark>運営" in hit.snippet_html


def test_a_post_for_another_department_is_not_found(author, people, org):
    publish(
        "危機管理部 当番表", "夜間の当番です。", author=author, audience={"departments": ["KIK"]}
    )
    publish("全職員へ 当番の考え方", "当番の説明。", author=author)

    assert titles("当番", people.alice) == ["全職員へ 当番の考え方"]
    assert titles("当", people.alice) == ["全職員へ 当番の考え方"]
    assert sorted(titles("当番", people.bob)) == sorted(
        ["危機管理部 当番表", "全職員へ 当番の考え方"]
    )


def test_posts_the_searcher_may_not_see_do_not_crowd_out_those_they_may(author, people):
    # More hidden-from-Alice posts rank above hers than one batch of candidates holds.
    for n in range(80):
        publish(f"当番 {n}", "当番", author=author, audience={"departments": ["KIK"]})
    mine = publish(
        "総務部の当番", "", author=author, days_ago=10, audience={"departments": ["SOM"]}
    )

    assert titles("当", people.alice, limit=5) == [mine.title]
    assert titles("当番", people.alice, limit=5) == [mine.title]
    assert len(found("当番", people.bob, limit=5)) == 5


def test_a_withdrawn_post_is_not_found(author, alice):
    post = publish("撤回された通知", "台風情報", author=author)
    post.status = "withdrawn"
    post.save(update_fields=["status"])

    assert found("台風", alice) == []


def test_hidden_comments_are_not_found(author, alice):
    post = publish("ご意見募集", "自由にどうぞ。", author=author)
    comment = comment_on(post, "不適切な書き込みです", author=alice)
    assert titles("不適切", alice) == ["ご意見募集"]

    comment.hidden_at = timezone.now()
    comment.save(update_fields=["hidden_at"])
    bulletin_search.index_comment(comment)

    assert found("不適切", alice) == []
    assert found("不", alice) == []


def test_a_hit_in_a_comment_names_its_post(author, alice):
    series = Series.objects.create(name="松副のDXだより")
    post = publish("第75回", "今週の話題。", author=author, series=series, number=75)
    comment = comment_on(post, "ファックスレスに賛成です。", author=alice)

    (hit,) = found("ふぁっくす", alice)

    assert (hit.id, hit.comment_id, hit.series, hit.number) == (
        post.pk,
        comment.pk,
        series.name,
        75,
    )
    assert "<mark>ファックス</mark>レス" in hit.snippet_html
    assert hit.as_json()["id"] == post.pk


def test_a_post_appears_once_even_when_its_comments_match_too(author, alice):
    post = publish("庁舎の節電", "節電にご協力を。", author=author)
    comment_on(post, "節電します。", author=alice)
    comment_on(post, "節電、節電。", author=alice)

    hits = found("節電", alice)

    assert [(hit.id, hit.comment_id) for hit in hits] == [(post.pk, None)]


def test_an_edited_post_is_found_by_its_new_words_and_not_its_old(author, alice):
    post = publish("説明会", "会場は第一会議室です。", author=author)
    post.title, post.body = "説明会（会場変更）", "会場は大ホールです。"
    post.save(update_fields=["title", "body"])
    bulletin_search.index_post(post)

    assert titles("大ホール", alice) == ["説明会（会場変更）"]
    assert found("第一会議室", alice) == []
    assert found("第", alice) == []


def test_a_post_published_later_ranks_by_its_new_date_with_its_comments(author, alice):
    old = publish("古い記事", "", author=author, days_ago=5)
    comment_on(old, "植樹祭", author=alice)
    new = publish("新しい記事", "", author=author, days_ago=3)
    comment_on(new, "植樹祭", author=alice)
    assert titles("植樹祭", alice) == ["新しい記事", "古い記事"]

    old.published_at = NOW
    old.save(update_fields=["published_at"])
    bulletin_search.index_post(old)

    assert titles("植樹祭", alice) == ["古い記事", "新しい記事"]


def test_empty_and_very_long_queries(author, alice):
    publish("防災", "防災" * 10, author=author)

    assert found("", alice) == []
    assert found(" \u3000 \n", alice) == []
    assert titles("防災 " * 50, alice) == ["防災"]
    assert titles("防" * 5000, alice) == []


def test_limit_and_results_best_first(author, alice):
    for n in range(30):
        publish(f"お知らせ{n}", "連絡事項", author=author, days_ago=n)

    hits = found("連絡", alice, limit=7)

    assert [hit.title for hit in hits] == [f"お知らせ{n}" for n in range(7)]


def test_reindex_all_rebuilds_the_same_results(author, alice):
    post = publish("防災の日", "避難訓練を行います。", author=author)
    comment_on(post, "参加します", author=alice)
    hidden = comment_on(post, "秘密の話", author=alice)
    Comment.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    before = [(h.id, h.comment_id, h.snippet) for h in found("参加", alice)]

    assert bulletin_search.reindex_all() == {"posts": 1, "comments": 1}

    assert [(h.id, h.comment_id, h.snippet) for h in found("参加", alice)] == before
    assert titles("避難 訓練", alice) == ["防災の日"]
    assert found("秘密", alice) == []


def test_normalise():
    assert bulletin_search.normalise("ＤＸ　推進\n本部") == "dx 推進 本部"
    assert bulletin_search.normalise("ﾍﾟｰﾊﾟｰﾚｽ") == "ペーパーレス"
    assert bulletin_search.normalise("ぺーぱーれす") == "ペーパーレス"


# --- The audience: what a reader may not open is never found, by any door ------------


@pytest.fixture
def kik_only(author, people):
    """A post for 危機管理部 alone, with a comment and an attached PDF's text, each holding
    a word nothing else holds; and a post for everyone beside it."""
    post = publish(
        "危機管理部 夜間当番表",
        "極秘の連絡網です。",
        author=author,
        audience={"departments": ["KIK"]},
    )
    comment_on(post, "内密のパスワードは控えました", author=people.bob)
    Attachment.objects.create(
        post=post,
        file="bulletin/2025/01/roster.pdf",
        name="roster.pdf",
        kind="pdf",
        content_type="application/pdf",
        text="機密 緊急連絡先一覧",
    )
    bulletin_search.index_post(post)
    publish("全職員へ 当番の考え方", "当番の説明。", author=author)
    return post


SECRET_WORDS = ["極秘", "内密", "機密", "極", "密", "夜間当番", "ぱすわーど", "ﾊﾟｽﾜｰﾄﾞ"]


def test_search_page_never_shows_a_post_outside_the_readers_audience(client, people, kik_only):
    sign_in(client, people.alice)  # 総務部
    for word in SECRET_WORDS:
        page = client.get(reverse("bulletin:search"), {"q": word}).text
        assert "当番表" not in page and f"/bulletin/{kik_only.pk}/" not in page, word
    # Those it was written for find it by every word: the words are really searchable.
    client.logout()
    sign_in(client, people.bob)  # 危機管理部
    for word in SECRET_WORDS:
        page = client.get(reverse("bulletin:search"), {"q": word}).text
        assert f"/bulletin/{kik_only.pk}/" in page, word


def test_search_command_as_someone_keeps_to_their_audience(people, kik_only):
    def hits(word, number):
        out = StringIO()
        call_command("bulletin", "search", word, "--as", number, "--json", stdout=out)
        return [json.loads(line)["id"] for line in out.getvalue().splitlines()]

    for word in SECRET_WORDS:
        assert kik_only.pk not in hits(word, people.alice.username), word
        assert kik_only.pk in hits(word, people.bob.username), word
    assert hits("当番", people.alice.username) != []


def test_a_repeated_word_in_bodies_outranks_a_single_title_hit(author, alice):
    # Title hits are fetched first; the rest must still be searched when a body hit can
    # score more (two words: 200 + 1 + 100 + 1 < 100 + 60 + 100 + 60).
    in_title = publish("防災の手引き", "訓練", author=author, days_ago=1)
    repeated = publish("手引き", "防災訓練。" * 60, author=author, days_ago=2)
    publish("お知らせ", "防災と訓練", author=author, days_ago=3)

    assert titles("防災 訓練", alice, limit=1) == [repeated.title]
    assert titles("防災 訓練", alice) == [repeated.title, in_title.title, "お知らせ"]


def test_more_occurrences_in_bodies_rank_higher_with_no_title_hit(author, alice):
    for n in (1, 5, 12, 40, 2):
        publish(f"第{n}号", "雪" * n, author=author)

    assert titles("雪", alice, limit=3) == ["第40号", "第12号", "第5号"]
    assert titles("ゆき", alice) == []


def test_a_deleted_post_leaves_nothing_behind_in_the_index(author, alice):
    post = publish("削除される記事", "霧雨の予報", author=author)
    comment_on(post, "霧雨ですね", author=alice)
    post.delete()  # cascades to its documents, without unindex_post

    assert found("霧雨", alice) == []
    again = publish("新しい記事", "霧雨の予報", author=author)
    assert titles("霧雨", alice) == [again.title]


def test_symbols_punctuation_and_latin_are_found_as_written(author, alice):
    body = '費用は￥1,000（税込）です。C++ と "引用" も。𠮷野家で🙂\u200bまで'
    publish("お知らせ", body, author=author)

    for query in [
        "¥",
        "1,000",
        "(税込)",
        "c++",
        '"引用"',
        "。",
        "（",
        "𠮷",
        "𠮷野",
        "🙂",
        "\u200bま",
    ]:
        assert titles(query, alice) == ["お知らせ"], query


def test_the_directory_and_search_fold_kana_alike():
    for typed in ["いすゞ", "ｲｽﾞｽﾞ", "ゝ", "やまだ"]:
        assert normalize_kana(typed) == bulletin_search.normalise(typed).replace(" ", "")
    assert bulletin_search.normalise("いすゞ") == "イスヾ"
