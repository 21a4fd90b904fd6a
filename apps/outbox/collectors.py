"""Scrape-time gauges of the outbox: rows by state and dependency, and the age of the oldest still to happen.

Registered by ``MonitorsConfig`` with the other product gauges (one cheap GROUP BY each per scrape; a
scrape never fails because the database is down: the gauges are then absent). The outbox table is not
under row-level security, so no definer function is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apps.outbox.models import ACTIVE_STATES, OutboxItem, OutboxState

log = logging.getLogger(__name__)
REPORTED_STATES = (*ACTIVE_STATES, OutboxState.DEAD)  # done rows are history, not depth


class OutboxCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "strongroom_outbox_items",
                "Outbox rows still to happen (pending, dispatched, running, parked) and given up (dead), "
                "by state and dependency.",
                labels=["state", "dependency"],
            ),
            GaugeMetricFamily(
                "strongroom_outbox_oldest_age_seconds",
                "Seconds since the oldest outbox row still to happen was created, by task and state "
                "(absent when there is none).",
                labels=["task", "state"],
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            depth = list(
                OutboxItem.objects.filter(state__in=REPORTED_STATES)
                .values("state", "dependency")
                .annotate(n=Count("pk"))
            )
            oldest = list(
                OutboxItem.objects.filter(state__in=ACTIVE_STATES)
                .values("task_name", "state")
                .annotate(oldest=Min("created_at"))
            )
        except Exception:  # database down: no sample; readiness and absent() alerts report it
            log.debug("outbox gauges: database unavailable", exc_info=True)
            return
        items, age = self._families()
        counts = {(str(s), "none"): 0 for s in REPORTED_STATES}
        for row in depth:
            counts[(row["state"], row["dependency"] or "none")] = row["n"]
        for (state, dependency), n in sorted(counts.items()):
            items.add_metric([state, dependency], n)
        now = timezone.now()
        for row in sorted(oldest, key=lambda r: (r["task_name"], r["state"])):
            age.add_metric([row["task_name"], row["state"]], max(0.0, (now - row["oldest"]).total_seconds()))
        yield items
        yield age
