"""The demo's bulletin, seeded on a small ward, as its readers and its author meet it: the
read and acknowledgement records it makes are real times, so a post read in the demo shows
as read, one confirmed stays confirmed, and the author's page counts them."""

import datetime as dt

import pytest
from django.urls import reverse

from renraku.bulletin.demo import NOTICES, SERIES, seed_bulletin_demo
from renraku.bulletin.models import Post
from renraku.notices.models import Recipient
from renraku.testing import make_staff, make_user, sign_in


@pytest.fixture
def seeded(org, people):
    """The deputy mayor (the columns' author), thirty more people in two departments, and
    the demo's bulletin over them."""
    make_staff(org, family="松村", given="副", position="DEPUTY", number="100001")
    for i in range(30):
        make_staff(org, family="職員", given=f"{i}", department=org.gak if i % 2 else org.som)
    seed_bulletin_demo()
    return Post.objects.get(title=NOTICES[0][0])  # asks for acknowledgement


def _user_of(recipient):
    staff = recipient.staff
    return getattr(staff, "account", None) or make_user(staff)


def test_seeded_read_and_acknowledgement_records_are_times_after_publishing(seeded):
    rows = Recipient.objects.filter(notice_id=seeded.notice_id)
    read = list(rows.exclude(read_at=None).values_list("read_at", "answered_at"))
    assert read, "the demo reads some of its posts"
    for read_at, answered_at in read:
        assert isinstance(read_at, dt.datetime)
        assert seeded.published_at < read_at < seeded.published_at + dt.timedelta(days=2)
        assert answered_at is None or answered_at == read_at
    # Filtering on the stored values agrees with reading them (a number stored in a
    # datetime column is neither null nor a time).
    assert rows.filter(read_at__gt=seeded.published_at).count() == len(read)
    assert rows.filter(answered_at__gt=seeded.published_at).count() == rows.answered().count()


def test_a_seeded_confirmation_stays_confirmed_on_the_page_and_in_the_list(client, seeded):
    confirmed = Recipient.objects.filter(notice_id=seeded.notice_id).answered().first()
    user = _user_of(confirmed)
    sign_in(client, user)
    listed = client.get(reverse("bulletin:index")).text
    item = listed.split(seeded.title)[0].rsplit("<li", 1)[1]
    assert "確認済み" in item and "未読" not in item

    page = client.get(reverse("bulletin:post", args=[seeded.pk])).text
    assert reverse("bulletin:acknowledge", args=[seeded.pk]) not in page  # not asked again
    assert 'data-testid="ack"' in page and "確認しました" in page

    # A second tap is told it was already recorded, not thanked as if new.
    response = client.post(reverse("bulletin:acknowledge", args=[seeded.pk]), follow=True)
    assert "確認を記録しました" not in response.text and "すでに確認済みです" in response.text
    assert Recipient.objects.get(pk=confirmed.pk).answered_at == confirmed.answered_at


def test_a_seeded_read_column_is_not_shown_as_unread(client, seeded):
    column = Post.objects.filter(series__name=SERIES).order_by("-number")[5]
    read = Recipient.objects.filter(notice_id=column.notice_id).exclude(read_at=None).first()
    sign_in(client, _user_of(read))
    listed = client.get(reverse("bulletin:index") + f"?series={column.series_id}").text
    item = listed.split(column.title)[0].rsplit("<li", 1)[1]
    assert "未読" not in item
    assert column.title not in client.get(reverse("home")).text  # not among the new


def test_the_authors_page_of_a_seeded_post_counts_its_readers(client, people, seeded):
    sign_in(client, people.dave)  # the notices' author: the demo's administrator
    response = client.get(reverse("bulletin:figures", args=[seeded.pk]))
    assert response.status_code == 200
    rows = Recipient.objects.filter(notice_id=seeded.notice_id)
    som = rows.filter(department__code="SOM")
    by_department = {row["code"]: row for row in response.context["departments"]}
    assert by_department["SOM"]["recipients"] == som.count()
    assert by_department["SOM"]["read"] == som.exclude(read_at=None).count()
    assert by_department["SOM"]["acknowledged"] == som.answered().count()
    assert response.context["totals"]["read"] == rows.exclude(read_at=None).count() > 0
