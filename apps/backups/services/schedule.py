"""What the beat schedule runs: a database backup then the documents snapshot, the daily verification, drills."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.backups.errors import BackupError
from apps.backups.models import Backup, BackupKind, BackupStatus, DrillTrigger
from apps.backups.services import pgbackrest, restic, sqlite
from apps.backups.services.drill import run_drill, run_queued
from apps.backups.services.reconcile import reconcile_files

log = logging.getLogger(__name__)


def scheduled_backup(kind: str) -> str:
    """The database backup of ``kind`` (the SQLite copy on the embedded default), then the documents snapshot."""
    if connection.vendor == "sqlite":
        return str(sqlite.backup_sqlite().pk)
    if not settings.BACKUP_ENABLED:
        return "disabled"
    database = pgbackrest.take_backup(kind)
    if settings.RESTIC_REPOSITORY:
        restic.snapshot_documents(after=database)
    return str(database.pk)


def verify_all() -> dict:
    """Verify the repositories and reconcile the live document rows with their files, hash by hash."""
    results: dict[str, object] = {}
    if connection.vendor == "postgresql" and settings.BACKUP_ENABLED:
        results["pgbackrest"] = pgbackrest.verify_repository()
    if settings.RESTIC_REPOSITORY:
        results["restic"] = restic.verify_snapshots()
    report = reconcile_files()
    results["documents"] = report.as_dict() | {"ok": report.ok}
    newest = (
        Backup.objects.filter(kind__in=[BackupKind.DOCUMENTS, BackupKind.SQLITE], status=BackupStatus.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )
    if newest is not None:
        newest.details = {**newest.details, "reconciliation": {"at": timezone.now().isoformat(), **report.as_dict()}}
        newest.save(update_fields=["details"])
    if not report.ok:
        log.error("backups.reconciliation_failed", extra={"detail": report.describe()})
    return results


def scheduled_drill(drill_id: str | None) -> str:
    """A queued drill (staff console) or a scheduled one; the row records the outcome."""
    if drill_id:
        return run_queued(drill_id).status
    if connection.vendor != "postgresql" or not settings.BACKUP_ENABLED:
        return "disabled"
    try:
        return run_drill(trigger=DrillTrigger.SCHEDULE).status
    except BackupError as exc:  # another drill is running: this one is skipped, not failed
        log.warning("backups.drill_skipped", extra={"detail": str(exc)})
        return "skipped"
