"""Celery tasks of the monitors app: the synthetic checks (maintenance queue, every minute)."""

from __future__ import annotations

from celery import shared_task

from apps.monitors.synthetic import run_check


@shared_task(
    name="maintenance.synthetic_check",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=55,
    time_limit=60,
    ignore_result=True,
)
def synthetic_check(*, check: str) -> bool:
    """Run one synthetic check and store its run; a repeat (redelivery) just records another run."""
    return run_check(check).ok
