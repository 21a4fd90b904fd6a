"""Chaos runs as stored by manage.py chaos: the newest per experiment, and the strongroom_chaos_* gauges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.monitors.chaos import latest_chaos_runs, record_chaos_run
from apps.monitors.collectors import ChaosCollector

pytestmark = pytest.mark.django_db


def record(experiment: str, status: str = "passed", *, ago: int = 0, **figures):
    when = timezone.now() - timedelta(hours=ago)
    return record_chaos_run(experiment=experiment, tier="short", started_at=when, finished_at=when, status=status,
                            deviated=status == "deviated", figures=figures, journal={"run": []})  # fmt: skip


def test_the_figures_are_lifted_out_for_listing():
    run = record("latency", lost=2, duplicated=1, drain_seconds=42.5)
    assert (run.lost, run.duplicated, run.drain_seconds) == (2, 1, 42.5)


def test_latest_is_the_newest_run_of_each_experiment():
    record("redis-restart", "deviated", ago=2, lost=4)
    newest = record("redis-restart", ago=1, drain_seconds=3.0)
    other = record("latency", drain_seconds=9.0)
    assert latest_chaos_runs() == [other, newest]


def test_the_collector_exports_the_newest_figures():
    record("redis-restart", "deviated", lost=4, drain_seconds=None)
    record("latency", drain_seconds=9.0)
    families = {f.name: {s.labels["experiment"]: s.value for s in f.samples} for f in ChaosCollector().collect()}
    assert families["strongroom_chaos_last_run_passed"] == {"latency": 1, "redis-restart": 0}
    assert families["strongroom_chaos_last_run_lost"] == {"latency": 0, "redis-restart": 4}
    assert families["strongroom_chaos_last_run_drain_seconds"] == {"latency": 9.0}  # not drained: no sample
