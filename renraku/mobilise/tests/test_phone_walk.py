"""What a new user met walking the call-up pages on a phone: a refused start form kept
what was chosen, the answer page's steps named and numbered in order, and the QR poster
leading back to the status."""

from django.urls import reverse

from renraku.broadcast import links
from renraku.mobilise import actions
from renraku.mobilise.models import Mobilisation
from renraku.notices.models import Recipient
from renraku.testing import sign_in


def test_a_refused_start_keeps_the_level_the_title_and_the_drill_mark(client, ward, people):
    sign_in(client, people.bob)
    page = client.post(
        reverse("mobilise:start"), {"level": "3", "title": "あ" * 101, "drill": "on"}
    )
    assert page.status_code == 400 and not Mobilisation.objects.exists()
    html = page.content.decode()
    assert '<option value="3" selected>' in html
    assert f'value="{"あ" * 101}"' in html
    assert 'name="drill" checked' in html


def test_the_answer_page_asks_safety_first_and_numbers_no_step_twice(client, ward, people):
    m = actions.start(3, drill=True)
    alice = Recipient.objects.get(notice_id=m.pk, staff=people.alice.staff)
    url = reverse("broadcast:answer", args=[links.token_for(alice.pk)])
    client.post(url, {"value": "safe"})
    client.post(reverse("mobilise:answer", args=[links.token_for(alice.pk)]), {"eta": "30"})
    html = client.get(url).content.decode()
    assert "1. ご無事ですか？" in html and "確認したらタップしてください" not in html
    assert "2. 参集できますか？" in html and "3. ご家族の状況（任意）" in html
    assert "3. 現在地とコメント（任意）" not in html and "現在地とコメント（任意）" in html


def test_the_poster_leads_back_to_the_status(client, ward, people):
    m = actions.start(3, drill=True)
    sign_in(client, people.bob)
    html = client.get(reverse("mobilise:poster", args=[m.pk, "S003"])).content.decode()
    assert f'href="{reverse("mobilise:status", args=[m.pk])}"' in html
    assert f"「{m.alert.title}」へ戻る" in html
