"""Celery tasks of the monitors app: the synthetic checks (maintenance queue, every minute)."""

from __future__ import annotations

from celery import shared_task

from apps.monitors.banners import sync_breaker_banners as sync
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


@shared_task(name="maintenance.sync_breaker_banners", ignore_result=True, soft_time_limit=25, time_limit=30)
def sync_breaker_banners() -> dict[str, str]:
    """Breaker banners follow the shared breaker state (repairs a lost open/close announcement)."""
    return sync()
