"""The backup catalog and the restore drills: platform tables (no tenant column, no row-level security).

One ``Backup`` row per backup taken (a pgBackRest full/differential/incremental backup, a restic
snapshot of the stored documents, or an embedded SQLite copy), filled from the tools' own JSON
(``pgbackrest info``, ``restic snapshots``) so the catalog says what the repository really holds.
One ``RestoreDrill`` row per drill: the proof, measured, that a backup restores.
Their ``status`` columns change only through ``apps.backups.states``.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models


class BackupKind(models.TextChoices):
    PG_FULL = "pg_full", "PostgreSQL full"
    PG_DIFF = "pg_diff", "PostgreSQL differential"
    PG_INCR = "pg_incr", "PostgreSQL incremental"
    DOCUMENTS = "documents", "Documents snapshot"
    SQLITE = "sqlite", "SQLite copy"


PG_KINDS = (BackupKind.PG_FULL, BackupKind.PG_DIFF, BackupKind.PG_INCR)


class BackupStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Verification(models.TextChoices):
    NONE = "", "Not verified"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class Backup(models.Model):
    """One backup in the catalog."""

    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=BackupKind.choices)
    # pgBackRest's label, restic's snapshot id, or the SQLite copy's file name.
    label = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=BackupStatus.choices, default=BackupStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    database_bytes = models.BigIntegerField(null=True, blank=True)
    repository_bytes = models.BigIntegerField(null=True, blank=True)
    wal_start = models.CharField(max_length=40, blank=True)
    wal_stop = models.CharField(max_length=40, blank=True)
    lsn_start = models.CharField(max_length=40, blank=True)
    lsn_stop = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    verification = models.CharField(max_length=8, choices=Verification.choices, blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)  # anything else from pgbackrest info / restic summary

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "status", "-started_at"], name="backups_kind_status_started")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "label"], condition=~models.Q(label=""), name="backups_backup_unique_label"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label or self.pk} ({self.status})"


class DrillTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Manual (staff console)"
    COMMAND = "command", "Command"


class DrillKind(models.TextChoices):
    LATEST = "latest", "Latest backup"
    PITR = "pitr", "Point in time"


class DrillStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class RestoreDrill(models.Model):
    """One restore drill: what was restored, how long each phase took, what the checks found."""

    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    trigger = models.CharField(max_length=16, choices=DrillTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=DrillKind.choices, default=DrillKind.LATEST)
    target_time = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=DrillStatus.choices, default=DrillStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    backup_label = models.CharField(max_length=100, blank=True)
    rto_seconds = models.FloatField(null=True, blank=True)
    rpo_seconds = models.FloatField(null=True, blank=True)
    phases = models.JSONField(default=dict, blank=True)  # {"restore": s, "replay": s, "verify": s, "app_ready": s}
    checks = models.JSONField(default=list, blank=True)  # [{"name": str, "passed": bool, "detail": str}]
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Restore drill {self.pk} ({self.status})"
