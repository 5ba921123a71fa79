"""The menu leads hosts, administrators and authors to their pages (they were reached only
by typing the address), and shows nobody a link they may not open."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.bulletin.models import Series
from renraku.dialogues.models import Host
from renraku.testing import TOTP_KEY, sign_in

LABELS = {
    "dialogues:host": "対話の管理",
    "dialogues:directors": "部長のお部屋訪問",
    "dialogues:reach": "広がり",
    "bulletin:mine": "自分の投稿",
}


def menu(client) -> dict[str, str]:
    """The main menu's links, label → address."""
    page = client.get(reverse("home")).text
    nav = page[page.index('<nav aria-label="メイン"') : page.index("</nav>")]
    return {label: href for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)}


def offered(client) -> set[str]:
    links = menu(client)
    shown = {name for name, label in LABELS.items() if links.get(label) == reverse(name)}
    for name in shown:  # every link shown opens
        assert client.get(reverse(name)).status_code == 200, name
    return shown


def test_staff_see_none_of_the_hosts_or_authors_pages(client, people):
    Host.objects.create(staff=people.bob.staff)
    sign_in(client, people.alice)
    assert offered(client) == set()


def test_a_host_sees_their_pages_and_directors_only_if_they_visit_them(client, people):
    host = Host.objects.create(staff=people.alice.staff)
    sign_in(client, people.alice)
    assert offered(client) == {"dialogues:host", "dialogues:reach"}
    host.visits_directors = True
    host.save(update_fields=["visits_directors"])
    assert offered(client) == {"dialogues:host", "dialogues:directors", "dialogues:reach"}


def test_an_administrator_sees_every_hosts_pages_once_a_host_is_named(client, people):
    sign_in(client, people.dave)
    assert offered(client) == {"bulletin:mine"}
    Host.objects.create(staff=people.alice.staff)
    assert offered(client) == set(LABELS)


def test_a_named_author_sees_their_posts(client, people):
    TOTPDevice.objects.create(user=people.alice, name="phone", key=TOTP_KEY, confirmed=True)
    Series.objects.create(name="松副のDXだより").authors.add(people.alice)
    sign_in(client, people.alice)
    assert offered(client) == {"bulletin:mine"}


@pytest.mark.parametrize("person", ["bob", "erin"])
def test_senders_and_auditors_are_offered_no_post_page(client, people, person):
    sign_in(client, getattr(people, person))
    assert offered(client) == set()
