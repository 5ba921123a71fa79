"""The call-up status as a headquarters' screen sees it every 5 s: the posts short of staff
first (the worst, up to a screen's worth) with 「すべての参集場所を表示」 for the rest, drawn
once per moment of the figures and shared by every screen, in a fixed number of queries
however many posts and people there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renraku.directory.models import DeploymentLevel, MinimumStaffing, Site, Staff
from renraku.mobilise import actions, status_views
from renraku.mobilise.models import Mobilisation
from renraku.testing import make_staff, sign_in


@pytest.fixture
def started(client, ward, people):
    sign_in(client, people.bob)
    client.post(reverse("mobilise:start"), {"level": "3"})
    return Mobilisation.objects.get()


def _site_table(text: str) -> str:
    start = text.index('data-testid="mobilise-site"')
    return text[start : text.index("</section>", start)]


def test_the_posts_short_of_staff_come_first_and_the_rest_behind_a_link(
    client, started, monkeypatch
):
    monkeypatch.setattr(status_views, "SHORT_POSTS", 1)
    url = reverse("mobilise:status", args=[started.pk])
    table = _site_table(client.get(url).text)
    # The school is short by 2, the head office by 1: only the worst is shown, and those
    # called without a post (Fumi), who need sending somewhere.
    assert "区立池尻小学校" in table and "2人不足" in table
    assert "本庁舎" not in table
    assert 'id="mob-site--"' in table
    assert "全2か所のうち1か所を表示（不足2か所）" in table
    assert f'href="{url}?posts=all#mob-sites"' in table and "すべての参集場所を表示" in table

    every = _site_table(client.get(url, {"posts": "all"}).text)
    assert every.index("区立池尻小学校") < every.index("本庁舎")
    assert "不足している参集場所だけを表示" in every
    live = client.get(url, {"posts": "all"}, HTTP_HX_REQUEST="true").text
    assert f'hx-get="{url}?posts=all"' in live  # the refresh keeps every post shown


def test_when_no_post_is_short_the_status_says_so(client, started, ward):
    for person in Staff.objects.filter(callup_site__isnull=False, callup_level__lte=3):
        callup = started.callups.get(staff=person)
        actions.arrive(callup, via="cli")
    actions.arrive(started.callups.get(staff=ward.fumi), site=ward.school, via="cli")
    table = _site_table(client.get(reverse("mobilise:status", args=[started.pk])).text)
    assert "人員が不足している参集場所はありません。" in table
    assert "すべての参集場所を表示" in table


def _more_posts(ward, n: int) -> None:
    """N more posts, each needing 3 at level 4, with one person called there at 4."""
    four = DeploymentLevel.objects.get(number=4)
    for i in range(n):
        site = Site.objects.create(code=f"P{i:03}", name=f"避難所{i}", kind=Site.Kind.SCHOOL)
        MinimumStaffing.objects.create(level=four, site=site, minimum=3)
        staff = make_staff(ward, family="多拠点", given=f"{i}")
        Staff.objects.filter(pk=staff.pk).update(
            callup_level=4, callup_site=site, callup_team=ward.shelter
        )


def _read(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_status_costs_a_fixed_number_of_queries_and_is_drawn_once_a_moment(
    client, started, ward
):
    url = reverse("mobilise:status", args=[started.pk])
    first = _read(client, url)
    assert len(first) <= 16
    # Within the figures' moment another screen reads them and the drawn tables: nothing
    # is counted or drawn again.
    again = _read(client, url)
    assert not [sql for sql in again if "mobilise_callup" in sql]
    assert len(again) <= 10

    _more_posts(ward, 30)
    actions.raise_level(started, 4)
    from django.core.cache import cache

    cache.clear()  # the next moment
    text = client.get(url).text
    assert text.count("3人不足") == status_views.SHORT_POSTS  # the first 20 of 30 short
    cache.clear()
    assert len(_read(client, url)) == len(first)
