"""The post on a call-up's answer page: the demo's sites have addresses, so the page shows
the post's address and a map link that opens in a new tab; after arriving it says where
and when, instead of offering 到着しました again."""

import re
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone

from renraku.broadcast import links
from renraku.directory import demo_sites
from renraku.directory.demo import seed_organisation
from renraku.directory.models import Site, Staff
from renraku.mobilise.models import Callup, Mobilisation
from renraku.notices.models import Recipient
from renraku.testing import sign_in

ADDRESS = re.compile(r"^東京都世田谷区(?P<town>\D+)(?P<chome>\d)-(?P<ban>\d+)-(?P<go>\d+)$")


def _pages(mobilisation, staff) -> tuple[str, str]:
    """The answer page and the address its 参集 forms post to."""
    recipient = Recipient.objects.get(notice_id=mobilisation.pk, staff=staff)
    token = links.token_for(recipient.pk)
    return reverse("broadcast:answer", args=[token]), reverse("mobilise:answer", args=[token])


def test_every_demo_site_has_a_setagaya_address_the_same_on_every_seed(db):
    seed_organisation()
    addresses = dict(Site.objects.values_list("code", "address"))
    assert len(addresses) == 260
    assert addresses["S001"] == "東京都世田谷区世田谷4-21-27"  # 本庁舎
    for code, address in addresses.items():
        found = ADDRESS.match(address)
        assert found, (code, address)
        assert int(found["chome"]) <= demo_sites.TOWNS[found["town"]], address
    # Schools, centres and halls are spread over many towns, each at its own address.
    towns = {ADDRESS.match(a)["town"] for a in addresses.values()}
    assert len(towns) > 40
    invented = [a for c, a in addresses.items() if Site.objects.get(code=c).kind == "school"]
    assert len(set(invented)) == len(invented) == 90
    seed_organisation()
    assert dict(Site.objects.values_list("code", "address")) == addresses


def test_the_answer_page_shows_a_demo_posts_address_and_a_map_link(client, ward, people):
    seed_organisation()  # the demo's sites, the test ward's among them (same codes)
    school = Site.objects.filter(kind="school").order_by("code").last()
    Staff.objects.filter(pk=people.alice.staff.pk).update(callup_site=school)
    sign_in(client, people.bob)
    client.post(reverse("mobilise:start"), {"level": "3"})
    client.logout()
    page, _ = _pages(Mobilisation.objects.get(), people.alice.staff)
    text = client.get(page).text
    assert school.address.startswith("東京都世田谷区") and school.address in text
    href = f"https://www.google.com/maps/search/?api=1&amp;query={quote(school.address)}"
    [anchor] = re.findall(r'<a [^>]*data-testid="map-link"[^>]*>[^<]*</a>', text)
    assert f'href="{href}"' in anchor
    assert 'target="_blank"' in anchor and "noopener" in anchor
    assert f"{school.name}の地図（新しいタブで開きます）" in anchor


def test_after_arriving_the_page_says_when_and_where_instead_of_the_button(client, ward, people):
    sign_in(client, people.bob)
    client.post(reverse("mobilise:start"), {"level": "3"})
    client.logout()
    m = Mobilisation.objects.get()
    page, post = _pages(m, people.alice.staff)
    before = client.get(page).text
    assert 'name="arrive"' in before and "到着しました" in before
    after = client.post(post, {"arrive": "1"}).text
    at = timezone.localtime(Callup.objects.get(staff=people.alice.staff).arrived_at)
    assert f"到着済み（{at:%H:%M}、区立池尻小学校）" in after
    assert 'name="arrive"' not in after and "到着しました" not in after
    assert reverse("mobilise:site_report", args=[m.pk, "S003"]) in after
    assert "別の場所に到着した" in after  # by the QR code where they are
    assert client.get(page).text.count('name="arrive"') == 0  # reopened later, the same


def test_the_family_answer_reads_with_a_japanese_colon(client, ward, people):
    sign_in(client, people.bob)
    client.post(reverse("mobilise:start"), {"level": "3"})
    client.logout()
    page, post = _pages(Mobilisation.objects.get(), people.alice.staff)
    client.post(page, {"value": "safe"})
    client.post(post, {"eta": "30"})
    text = client.post(post, {"family": "safe"}).text
    assert "あなたの回答：全員無事" in text and "あなたの回答: " not in text
