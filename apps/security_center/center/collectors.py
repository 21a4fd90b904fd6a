"""Scrape-time gauges of the security center (docs/monitoring.md, "Security center"; decision 0027).

Read from the last recorded check run and chain verification, so every process
reports the same values. Label cardinality is bounded: ``check`` (the registered
ids) by ``status`` (five values); per-business results are summed into those
counts, never labelled by business.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apps.security_center.checks import Status
from apps.security_center.models import ChainVerification, CheckRecord, CheckRun

log = logging.getLogger(__name__)


class SecurityCheckCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "strongroom_security_check_status",
                "Scopes (the platform and each business) whose last recorded result of the check has this status.",
                labels=["check", "status"],
            ),
            GaugeMetricFamily(
                "strongroom_security_checks_last_run_timestamp_seconds",
                "Unix time the last run of every security check finished.",
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            run = CheckRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
            counts = (
                list(
                    CheckRecord.objects.filter(run=run)
                    .values("check_id", "status")
                    .annotate(n=Count("id"))
                    .values_list("check_id", "status", "n")
                )
                if run
                else []
            )
        except Exception:  # database down: no sample; absent() alerts report it
            log.debug("security check runs unavailable", exc_info=True)
            return
        status_family, last_family = self._families()
        seen: dict[str, dict[str, int]] = {}
        for check_id, status, n in counts:
            seen.setdefault(check_id, {})[status] = n
        for check_id, by_status in sorted(seen.items()):
            for status in Status:
                status_family.add_metric([check_id, str(status)], float(by_status.get(str(status), 0)))
        yield status_family
        if run is not None:
            last_family.add_metric([], run.finished_at.timestamp())
            yield last_family


class AuditChainCollector(Collector):
    """The gauges the AuditChainBroken and AuditChainVerificationStale alerts read."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "strongroom_audit_chain_verified",
                "Whether the last verification found every audit chain intact (1) or not (0).",
                labels=["chain"],
            ),
            GaugeMetricFamily(
                "strongroom_audit_chain_last_verified_timestamp_seconds",
                "Unix time every audit chain was last verified.",
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            last = ChainVerification.objects.order_by("-verified_at").first()
        except Exception:
            log.debug("chain verifications unavailable", exc_info=True)
            return
        if last is None:  # never verified: no sample (the staleness alert's absent() fires)
            return
        verified, timestamp = self._families()
        verified.add_metric(["all"], 1.0 if last.ok else 0.0)
        timestamp.add_metric([], last.verified_at.timestamp())
        yield from (verified, timestamp)


SECURITY_COLLECTORS: tuple[Callable[[], Collector], ...] = (SecurityCheckCollector, AuditChainCollector)
