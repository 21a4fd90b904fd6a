"""Chaos runs: the write (from ``manage.py chaos``) and the reads (the staff console, the metrics)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from apps.monitors.models import ChaosRun


def record_chaos_run(
    *,
    experiment: str,
    tier: str,
    started_at: datetime,
    finished_at: datetime,
    status: str,
    deviated: bool,
    figures: dict,
    journal: dict,
    journal_path: str = "",
) -> ChaosRun:
    """Store one run; lost, duplicated and drain time are lifted out of the figures for listing and metrics."""
    return ChaosRun.objects.create(
        experiment=experiment,
        tier=tier,
        started_at=started_at,
        finished_at=finished_at,
        status=status,
        deviated=deviated,
        lost=int(figures.get("lost") or 0),
        duplicated=int(figures.get("duplicated") or 0),
        drain_seconds=figures.get("drain_seconds"),
        figures=figures,
        journal=journal,
        journal_path=journal_path,
    )


def recent_chaos_runs(limit: int = 100) -> QuerySet[ChaosRun]:
    return ChaosRun.objects.defer("journal")[:limit]


def latest_chaos_runs(window: int = 500) -> list[ChaosRun]:
    """The newest run of each experiment among the last ``window`` (for the metrics and the console's summary)."""
    latest: dict[str, ChaosRun] = {}
    for run in ChaosRun.objects.defer("journal").order_by("-started_at")[:window]:
        latest.setdefault(run.experiment, run)
    return sorted(latest.values(), key=lambda r: r.experiment)
