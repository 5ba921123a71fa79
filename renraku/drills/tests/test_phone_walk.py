"""What a sender read wrong walking the drill pages on a phone: a reception test's report
while it is still being sent, and the trend while a drill is under way."""

import datetime as dt

import pytest
from django.urls import reverse

from renraku.broadcast.models import Alert
from renraku.testing import sign_in


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once, smtp):
    """Deliveries run as they are enqueued, once the sending transaction commits."""


def test_a_reception_test_still_being_sent_does_not_say_everyone_was_reached(
    client, office, people
):
    sign_in(client, people.bob)
    # Not committed in the test: nobody has been sent to yet, as in its first seconds.
    response = client.post(reverse("drills:reception"), {"everyone": "on"})
    alert = Alert.objects.get(reception_test__isnull=False)
    page = client.get(response["Location"]).content.decode()
    assert f'data-testid="pending">{alert.recipients.count()}<' in page
    assert "全員に届きました" not in page
    assert "今のところいません（まだ送信中の人がいます）。" in page


def test_the_trend_leaves_out_a_drill_sent_less_than_30_minutes_ago(client, sent_drill, people):
    sign_in(client, people.bob)
    page = client.get(reverse("drills:trend")).content.decode()
    assert "訓練はまだありません。" in page and 'data-testid="trend-' not in page
    Alert.objects.filter(pk=sent_drill.pk).update(
        issued_at=sent_drill.issued_at - dt.timedelta(minutes=31)
    )
    page = client.get(reverse("drills:trend")).content.decode()
    assert 'data-testid="trend-' in page
