"""Celery tasks of backups (maintenance queue): thin wrappers over the services, scheduled in settings."""

from __future__ import annotations

from celery import shared_task

from apps.backups.services.schedule import scheduled_backup, scheduled_drill, verify_all


@shared_task(name="maintenance.backup_database", acks_late=False, ignore_result=True)
def backup_database(*, kind: str = "incr") -> str:
    """Take a PostgreSQL backup (or the SQLite copy), then a documents snapshot; returns the catalog row id."""

    return scheduled_backup(kind)


@shared_task(name="maintenance.verify_backups", ignore_result=True)
def verify_backups() -> dict:

    return verify_all()


@shared_task(name="maintenance.restore_drill", acks_late=False, ignore_result=True)
def restore_drill(*, drill_id: str | None = None) -> str:
    """Run the given queued drill, or a scheduled one; the drill row records the outcome (never raises for a fail)."""

    return scheduled_drill(drill_id)
