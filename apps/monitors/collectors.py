"""Scrape-time gauges that read product data: documents by state, filing backlog and stuck returns, synthetics.

They follow the rules of ``apps.observability.collectors`` (one cheap query per scrape, never
fail the scrape, ``describe()`` touches no source) and are registered there by
``MonitorsConfig.ready``; they live here because they read the product apps, which sit
above observability.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import connection
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apps.documents.models import Document, DocumentState, ReconciliationReport
from apps.filing import selectors as filing_selectors
from apps.integrations import breakers
from apps.observability.selectors import synthetic_status
from apps.outbox.collectors import OutboxCollector

log = logging.getLogger(__name__)


# PostgreSQL: stored counters kept by triggers on the documents table (observability migration 0005), so a
# scrape reads at most states x stripes rows however many tenants and documents there are. Counting the
# documents themselves would visit every tenant's rows (FORCE ROW LEVEL SECURITY) at every scrape.
DOCUMENT_COUNTS_SQL = "SELECT state, sum(n) FROM observability_documentstatetally GROUP BY state"


def document_state_counts() -> dict[str, int]:
    """Documents per state over all tenants: the stored tally on PostgreSQL, one GROUP BY elsewhere (the demo)."""
    counts = {state: 0 for state in DocumentState.values}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(DOCUMENT_COUNTS_SQL)
        else:
            table = connection.ops.quote_name(Document._meta.db_table)
            cursor.execute(f"SELECT state, COUNT(*) FROM {table} GROUP BY state")  # noqa: S608 (a model's table)
        for state, n in cursor.fetchall():
            counts[state] = counts.get(state, 0) + max(int(n), 0)
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
    """(approved returns not yet submitted, age of the oldest in seconds) from the filing app's selector."""
    count, oldest = filing_selectors.filing_backlog()
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
            stuck = filing_selectors.stuck_returns()
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


BREAKER_STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}


class BreakerStateCollector(Collector):
    """strongroom_circuit_breaker_state{breaker}: read from the shared store, so every process reports the same."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "strongroom_circuit_breaker_state",
            "Circuit breaker state per external service: 0 closed, 1 half-open, 2 open.",
            labels=["breaker"],
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        for key in breakers.KEYS:
            try:
                family.add_metric([key], BREAKER_STATE_VALUES[breakers.state(key)])
            except Exception:  # never fail the scrape
                log.debug("breaker state unavailable", exc_info=True)
        yield family


class DocumentStoreCollector(Collector):
    """1 when the latest reconciliation refused to act because the document store looked absent (issue #17)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "strongroom_document_store_unavailable",
            "1 if the latest document reconciliation found the store absent (no or another marker, most sampled "
            "files missing) and changed nothing; 0 otherwise.",
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            latest = ReconciliationReport.objects.only("store_problem").first()
        except Exception:
            log.debug("document store status unavailable", exc_info=True)
            return
        family = self._family()
        family.add_metric([], 1 if latest is not None and latest.store_problem else 0)
        yield family


class ChaosCollector(Collector):
    """The newest chaos run of each experiment: passed, lost, duplicated, drain time, when (manage.py chaos)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, ...]:
        labels = ["experiment"]
        return (
            GaugeMetricFamily(
                "strongroom_chaos_last_run_passed",
                "1 if the newest run of the chaos experiment held its steady state, else 0.",
                labels=labels,
            ),
            GaugeMetricFamily(
                "strongroom_chaos_last_run_lost", "Documents or returns lost in the newest run.", labels=labels
            ),
            GaugeMetricFamily(
                "strongroom_chaos_last_run_duplicated", "Effects done twice in the newest run.", labels=labels
            ),
            GaugeMetricFamily(
                "strongroom_chaos_last_run_drain_seconds",
                "Seconds from recovery until the backlog drained in the newest run (absent when it did not drain).",
                labels=labels,
            ),
            GaugeMetricFamily(
                "strongroom_chaos_last_run_timestamp_seconds", "When the newest run finished.", labels=labels
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from apps.monitors.chaos import latest_chaos_runs

        try:
            runs = latest_chaos_runs()
        except Exception:
            log.debug("chaos runs unavailable", exc_info=True)
            return
        passed, lost, duplicated, drain, when = self._families()
        for run in runs:
            passed.add_metric([run.experiment], 1 if run.status == "passed" else 0)
            lost.add_metric([run.experiment], run.lost)
            duplicated.add_metric([run.experiment], run.duplicated)
            if run.drain_seconds is not None:
                drain.add_metric([run.experiment], run.drain_seconds)
            when.add_metric([run.experiment], run.finished_at.timestamp())
        yield from (passed, lost, duplicated, drain, when)


PRODUCT_COLLECTORS = (
    DocumentsInStateCollector,
    FilingBacklogCollector,
    FilingStuckCollector,
    SyntheticCollector,
    BreakerStateCollector,
    DocumentStoreCollector,
    OutboxCollector,
    ChaosCollector,
)
