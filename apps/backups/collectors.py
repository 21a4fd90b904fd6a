"""Scrape-time gauges of backups, drills and WAL archiving (names in docs/monitoring.md, "Backups").

Computed from the catalog and ``pg_stat_archiver`` at scrape time, so every process (web, worker,
beat) reports the same values without shared state; like the other scrape-time collectors they run
a few cheap queries, never fail the scrape, and ``describe()`` touches no source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from django.db import connection
from django.db.models import Max
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apps.backups.models import Backup, BackupKind, BackupStatus, DrillStatus, RestoreDrill

log = logging.getLogger(__name__)

ARCHIVER_SQL = "SELECT failed_count, EXTRACT(EPOCH FROM (now() - last_archived_time)) FROM pg_stat_archiver"


class BackupCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "strongroom_backup_last_success_timestamp_seconds",
            "Unix time the newest succeeded backup of each kind finished.",
            labels=["kind"],
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            rows = dict(
                Backup.objects.filter(status=BackupStatus.SUCCEEDED, finished_at__isnull=False)
                .values("kind")
                .annotate(last=Max("finished_at"))
                .values_list("kind", "last")
            )
        except Exception:  # database down: no sample; absent() alerts report it
            log.debug("backup catalog unavailable", exc_info=True)
            return
        family = self._family()
        for kind in BackupKind.values:
            if rows.get(kind) is not None:
                family.add_metric([kind], rows[kind].timestamp())
        yield family


class DrillCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, ...]:
        return (
            GaugeMetricFamily(
                "strongroom_restore_drill_last_success_timestamp_seconds",
                "Unix time the newest passed restore drill finished.",
            ),
            GaugeMetricFamily(
                "strongroom_restore_drill_last_status",
                "Outcome of the newest finished restore drill (1 passed, 0 failed).",
            ),
            GaugeMetricFamily(
                "strongroom_restore_drill_rto_seconds", "Recovery time the newest finished drill measured."
            ),
            GaugeMetricFamily(
                "strongroom_restore_drill_rpo_seconds", "Recovery point the newest finished drill achieved (data lost)."
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            finished = RestoreDrill.objects.filter(status__in=[DrillStatus.PASSED, DrillStatus.FAILED])
            newest = finished.filter(finished_at__isnull=False).order_by("-finished_at").first()
            passed = finished.filter(status=DrillStatus.PASSED).order_by("-finished_at").first()
        except Exception:
            log.debug("restore drills unavailable", exc_info=True)
            return
        success, status, rto, rpo = self._families()
        if passed is not None and passed.finished_at is not None:
            success.add_metric([], passed.finished_at.timestamp())
        if newest is not None:
            status.add_metric([], 1.0 if newest.status == DrillStatus.PASSED else 0.0)
            if newest.rto_seconds is not None:
                rto.add_metric([], newest.rto_seconds)
            if newest.rpo_seconds is not None:
                rpo.add_metric([], newest.rpo_seconds)
        yield from (success, status, rto, rpo)


class WalArchiveCollector(Collector):
    """WAL archiving as PostgreSQL sees it: failures since the statistics reset, and the last success's age."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "strongroom_wal_archive_failed_count",
                "WAL segments archive_command failed to archive (pg_stat_archiver).",
            ),
            GaugeMetricFamily(
                "strongroom_wal_last_archived_age_seconds", "Seconds since the last WAL segment was archived."
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if connection.vendor != "postgresql":
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute(ARCHIVER_SQL)
                failed, age = cursor.fetchone()
        except Exception:
            log.debug("pg_stat_archiver unavailable", exc_info=True)
            return
        failed_family, age_family = self._families()
        failed_family.add_metric([], float(failed or 0))
        yield failed_family
        if age is not None:  # nothing archived yet: no sample (the alert on a missing series covers it)
            age_family.add_metric([], float(age))
            yield age_family


BACKUP_COLLECTORS: tuple[Callable[[], Collector], ...] = (BackupCollector, DrillCollector, WalArchiveCollector)
