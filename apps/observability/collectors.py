"""Gauges computed at scrape time: the Celery queues here, and those apps above register (``register``).

Each collector reads its figures with one cheap query when Prometheus scrapes, so the
values are right whichever process (web, worker) did the work, and survive restarts.
A collector never fails the scrape: when its source is away (database down, broker
unreachable) it yields nothing for that family and the readiness check or an
``absent()`` alert says why. ``describe()`` lists the families without touching any
source, so the registry can be introspected offline (dashboard lint test).

The gauges that read product data (documents by state, the filing backlog, stuck
returns, synthetic checks) live in ``apps.monitors.collectors``, above the product
apps; the monitors app registers them here from its ``AppConfig.ready``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# The fair OCR queues (``apps.documents.queueing.BULK_QUEUES``, decision 0029) are named here too: this app sits
# below documents and cannot import them; tests/observability/test_collectors.py keeps the two lists in step.
BULK_OCR_QUEUES = ("ocr.bulk.0", "ocr.bulk.1", "ocr.bulk.2", "ocr.bulk.3")
QUEUES = ("ocr", *BULK_OCR_QUEUES, "filing", "integrations", "maintenance", "default")
# Set on every published task by :func:`stamp_enqueue_time`; read back from the oldest message.
ENQUEUED_AT_HEADER = "x_enqueued_at"


def stamp_enqueue_time(headers: dict | None = None, **kwargs) -> None:
    """``before_task_publish``: record when the message entered its queue (unix seconds)."""
    if headers is not None and ENQUEUED_AT_HEADER not in headers:
        headers[ENQUEUED_AT_HEADER] = time.time()


def _message_enqueued_at(raw: bytes | None) -> float | None:
    """The enqueue time kept in a kombu Redis message (its task headers), if any."""
    if not raw:
        return None
    try:
        message = json.loads(raw)
        value = (message.get("headers") or {}).get(ENQUEUED_AT_HEADER)
        return float(value) if value is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


class QueueCollector(Collector):
    """Depth and oldest-message age per Celery queue, read from the Redis broker.

    kombu's Redis transport LPUSHes messages and consumers BRPOP them, so the element at
    index -1 is the oldest waiting message: one LLEN and one LINDEX per queue, O(1) each.
    The age is now minus the ``x_enqueued_at`` header stamped at publish time; an empty
    queue has age 0; a message published without the header (another producer) gives no
    age sample rather than a wrong one.
    """

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily("strongroom_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"]),
            GaugeMetricFamily(
                "strongroom_queue_oldest_message_age_seconds",
                "Seconds the oldest waiting message of each Celery queue has waited (0 when empty).",
                labels=["queue"],
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.conf import settings

        url = getattr(settings, "CELERY_BROKER_URL", "")
        if not url.startswith("redis"):
            return
        depth, age = self._families()
        try:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            pipe = client.pipeline(transaction=False)
            for queue in QUEUES:
                pipe.llen(queue)
                pipe.lindex(queue, -1)
            replies = pipe.execute()
        except Exception:  # a scrape must not fail because the broker is away (the readiness check says so)
            return
        now = time.time()
        for i, queue in enumerate(QUEUES):
            length, oldest = int(replies[2 * i]), replies[2 * i + 1]
            depth.add_metric([queue], length)
            if not length:
                age.add_metric([queue], 0)
            elif (enqueued := _message_enqueued_at(oldest)) is not None:
                age.add_metric([queue], max(0.0, now - enqueued))
        yield depth
        yield age


_registered: list[Callable[[], Collector]] = []


def register(factory: Callable[[], Collector]) -> None:
    """Add a scrape-time collector (a factory: one collector per scrape registry). Idempotent."""
    if factory not in _registered:
        _registered.append(factory)


def scrape_time_collectors() -> list[Collector]:
    return [QueueCollector(), *(factory() for factory in _registered)]
