"""Celery tasks of the dev tools: the weekly chaos run (staging only; see settings.CHAOS_WEEKLY)."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command
from django.core.management.base import CommandError

# The full set takes most of an hour on a small machine; the worker's default limits (6 minutes) would kill it.
CHAOS_TIME_LIMIT = 3 * 3600


@shared_task(
    name="maintenance.run_chaos_experiments",
    acks_late=False,  # never run twice because a worker died: the experiments kill workers on purpose
    soft_time_limit=CHAOS_TIME_LIMIT - 60,
    time_limit=CHAOS_TIME_LIMIT,
    ignore_result=True,
)
def run_chaos_experiments() -> bool:
    """Every experiment, full length, against a stack of its own; the runs are stored (staff console, metrics)."""
    try:
        call_command("chaos", "--full")
    except CommandError:
        return False  # a deviation is a result, stored with its figures, not a task failure to retry
    return True
