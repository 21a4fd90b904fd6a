"""Housekeeping of the catalog shared by the tools' services."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.backups.models import Backup, BackupStatus
from apps.backups.states import move_backup


def fail_abandoned_backups(kinds: Iterable[str]) -> int:
    """Rows still "running" after longer than a backup task may run: their worker is gone. Failed, saying so."""
    now = timezone.now()
    limit = timedelta(seconds=settings.BACKUP_TASK_SOFT_TIME_LIMIT + 600)
    count = 0
    for row in Backup.objects.filter(kind__in=list(kinds), status=BackupStatus.RUNNING, started_at__lt=now - limit):
        move_backup(row, "fail", changes={"finished_at": now, "error": f"Abandoned: still running after {limit}."})
        count += 1
    return count
