import pytest
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families

from renraku.broadcast.models import Alert
from renraku.feeds.models import FeedState
from renraku.notices.models import Delivery, Notice

from .conftest import ago, queued_alert, worker_ran

TOKEN = "s3cret-scrape-token"


# --- /healthz and /healthz/ready ---------------------------------------------------------


def test_healthz_is_200_without_a_worker_so_servers_start(client, db, no_feeds):
    assert client.get("/healthz").status_code == 200


def test_ready_is_503_without_a_worker_and_200_with_one(client, db, no_feeds):
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["ok"] is False
    worker_ran()
    cache.clear()  # the answer is shared for a few seconds
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_ready_with_a_stuck_queue_names_no_one(client, people, no_feeds):
    worker_ran()
    queued_alert(people, minutes_old=5)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    body = response.content.decode()
    for user in (people.alice, people.bob, people.carol):
        assert user.staff.family_name not in body
        assert user.email not in body and user.username not in body
    assert "安否確認" not in body


def test_ready_needs_no_sign_in(client, db, no_feeds):
    worker_ran()
    assert client.get("/healthz/ready").status_code == 200  # not a redirect to sign in


# --- /metrics ----------------------------------------------------------------------------


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOW = []
    return TOKEN


def scrape(client, **headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def test_metrics_do_not_exist_until_protected(client, db, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW = "", []
    assert client.get("/metrics").status_code == 404


def test_metrics_refused_without_the_token_or_with_a_wrong_one(client, db, token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 403


def test_metrics_with_the_token(client, people, token, one_feed, send, smtp, tasks_run_at_once):
    from renraku.broadcast.actions import Draft

    worker_ran()
    FeedState.objects.create(url=one_feed, polled_at=ago(seconds=30))
    alert = send(
        Draft(
            title="安否確認",
            body="回答してください",
            audience={"staff": [people.alice.username, people.bob.username, people.carol.username]},
            channels=["email"],
        ),
        sender=people.bob,
    )
    assert len(smtp.messages) == 3
    # Sent 40 s after the alert went out: in the 60 s bucket, not the 30 s one.
    Alert.objects.filter(pk=alert.pk).update(issued_at=ago(seconds=40))
    Notice.objects.filter(pk=alert.pk).update(issued_at=ago(seconds=40))
    Delivery.objects.filter(recipient__notice=alert).update(sent_at=ago(seconds=0))

    families = scrape(client, Authorization=f"Bearer {TOKEN}")

    assert {
        "renraku_deliveries",
        "renraku_answers",
        "renraku_queue_oldest_seconds",
        "renraku_feed_last_success_timestamp_seconds",
        "renraku_alert_send_to_last_delivery_seconds",
        "renraku_worker_last_run_timestamp_seconds",
    } <= set(families)
    deliveries = {
        (s.labels["channel"], s.labels["outcome"]): s.value
        for s in families["renraku_deliveries"].samples
        if s.name == "renraku_deliveries_total"
    }
    assert deliveries[("email", "sent")] == 3
    assert deliveries[("push", "sent")] == 0
    buckets = {
        s.labels["le"]: s.value
        for s in families["renraku_alert_send_to_last_delivery_seconds"].samples
        if s.name.endswith("_bucket")
    }
    assert (buckets["30.0"], buckets["60.0"], buckets["+Inf"]) == (0, 1, 1)
    (feed,) = families["renraku_feed_last_success_timestamp_seconds"].samples
    assert feed.labels == {"feed": one_feed} and feed.value > ago(minutes=1).timestamp()
    (oldest,) = families["renraku_queue_oldest_seconds"].samples
    assert oldest.value == 0


def test_metrics_show_the_oldest_waiting_delivery(client, people, token):
    queued_alert(people, minutes_old=5)
    (oldest,) = scrape(client, Authorization=f"Bearer {TOKEN}")[
        "renraku_queue_oldest_seconds"
    ].samples
    assert oldest.value >= 300


def test_metrics_from_an_allowed_network_without_a_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOW = ["10.0.0.0/8"]
    settings.TRUSTED_PROXIES = []
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    # X-Real-IP from a caller that is not a trusted proxy is not believed.
    refused = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_REAL_IP="10.1.2.3")
    assert refused.status_code == 403


def test_scrape_reads_a_fixed_number_of_queries_however_many_alerts(
    client, people, token, one_feed, django_assert_max_num_queries
):
    for _ in range(5):
        queued_alert(people, minutes_old=3)
    Delivery.objects.update(status="sent", sent_at=ago(seconds=1))
    with django_assert_max_num_queries(8):
        scrape(client, Authorization=f"Bearer {TOKEN}")


def test_ready_reads_a_fixed_number_of_queries(
    client, people, one_feed, django_assert_max_num_queries
):
    for _ in range(5):
        queued_alert(people, minutes_old=3)
    with django_assert_max_num_queries(6):
        assert client.get("/healthz/ready").status_code == 503
