"""受信テスト: sent from the page or the command line, answered with 届いた on the one-tap
page (no safety question), and its report of who was reached, on which channel, and who
was not, with their names and a CSV."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from renraku.broadcast import links
from renraku.broadcast.models import Alert, ReplyForm
from renraku.drills import reception
from renraku.notices.models import Reach, Recipient
from renraku.testing import make_staff, sign_in


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once, smtp):
    """Deliveries run as they are enqueued, to the SMTP stand-in on loopback."""


@pytest.fixture
def nobody_reaches(office):
    org, _people, _extra = office
    return make_staff(org, family="無連絡", given="者")  # no e-mail, no device, no mobile


def test_test_send_from_the_command_line(
    office, nobody_reaches, smtp, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("drill", "test-send", "--audience", "departments=SOM", "--json", stdout=out)
    answer = json.loads(out.getvalue())
    alert = Alert.objects.get(pk=answer["id"])
    assert answer["recipients"] == alert.recipients.count() == 6  # 総務部's active staff
    assert (alert.reply_form, alert.is_drill) == (ReplyForm.ACKNOWLEDGE, False)
    assert "voice" not in alert.channel_order
    mail = smtp.to("alice@city.example")
    assert len(mail) == 1 and "届いた" in mail[0].get_payload(decode=True).decode()

    out = io.StringIO()
    call_command("drill", "test-report", str(alert.pk), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["reached"] == summary["by_channel"]["email"] == 5
    assert (summary["not_reached"], summary["pressed"]) == (1, 0)


def test_the_answer_page_says_received_and_asks_no_safety(
    client, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alert = reception.send_test({"all": True})
    alice = Recipient.objects.get(notice=alert, staff__work_email="alice@city.example")
    url = reverse("broadcast:answer", args=[links.token_for(alice.pk)])
    page = client.get(url).content.decode()
    assert ">届いた</button>" in page
    assert "無事" not in page and "出勤" not in page
    assert 'data-testid="reception-test"' in page
    client.post(url, {"value": "ack"})
    alice.refresh_from_db()
    assert alice.answered_at is not None


def test_the_report_names_who_was_not_reached_and_counts_the_rest(
    client, office, people, nobody_reaches, django_capture_on_commit_callbacks
):
    sign_in(client, people.bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("drills:reception"), {"everyone": "on"})
    alert = Alert.objects.get(reception_test__isnull=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("drills:reception_report", args=[alert.pk])
    pressed = Recipient.objects.get(notice=alert, staff=people.alice.staff)
    client.post(reverse("broadcast:answer", args=[links.token_for(pressed.pk)]), {"value": "ack"})

    page = client.get(response["Location"]).content.decode()
    reached = Recipient.objects.filter(notice=alert, reach=Reach.SENT).count()
    assert reached == alert.recipients.count() - 1
    assert f'data-testid="reached">{reached}<' in page
    assert f'data-testid="via-email">{reached}<' in page
    assert 'data-testid="pressed">1<' in page and 'data-testid="not-reached">1<' in page
    missing = page.split('data-testid="not-reached-list"')[1]
    assert nobody_reaches.full_name in missing and people.alice.staff.full_name not in missing

    export = client.get(reverse("drills:reception_csv", args=[alert.pk]))
    assert "no-store" in export["Cache-Control"]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_name = {row[1]: row for row in rows[1:]}
    assert len(by_name) == alert.recipients.count()
    with translation.override("ja"):
        email = str(reception.channel_label("email"))
    alice, nobody = by_name[people.alice.staff.full_name], by_name[nobody_reaches.full_name]
    assert (alice[5], nobody[5]) == (email, "")  # reached by e-mail; not reached
    assert alice[8] and not nobody[8]  # pressed 届いた at a time; did not


def test_a_test_send_outside_the_senders_scope_is_refused_and_nothing_sent(client, office, people):
    org, _people, _extra = office
    people.bob.scope_all = False
    people.bob.save(update_fields=["scope_all"])
    people.bob.scope_departments.add(org.kik)
    sign_in(client, people.bob)
    response = client.post(reverse("drills:reception"), {"departments": ["SOM"]})
    assert response.status_code == 403
    assert "範囲" in response.content.decode() or "scope" in response.content.decode()
    assert not Alert.objects.exists()


def test_an_empty_audience_is_refused_with_a_message(client, office, people):
    sign_in(client, people.bob)
    response = client.post(reverse("drills:reception"), {})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Alert.objects.exists()
