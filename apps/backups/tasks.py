"""Celery tasks of backups (maintenance queue): thin wrappers over the services, scheduled in settings.

Hours-long work, unlike the rest of the queue: each task has its own time limits (``BACKUP_TASK_SOFT_TIME_LIMIT``)
instead of the five-minute default, and is acknowledged on receipt (``acks_late=False``): a run longer than the
broker's visibility timeout must not be delivered again and run twice. A run lost with its worker is followed
by the next scheduled one; a drill it leaves "running" is failed as abandoned when the next one is created.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.backups.services.schedule import scheduled_backup, scheduled_drill, verify_all

LONG = {
    "acks_late": False,
    "ignore_result": True,
    "soft_time_limit": settings.BACKUP_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.BACKUP_TASK_SOFT_TIME_LIMIT + 300,
}


@shared_task(name="maintenance.backup_database", **LONG)
def backup_database(*, kind: str = "incr") -> str:
    """Take a PostgreSQL backup (or the SQLite copy), then a documents snapshot; returns the catalog row id."""
    return scheduled_backup(kind)


@shared_task(name="maintenance.verify_backups", **LONG)
def verify_backups() -> dict:
    """Verify the repositories and reconcile document rows with their files."""
    return verify_all()


@shared_task(name="maintenance.restore_drill", **LONG)
def restore_drill(*, drill_id: str | None = None) -> str:
    """Run the given queued drill, or a scheduled one; the drill row records the outcome (never raises for a fail)."""
    return scheduled_drill(drill_id)
