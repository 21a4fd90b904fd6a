"""Gauges computed at scrape time: documents by state, Celery queues, filing backlog and stuck returns, synthetics.

Each collector reads its figures with one cheap query when Prometheus scrapes, so the
values are right whichever process (web, worker) did the work, and survive restarts.
A collector never fails the scrape: when its source is away (database down, broker
unreachable, the filing app not there yet) it yields nothing for that family and the
readiness check or an ``absent()`` alert says why. ``describe()`` lists the families
without touching any source, so the registry can be introspected offline (dashboard
lint test).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

QUEUES = ("ocr", "filing", "integrations", "maintenance", "default")
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


# PostgreSQL: documents_document has FORCE ROW LEVEL SECURITY and neither role bypasses it, so a
# cross-tenant count goes through this SECURITY DEFINER function (migration 0002), which visits each
# tenant in turn the way ledger_entry_check does, and returns only counts.
DOCUMENT_COUNTS_SQL = "SELECT state, n FROM strongroom_document_state_counts()"


def document_state_counts() -> dict[str, int]:
    """Documents per state over all tenants (one GROUP BY; on PostgreSQL through the definer function)."""
    from django.db import connection

    from apps.documents.models import Document, DocumentState

    counts = {state: 0 for state in DocumentState.values}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(DOCUMENT_COUNTS_SQL)
        else:
            table = connection.ops.quote_name(Document._meta.db_table)
            cursor.execute(f"SELECT state, COUNT(*) FROM {table} GROUP BY state")  # noqa: S608 (a model's table)
        for state, n in cursor.fetchall():
            counts[state] = counts.get(state, 0) + int(n)
    return counts


class DocumentsInStateCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "strongroom_documents_in_state", "Documents currently in each state (all tenants).", labels=["state"]
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts = document_state_counts()
        except Exception:  # database down: no sample; readiness and absent() alerts report it
            log.debug("documents_in_state: database unavailable", exc_info=True)
            return
        family = self._family()
        for state, n in sorted(counts.items()):
            family.add_metric([state], n)
        yield family


def filing_backlog() -> tuple[int, float] | None:
    """(approved returns not yet submitted, age of the oldest in seconds) from the filing app's selector.

    None while the filing app does not publish ``apps.filing.selectors.filing_backlog`` (no sample then).
    """
    try:
        from apps.filing.selectors import filing_backlog as select_backlog
    except ImportError:
        return None
    count, oldest = select_backlog()
    return int(count), float(oldest or 0)


class FilingBacklogCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "strongroom_filing_backlog_returns", "VAT returns approved but not yet submitted to HMRC."
            ),
            GaugeMetricFamily(
                "strongroom_filing_backlog_oldest_age_seconds",
                "Seconds since the oldest approved-but-unsubmitted VAT return was approved (0 when none).",
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            backlog = filing_backlog()
        except Exception:
            log.debug("filing backlog unavailable", exc_info=True)
            return
        if backlog is None:
            return
        count, age = self._families()
        count.add_metric([], backlog[0])
        age.add_metric([], backlog[1])
        yield count
        yield age


class FilingStuckCollector(Collector):
    """VAT returns stuck (mid-send past its lease, or waiting for a person), by state, from the filing selector."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "strongroom_filing_returns_stuck",
                "VAT returns stuck: submitting long past the attempt's lease, or approved and waiting for a person "
                "(automatic attempts used up, HMRC connection lost, HMRC's copy unreadable).",
                labels=["state"],
            ),
            GaugeMetricFamily(
                "strongroom_filing_returns_stuck_oldest_age_seconds",
                "Seconds the oldest stuck VAT return has been in that state (0 when none).",
                labels=["state"],
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            from apps.filing.selectors import stuck_returns

            stuck = stuck_returns()
        except Exception:
            log.debug("filing stuck returns unavailable", exc_info=True)
            return
        count, age = self._families()
        for state, (n, oldest) in sorted(stuck.items()):
            count.add_metric([state], n)
            age.add_metric([state], oldest)
        yield count
        yield age


class SyntheticCollector(Collector):
    """The latest synthetic run of each check, from the SyntheticRun table (one query)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "strongroom_synthetic_check_success",
                "1 if the latest run of a synthetic check passed.",
                labels=["check"],
            ),
            GaugeMetricFamily(
                "strongroom_synthetic_check_duration_seconds",
                "How long the latest run of a synthetic check took.",
                labels=["check"],
            ),
            GaugeMetricFamily(
                "strongroom_synthetic_check_last_success_timestamp_seconds",
                "Unix time of the last passing run of a synthetic check.",
                labels=["check"],
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            from apps.observability.selectors import synthetic_status

            statuses = synthetic_status()
        except Exception:
            log.debug("synthetic status unavailable", exc_info=True)
            return
        success, duration, last_success = self._families()
        for status in statuses:
            latest = status.latest
            if latest is not None and not latest.skipped:
                success.add_metric([status.check], 1 if latest.ok else 0)
                duration.add_metric([status.check], latest.duration_seconds)
            if status.last_success_at is not None:
                last_success.add_metric([status.check], status.last_success_at.timestamp())
        yield success
        yield duration
        yield last_success


def scrape_time_collectors() -> list[Collector]:
    return [
        QueueCollector(),
        DocumentsInStateCollector(),
        FilingBacklogCollector(),
        FilingStuckCollector(),
        SyntheticCollector(),
    ]
