"""The Prometheus metrics, read from the database at scrape time.

Not in-process counters: renraku runs several web and worker processes, on several
machines, and each would count only its own part. Every figure here is an aggregate query
(a handful per scrape, bounded: the histogram reads the alerts of the last 7 days).
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from renraku.broadcast.models import Alert, Answer
from renraku.channels import registry
from renraku.notices.models import AnswerValue, Delivery

from . import checks
from .models import Beat

CONTENT_TYPE = CONTENT_TYPE_LATEST
HISTOGRAM_DAYS = 7
# Seconds from sending an alert to its last delivery: the alerting targets (a minute for
# push to everyone) sit in the middle.
BUCKETS = (5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


def _timestamp(at) -> float:
    return at.timestamp() if at else 0.0


class RenrakuCollector:
    def collect(self):
        now = timezone.now()
        yield self._deliveries()
        yield self._answers()
        queue = checks.queue_summary(now)
        yield GaugeMetricFamily(
            "renraku_queue_oldest_seconds",
            "How long the oldest delivery waiting to be sent has waited (0: none waits).",
            value=queue["oldest_seconds"],
        )
        yield GaugeMetricFamily(
            "renraku_queue_waiting_deliveries",
            "Deliveries of open alerts waiting to be sent (queued, retry due, stale claim).",
            value=queue["waiting"],
        )
        feeds = GaugeMetricFamily(
            "renraku_feed_last_success_timestamp_seconds",
            "When each configured feed was last read without an error (0: never).",
            labels=["feed"],
        )
        for url, (last, _error) in checks.feed_successes(list(settings.JMA_FEEDS)).items():
            feeds.add_metric([url], _timestamp(last))
        yield feeds
        worker = Beat.objects.filter(name=checks.WORKER).values_list("at", flat=True).first()
        yield GaugeMetricFamily(
            "renraku_worker_last_run_timestamp_seconds",
            "When the task worker last ran its heartbeat (0: never).",
            value=_timestamp(worker),
        )
        yield self._send_to_last_delivery(now)

    def _deliveries(self):
        family = CounterMetricFamily(
            "renraku_deliveries",
            "Deliveries by channel and outcome (queued and sending: not finished yet).",
            labels=["channel", "outcome"],
        )
        # Every pair, zeros included, so that rate() has a series from the start.
        counts = dict.fromkeys(
            ((kind, status) for kind in registry.CHANNELS for status in Delivery.Status.values),
            0,
        )
        for row in Delivery.objects.values("channel", "status").annotate(n=Count("pk")).order_by():
            counts[(row["channel"], row["status"])] = row["n"]
        for (kind, status), n in counts.items():
            family.add_metric([kind, status], n)
        return family

    def _answers(self):
        family = CounterMetricFamily(
            "renraku_answers", "Answers given, by value.", labels=["value"]
        )
        counts = dict.fromkeys(AnswerValue.values, 0)
        for row in Answer.objects.values("value").annotate(n=Count("pk")).order_by():
            counts[row["value"]] = row["n"]
        for value, n in counts.items():
            family.add_metric([value], n)
        return family

    def _send_to_last_delivery(self, now):
        lasts = (
            Alert.objects.filter(issued_at__gte=now - dt.timedelta(days=HISTOGRAM_DAYS))
            .annotate(last=Max("recipients__deliveries__sent_at"))
            .filter(last__isnull=False)
            .values_list("issued_at", "last")
            .order_by()
        )
        seconds = [max(0.0, (last - sent).total_seconds()) for sent, last in lasts]
        buckets = [(str(b), sum(1 for s in seconds if s <= b)) for b in BUCKETS]
        return HistogramMetricFamily(
            "renraku_alert_send_to_last_delivery_seconds",
            f"Alerts of the last {HISTOGRAM_DAYS} days: seconds from sending to the last "
            "delivery sent.",
            buckets=[*buckets, ("+Inf", len(seconds))],
            sum_value=sum(seconds),
        )


_REGISTRY = CollectorRegistry(auto_describe=False)
_REGISTRY.register(RenrakuCollector())


def render() -> bytes:
    return generate_latest(_REGISTRY)
