"""The bulletin's pages, through the test client, as a reader and an author notice them.

Posts here go to 総務部 (SOM) unless said otherwise: Alice and Carol receive them (Mallory
is in SOM too but has left), Bob and Erin (危機管理部) may not open them, Dave is an
administrator and writes them.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.bulletin import actions, responses
from renraku.bulletin.models import Comment, Feedback, Post, Series, Status
from renraku.notices.models import Preference, QuietHours, Recipient
from renraku.testing import sign_in

FORM = {
    "title": "防災訓練のお知らせ",
    "body": "9月1日に**防災訓練**を行います。",
    "departments": ["SOM"],
}


@pytest.fixture
def publish(people):
    def _publish(author=None, *, audience=None, requires_ack=False, series=None, **text):
        post = actions.save_draft(
            author or people.dave,
            title=text.get("title", FORM["title"]),
            body=text.get("body", FORM["body"]),
            audience=audience or {"departments": ["SOM"]},
            requires_ack=requires_ack,
            series=series,
        )
        return actions.publish(post, by=author or people.dave)

    return _publish


def _recipient(post, user):
    return Recipient.objects.get(notice_id=post.notice_id, staff=user.staff)


def test_staff_see_only_the_posts_meant_for_them(client, people, publish):
    post = publish()
    sign_in(client, people.alice)
    assert FORM["title"] in client.get(reverse("bulletin:index")).text
    assert client.get(reverse("bulletin:post", args=[post.pk])).status_code == 200

    sign_in(client, people.bob)
    assert FORM["title"] not in client.get(reverse("bulletin:index")).text
    # The same answer as for a post that does not exist.
    assert client.get(reverse("bulletin:post", args=[post.pk])).status_code == 404
    assert client.get(reverse("bulletin:post", args=[post.pk + 999])).status_code == 404


def test_opening_a_post_counts_as_read_once_and_clears_unread(client, people, publish):
    post = publish()
    sign_in(client, people.alice)
    index = client.get(reverse("bulletin:index")).text
    assert "bulletin-unread" in index
    assert FORM["title"] in client.get(reverse("home")).text  # 新着のお知らせ

    client.get(reverse("bulletin:post", args=[post.pk]))
    first = _recipient(post, people.alice).read_at
    assert first is not None
    client.get(reverse("bulletin:post", args=[post.pk]))
    assert _recipient(post, people.alice).read_at == first
    assert _recipient(post, people.carol).read_at is None  # only the one who opened it
    assert "bulletin-unread" not in client.get(reverse("bulletin:index")).text
    assert 'data-testid="news"' not in client.get(reverse("home")).text


def test_a_reader_acknowledges_with_an_explicit_button(client, people, publish):
    post = publish(requires_ack=True)
    sign_in(client, people.alice)
    page = client.get(reverse("bulletin:post", args=[post.pk])).text
    assert reverse("bulletin:acknowledge", args=[post.pk]) in page
    assert _recipient(post, people.alice).answered_at is None  # opening is not confirming

    url = reverse("bulletin:acknowledge", args=[post.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert _recipient(post, people.alice).answered_at is not None
    page = client.get(reverse("bulletin:post", args=[post.pk])).text
    assert url not in page  # no second button: a confirmed line instead
    assert timezone.localtime(_recipient(post, people.alice).answered_at).strftime("%H:%M") in page


def test_a_reader_comments_under_their_name(client, people, publish):
    post = publish()
    sign_in(client, people.alice)
    client.post(reverse("bulletin:comment", args=[post.pk]), {"body": "参加します。"})
    comment = Comment.objects.get()
    assert comment.author == people.alice
    page = client.get(reverse("bulletin:post", args=[post.pk])).text
    assert "参加します。" in page and "青木 愛" in page

    sign_in(client, people.bob)  # not in the audience
    assert (
        client.post(reverse("bulletin:comment", args=[post.pk]), {"body": "x"}).status_code == 404
    )
    assert Comment.objects.count() == 1


def test_feedback_reaches_only_the_author(client, people, publish):
    post = publish()
    sign_in(client, people.alice)
    client.post(reverse("bulletin:feedback", args=[post.pk]), {"body": "とても参考になりました"})
    assert Feedback.objects.get().sender == people.alice
    assert "とても参考になりました" not in client.get(reverse("bulletin:post", args=[post.pk])).text
    sign_in(client, people.carol)
    assert "とても参考になりました" not in client.get(reverse("bulletin:post", args=[post.pk])).text

    sign_in(client, people.dave)
    assert "とても参考になりました" in client.get(reverse("bulletin:figures", args=[post.pk])).text


def test_the_figures_page_is_the_authors_with_rates(client, people, publish):
    post = publish(requires_ack=True)
    sign_in(client, people.alice)
    client.get(reverse("bulletin:post", args=[post.pk]))
    assert client.get(reverse("bulletin:figures", args=[post.pk])).status_code == 403
    assert client.get(reverse("bulletin:figures_live", args=[post.pk])).status_code == 403
    assert client.get(reverse("bulletin:export", args=[post.pk])).status_code == 403
    sign_in(client, people.bob)
    assert client.get(reverse("bulletin:figures", args=[post.pk])).status_code == 404

    sign_in(client, people.dave)
    response = client.get(reverse("bulletin:figures", args=[post.pk]))
    assert response.status_code == 200
    assert response.context["totals"]["recipients"] == 2
    assert 'data-testid="read-rate">50.0%' in response.text  # Alice of Alice and Carol
    assert 'data-testid="ack-rate">0.0%' in response.text
    # Only for a post asking for confirmation, only here: who has not confirmed.
    assert "青木 愛" in response.text and "加藤 花" in response.text
    live = client.get(reverse("bulletin:figures_live", args=[post.pk]))
    assert 'id="figures-live"' in live.text and "<html" not in live.text


def test_staff_never_see_who_read_a_post(client, people, publish):
    post = publish()
    sign_in(client, people.carol)
    client.get(reverse("bulletin:post", args=[post.pk]))
    sign_in(client, people.alice)
    page = client.get(reverse("bulletin:post", args=[post.pk])).text
    assert "加藤" not in page


def test_the_one_reminder_cannot_be_sent_twice(client, people, publish):
    post = publish(requires_ack=True)
    sign_in(client, people.dave)
    client.post(reverse("bulletin:remind", args=[post.pk]))
    post.refresh_from_db()
    assert post.reminded_at is not None
    page = client.get(reverse("bulletin:figures", args=[post.pk])).text
    assert (
        'data-testid="reminded"' in page and reverse("bulletin:remind", args=[post.pk]) not in page
    )
    client.post(reverse("bulletin:remind", args=[post.pk]), follow=True)
    assert post.announcements.filter(purpose="reminder").count() == 1


def test_compose_previews_the_reach_then_publishes_to_the_recipients(client, people):
    sign_in(client, people.dave)
    preview = client.post(reverse("bulletin:compose"), {**FORM, "action": "preview"})
    assert preview.status_code == 200
    assert preview.context["preview"]["people"] == 2
    assert "<strong>防災訓練</strong>" in preview.text  # as it will look
    assert not Post.objects.exists()  # a preview saves nothing

    response = client.post(reverse("bulletin:compose"), {**FORM, "action": "publish"})
    post = Post.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "bulletin:figures", args=[post.pk]
    )
    assert post.status == Status.PUBLISHED and post.author == people.dave
    assert set(
        Recipient.objects.filter(notice_id=post.notice_id).values_list("staff", flat=True)
    ) == {people.alice.staff_id, people.carol.staff_id}


@pytest.mark.parametrize(
    "change",
    [
        {"title": "一行目\n二行目"},  # a title on two lines
        {"departments": ["NOPE"]},  # a department that does not exist
        {"departments": []},  # nobody
        {"body": ""},
    ],
)
def test_compose_refuses_bad_input_and_creates_nothing(client, people, change):
    sign_in(client, people.dave)
    response = client.post(reverse("bulletin:compose"), {**FORM, **change, "action": "publish"})
    assert response.status_code == 400
    assert response.context["errors"] or response.context["form"].errors
    assert 'role="alert"' in response.text
    assert not Post.objects.exists()
    assert not Recipient.objects.exists()


def test_scheduling_in_the_past_is_refused_and_leaves_no_draft(client, people):
    sign_in(client, people.dave)
    response = client.post(
        reverse("bulletin:compose"),
        {**FORM, "action": "schedule", "publish_at": "2020-01-01T09:00"},
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_a_scheduled_time_is_read_as_tokyo_time(client, people):
    sign_in(client, people.dave)
    when = timezone.localtime() + dt.timedelta(days=2)
    client.post(
        reverse("bulletin:compose"),
        {**FORM, "action": "schedule", "publish_at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    post = Post.objects.get()
    assert post.status == Status.SCHEDULED
    assert post.publish_at == when.replace(second=0, microsecond=0)


def test_a_department_admin_posts_to_their_department_but_not_to_all(client, people):
    sign_in(client, people.carol)
    response = client.post(
        reverse("bulletin:compose"),
        {**FORM, "departments": [], "everyone": "on", "action": "publish"},
    )
    assert response.status_code == 403
    assert not Post.objects.exists()
    response = client.post(
        reverse("bulletin:compose"), {**FORM, "departments": ["KIK"], "action": "publish"}
    )
    assert response.status_code == 403 and not Post.objects.exists()

    response = client.post(reverse("bulletin:compose"), {**FORM, "action": "publish"})
    assert response.status_code == 302
    assert Post.objects.get().author == people.carol


def test_only_those_who_may_post_see_compose(client, people):
    sign_in(client, people.alice)
    assert client.get(reverse("bulletin:compose")).status_code == 403
    assert reverse("bulletin:compose") not in client.get(reverse("bulletin:index")).text
    series = Series.objects.create(name="松副のDXだより")
    series.authors.add(people.alice)
    # Named an author, she posts to the whole office: a second factor first.
    assert "two-factor" in client.get(reverse("bulletin:compose"))["Location"]
    TOTPDevice.objects.create(user=people.alice, name="phone", confirmed=True)
    sign_in(client, people.alice)
    assert client.get(reverse("bulletin:compose")).status_code == 200
    assert "松副のDXだより" in client.get(reverse("bulletin:compose")).text


def test_a_material_edit_asks_those_who_confirmed_again(client, people, publish):
    post = publish(requires_ack=True)
    responses.acknowledge(post, people.alice)
    sign_in(client, people.dave)
    client.post(
        reverse("bulletin:edit", args=[post.pk]),
        {"title": "防災訓練の日程変更", "body": "9月2日に変更します。", "material": "on"},
    )
    post.refresh_from_db()
    assert post.title == "防災訓練の日程変更" and post.version == 2
    assert _recipient(post, people.alice).answered_at is None
    sign_in(client, people.alice)
    assert client.get(reverse("bulletin:edit", args=[post.pk])).status_code == 403


def test_a_hidden_comment_shows_its_reason_to_administrators_only(client, people, publish):
    post = publish()
    comment = responses.add_comment(post, people.alice, "不適切な書き込み")
    sign_in(client, people.alice)
    assert (
        client.post(
            reverse("bulletin:hide_comment", args=[comment.pk]), {"reason": "x"}
        ).status_code
        == 403
    )

    sign_in(client, people.dave)
    client.post(reverse("bulletin:hide_comment", args=[comment.pk]), {"reason": ""})
    comment.refresh_from_db()
    assert comment.hidden_at is None  # a reason is required
    client.post(
        reverse("bulletin:hide_comment", args=[comment.pk]), {"reason": "個人情報を含むため"}
    )
    comment.refresh_from_db()
    assert comment.hidden_at is not None
    page = client.get(reverse("bulletin:post", args=[post.pk])).text
    assert "個人情報を含むため" in page and "不適切な書き込み" not in page

    sign_in(client, people.alice)
    page = client.get(reverse("bulletin:post", args=[post.pk])).text
    assert "bulletin-hidden" in page
    assert "個人情報を含むため" not in page and "不適切な書き込み" not in page


def test_reactions_toggle_and_say_whether_pressed(client, people, publish):
    post = publish()
    sign_in(client, people.alice)
    url = reverse("bulletin:react", args=[post.pk])
    fragment = client.post(url, {"kind": "thanks"}, headers={"HX-Request": "true"}).text
    assert 'aria-pressed="true"' in fragment and "<html" not in fragment
    fragment = client.post(url, {"kind": "thanks"}, headers={"HX-Request": "true"}).text
    assert 'aria-pressed="true"' not in fragment


def test_search_highlights_and_keeps_to_what_the_searcher_may_read(client, people, publish):
    publish()
    publish(audience={"departments": ["KIK"]}, title="防災無線の点検")
    sign_in(client, people.alice)
    response = client.get(reverse("bulletin:search"), {"q": "防災"})
    assert "<mark>防災</mark>訓練のお知らせ" in response.text
    assert "点検" not in response.text
    # Hiragana finds katakana; nothing is shown unescaped.
    publish(title="ペーパーレスの進め方", body="<script>alert(1)</script>")
    response = client.get(reverse("bulletin:search"), {"q": "ぺーぱーれす"})
    assert "<mark>ペーパーレス</mark>" in response.text
    assert "<script>alert(1)</script>" not in response.text


def test_a_hit_in_a_comment_says_so(client, people, publish):
    post = publish()
    responses.add_comment(post, people.carol, "雨天の場合はどうなりますか")
    sign_in(client, people.alice)
    response = client.get(reverse("bulletin:search"), {"q": "雨天"})
    assert f"#comment-{post.comments.get().pk}" in response.text


def test_preferences_are_saved(client, people):
    series = Series.objects.create(name="松副のDXだより")
    sign_in(client, people.alice)
    page = client.get(reverse("bulletin:preferences"))
    assert "松副のDXだより" in page.text
    response = client.post(
        reverse("bulletin:preferences"),
        {
            f"topic:series:{series.pk}": "email",
            "topic:bulletin": "app",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert response.status_code == 302
    chosen = dict(
        Preference.objects.filter(staff=people.alice.staff).values_list("topic", "choice")
    )
    assert chosen == {f"series:{series.pk}": "email", "bulletin": "app"}
    quiet = QuietHours.objects.get(staff=people.alice.staff)
    assert (quiet.start, quiet.end) == (dt.time(22), dt.time(7))
    # Half a window is refused, and nothing changes.
    response = client.post(
        reverse("bulletin:preferences"),
        {f"topic:series:{series.pk}": "push", "topic:bulletin": "push", "quiet_start": "21:00"},
    )
    assert response.status_code == 400
    assert QuietHours.objects.get(staff=people.alice.staff).start == dt.time(22)


def test_the_csv_by_department_opens_in_cp932_and_utf8(client, people, publish):
    post = publish()
    sign_in(client, people.dave)
    cp932 = client.get(reverse("bulletin:export", args=[post.pk]), {"encoding": "cp932"})
    text = cp932.content.decode("cp932")
    assert text.splitlines()[0].startswith("部局コード,部局,送信対象,既読")
    assert "SOM,総務部,2,0" in text
    utf8 = client.get(reverse("bulletin:export", args=[post.pk]))
    assert utf8.content.startswith(b"\xef\xbb\xbf")
    assert "総務部" in utf8.content.decode("utf-8-sig")


def test_the_series_page_lists_numbers_and_rates_for_its_authors(client, people, publish):
    series = Series.objects.create(name="松副のDXだより")
    series.authors.add(people.dave)
    first = publish(series=series, title="ペーパーレス")
    publish(series=series, title="FAXレス")
    sign_in(client, people.alice)
    client.get(reverse("bulletin:post", args=[first.pk]))
    page = client.get(reverse("bulletin:series", args=[series.pk])).text
    assert "#1" in page and "#2" in page and "FAXレス" in page
    assert "50.0%" not in page  # rates are the author's
    sign_in(client, people.dave)
    page = client.get(reverse("bulletin:series", args=[series.pk])).text
    assert "50.0%" in page and "<rect" in page


def test_mine_lists_drafts_and_published_with_rates(client, people, publish):
    publish(title="公開済み")
    actions.save_draft(
        people.dave, title="下書き中", body="本文", audience={"departments": ["SOM"]}
    )
    sign_in(client, people.dave)
    page = client.get(reverse("bulletin:mine")).text
    assert "公開済み" in page and "下書き中" in page and "0.0% (0/2)" in page
    sign_in(client, people.alice)
    assert client.get(reverse("bulletin:mine")).status_code == 403


def test_the_main_navigation_links_to_the_bulletin(client, people):
    sign_in(client, people.alice)
    assert reverse("bulletin:index") in client.get(reverse("home")).text


def test_the_home_page_shows_what_still_waits_for_confirmation(client, people, publish):
    post = publish(requires_ack=True, title="要確認：個人情報の取扱い")
    sign_in(client, people.alice)
    home = client.get(reverse("home")).text
    waiting = home.split('data-testid="to-confirm"')[1].split("</section>")[0]
    assert "要確認：個人情報の取扱い" in waiting and "未読" in waiting

    client.get(reverse("bulletin:post", args=[post.pk]))  # read, not yet confirmed
    waiting = client.get(reverse("home")).text.split('data-testid="to-confirm"')[1]
    assert "要確認：個人情報の取扱い" in waiting.split("</section>")[0]
    assert "未読" not in waiting.split("</section>")[0]

    client.post(reverse("bulletin:acknowledge", args=[post.pk]))
    home = client.get(reverse("home")).text
    assert 'data-testid="to-confirm"' not in home and "要確認：個人情報の取扱い" not in home


def test_read_and_confirmed_states_agree_everywhere(client, people, publish):
    """Confirming is reading: a recipient row confirmed but never opened (confirmed from
    a notification) is never listed as unread beside its confirmation."""
    post = publish(requires_ack=True)
    Recipient.objects.filter(notice_id=post.notice_id, staff=people.alice.staff).update(
        answered_at=timezone.now(), answer="ack"
    )
    sign_in(client, people.alice)
    item = client.get(reverse("bulletin:index")).text.split(FORM["title"])[0].rsplit("<li", 1)[1]
    assert "確認済み" in item and "未読" not in item and "bulletin-unread" not in item
    assert FORM["title"] not in client.get(reverse("home")).text
