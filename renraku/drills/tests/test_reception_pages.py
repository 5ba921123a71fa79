"""The reception test's report and the drill list as a person reads them: a heading that
does not say 受信テスト twice, figures that refresh themselves while anyone is still being
sent to (as the alert dashboard's do), and drill times in words, not a bare 10:10."""

import pytest
from django.urls import reverse

from renraku.drills import reception
from renraku.notices.models import Reach, Recipient
from renraku.testing import sign_in

from .test_report import OFFSETS, give_answers


def _report(client, alert, **extra):
    return client.get(reverse("drills:reception_report", args=[alert.pk]), **extra).text


@pytest.mark.parametrize(
    ("title", "heading"), [("", "受信テスト"), ("3月の受信確認", "受信テスト：3月の受信確認")]
)
def test_the_report_heading_says_reception_test_once(client, office, people, title, heading):
    alert = reception.send_test({"all": True}, title=title, by=people.bob)
    sign_in(client, people.bob)
    text = _report(client, alert)
    assert f"<h1>{heading}</h1>" in text
    assert "受信テスト: 受信テスト" not in text and "受信テスト：受信テスト" not in text


def test_the_report_refreshes_itself_while_sending_and_stops_when_done(
    client, office, people, smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    # Sent, but its deliveries not yet run (they start once the sending commits).
    alert = reception.send_test({"all": True}, by=people.bob)
    assert Recipient.objects.filter(notice=alert, reach=Reach.PENDING).exists()
    sign_in(client, people.bob)
    url = reverse("drills:reception_report", args=[alert.pk])
    page = _report(client, alert)
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 5s"' in page
    assert "5秒ごとに更新" in page
    live = _report(client, alert, HTTP_HX_REQUEST="true")
    assert live.startswith('<div id="reception-live"') and "<h1>" not in live
    assert 'hx-trigger="every 5s"' in live

    with django_capture_on_commit_callbacks(execute=True):
        alert = reception.send_test({"all": True}, by=people.bob)
    assert not Recipient.objects.filter(notice=alert, reach=Reach.PENDING).exists()
    live = _report(client, alert, HTTP_HX_REQUEST="true")
    assert 'data-testid="pending">0<' in live
    assert "hx-trigger" not in live and "5秒ごとに更新" not in live  # nothing left to wait for


def test_the_drill_list_writes_times_in_minutes_and_seconds(client, sent_drill, people):
    give_answers(sent_drill, OFFSETS)  # the 6th of 11 (50 %) after 610 s; 90 % never
    sign_in(client, people.bob)
    text = client.get(reverse("drills:index")).text
    row = text.split('data-testid="drills"')[1].split("</tr>", 2)[1]
    assert "<td>10分10秒</td>" in row and "<td>—</td>" in row
    assert "10:10" not in row
