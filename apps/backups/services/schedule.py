"""What the beat schedule runs: the database backup then the documents snapshot, verification, drills."""

from __future__ import annotations

from apps.backups.errors import BackupNotConfigured


def scheduled_backup(kind: str) -> str:
    raise BackupNotConfigured("Scheduled backups are being built (issue #16).")


def verify_all() -> dict:
    raise BackupNotConfigured("Backup verification is being built (issue #16).")


def scheduled_drill(drill_id: str | None) -> str:
    raise BackupNotConfigured("Restore drills are being built (issue #16).")
