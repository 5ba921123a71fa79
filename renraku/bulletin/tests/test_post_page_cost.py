"""What a post's first opening costs, as the crowd on Monday 09:00 opens the column: a
fixed, small number of queries, and everything it must still do (既読 recorded once, the
reactions and the forms shown, working for each reader)."""

import re

from django.test import Client
from django.urls import reverse

from renraku.accounts.models import Role
from renraku.bulletin import actions, responses
from renraku.notices.models import Recipient
from renraku.testing import sign_in


def _publish(people, **kw):
    post = actions.save_draft(
        people.dave,
        title="台風接近に伴う勤務体制について",
        body="本日の勤務体制を次のとおりとします。",
        audience={"departments": ["SOM"]},
        **kw,
    )
    return actions.publish(post, by=people.dave)


def test_a_first_opening_takes_six_queries_and_records_the_reading(
    client, people, django_assert_num_queries
):
    post = _publish(people)
    responses.toggle_reaction(post, people.carol, "thanks")
    url = reverse("bulletin:post", args=[post.pk])
    sign_in(client, people.carol)
    client.get(url)  # the page's unchanging parts made and cached
    sign_in(client, people.alice)
    # The session, the user, the post, whether it was sent to her (its audience is a
    # department), 既読 (one UPDATE), the reactions: no query about videos for a post
    # without one, no read of the reader's row for a post not asking 確認.
    with django_assert_num_queries(6):
        page = client.get(url).text
    mine = Recipient.objects.get(notice_id=post.notice_id, staff=people.alice.staff)
    assert mine.read_at is not None
    assert "台風接近に伴う勤務体制について" in page
    assert re.search(r"Thank you|ありがとう", page)
    assert 'class="bulletin-count">1<' in page  # Carol's
    assert 'name="csrfmiddlewaretoken"' in page
    # A second opening changes nothing.
    client.get(url)
    assert Recipient.objects.get(pk=mine.pk).read_at == mine.read_at


def test_the_cached_forms_carry_each_readers_own_token(people, django_assert_num_queries):
    """The forms' unchanging HTML is cached once; each reader's CSRF token is their own, so
    the comment each posts from the page is accepted."""
    post = _publish(people)
    for person, words in ((people.alice, "了解しました。"), (people.carol, "確認しました。")):
        browser = Client(enforce_csrf_checks=True)
        sign_in(browser, person)
        page = browser.get(reverse("bulletin:post", args=[post.pk])).text
        form = page[page.index('action="' + reverse("bulletin:comment", args=[post.pk])) :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        answer = browser.post(
            reverse("bulletin:comment", args=[post.pk]),
            {"body": words, "csrfmiddlewaretoken": token},
        )
        assert answer.status_code == 302
    assert list(post.comments.order_by("pk").values_list("body", flat=True)) == [
        "了解しました。",
        "確認しました。",
    ]


def test_an_administrators_hide_form_carries_their_own_token(people):
    """An administrator's copy of the comments (a hide form under each) is never cached:
    a second administrator's page carries her own CSRF token, so hiding from it works."""
    post = _publish(people)
    comment = responses.add_comment(post, people.alice, "不適切な書き込み")
    people.erin.role = Role.ADMINISTRATOR
    people.erin.save(update_fields=["role"])
    first = Client()
    sign_in(first, people.dave)
    first.get(reverse("bulletin:post", args=[post.pk]))
    second = Client(enforce_csrf_checks=True)
    sign_in(second, people.erin)
    page = second.get(reverse("bulletin:post", args=[post.pk])).text
    action = reverse("bulletin:hide_comment", args=[comment.pk])
    form = page[page.index(f'action="{action}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = second.post(action, {"reason": "個人情報", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    comment.refresh_from_db()
    assert comment.hidden_at is not None
