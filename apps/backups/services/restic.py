"""restic: snapshots of the stored documents, taken after each database backup, and their restore.

Files are content-named and never rewritten (apps/documents/services/storage.py), so a snapshot taken
after the database backup holds every file a row of that backup points at; restic deduplicates, so a
snapshot costs only the files added since the last one. The password file is generated at set-up
(0600, outside the repository tree) and only its path is configured here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.backups.errors import BackupError, BackupNotConfigured
from apps.backups.models import Backup, BackupKind, BackupStatus, Verification
from apps.backups.services.catalog import fail_abandoned_backups
from apps.backups.services.process import run
from apps.backups.states import move_backup

TAG = "strongroom-documents"


@dataclass(frozen=True)
class Restic:
    repository: str = field(default_factory=lambda: settings.RESTIC_REPOSITORY)
    password_file: str = field(default_factory=lambda: settings.RESTIC_PASSWORD_FILE)
    cache_dir: str = field(default_factory=lambda: settings.RESTIC_CACHE_DIR)

    def _env(self) -> dict[str, str]:
        if not (self.repository and self.password_file):
            raise BackupNotConfigured("RESTIC_REPOSITORY and RESTIC_PASSWORD_FILE must be set to snapshot documents.")
        return {
            "RESTIC_REPOSITORY": self.repository,
            "RESTIC_PASSWORD_FILE": self.password_file,
            "RESTIC_CACHE_DIR": self.cache_dir,
        }

    def run(self, *args: str, timeout: float = 6 * 3600, probe: bool = False) -> str:
        return run(["restic", *args], env=self._env(), timeout=timeout, what=f"restic {args[0]}", probe=probe)

    def init(self) -> None:
        """Create the repository unless it exists already (idempotent)."""
        try:
            self.run("cat", "config", timeout=120, probe=True)
        except BackupError:
            self.run("init", timeout=300)

    def backup(self, path: str) -> dict[str, Any]:
        """Snapshot ``path``; the final ``summary`` message (snapshot_id, data_added, total_bytes_processed…)."""
        out = self.run("backup", "--json", "--tag", TAG, path)
        for line in reversed(out.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                message = json.loads(line)
                if message.get("message_type") == "summary":
                    return message
        raise BackupError("restic backup finished without a summary.")

    def snapshots(self) -> list[dict[str, Any]]:
        return json.loads(self.run("snapshots", "--json", "--tag", TAG, timeout=600) or "[]")

    def restore(self, snapshot_id: str, target: str) -> None:
        """Restore a snapshot under ``target`` (restic recreates the absolute path below it)."""
        self.run("restore", snapshot_id, "--target", target)

    def check(self, read_data: bool = True) -> None:
        self.run("check", *(["--read-data"] if read_data else []))


def media_root() -> Path:
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupNotConfigured(
            "Documents are in object storage: protect them with bucket versioning and replication, not restic."
        )
    return Path(default_storage.location).resolve()


def sync_catalog(snapshots: list[dict[str, Any]]) -> list[Backup]:
    """One ``documents`` row per snapshot (``restic snapshots --json``), matched by the short id."""
    rows = []
    for snapshot in snapshots:
        label = snapshot.get("short_id") or str(snapshot.get("id", ""))[:8]
        taken = parse_datetime(snapshot.get("time", "")) or timezone.now()
        row, _ = Backup.objects.get_or_create(
            kind=BackupKind.DOCUMENTS,
            label=label,
            defaults={"status": BackupStatus.SUCCEEDED, "started_at": taken, "finished_at": taken},
        )
        row.details = {**row.details, "snapshot_id": snapshot.get("id", ""), "paths": snapshot.get("paths", [])}
        row.save(update_fields=["details"])
        rows.append(row)
    return rows


def snapshot_documents(tool: Restic | None = None, after: Backup | None = None) -> Backup:
    """Snapshot the document storage and record it (``after``: the database backup it follows)."""
    tool = tool or Restic()
    root = media_root()
    fail_abandoned_backups([BackupKind.DOCUMENTS])
    row = Backup.objects.create(kind=BackupKind.DOCUMENTS, started_at=timezone.now())
    try:
        root.mkdir(parents=True, exist_ok=True)
        tool.init()
        summary = tool.backup(str(root))
    except BackupError as exc:
        move_backup(row, "fail", changes={"finished_at": timezone.now(), "error": str(exc)})
        raise
    move_backup(
        row,
        "succeed",
        changes={
            "label": str(summary.get("snapshot_id", ""))[:8],
            "finished_at": timezone.now(),
            "database_bytes": summary.get("total_bytes_processed"),
            "repository_bytes": summary.get("data_added"),
            "details": {
                "snapshot_id": summary.get("snapshot_id", ""),
                "paths": [str(root)],
                "files_new": summary.get("files_new"),
                "files_changed": summary.get("files_changed"),
                "total_files_processed": summary.get("total_files_processed"),
                "after_backup": after.label if after else "",
            },
        },
    )
    return row


def snapshot_for(target: datetime | None) -> Backup | None:
    """The snapshot to restore with a database restored to ``target``: the first taken at or after it, else the newest.

    Files are never rewritten, so a later snapshot is a superset of what the rows at ``target`` point at.
    """
    done = Backup.objects.filter(kind=BackupKind.DOCUMENTS, status=BackupStatus.SUCCEEDED).exclude(label="")
    if target is not None:
        after = done.filter(finished_at__gte=target).order_by("finished_at").first()
        if after is not None:
            return after
    return done.order_by("-finished_at").first()


def restored_root(target: str, snapshot: Backup) -> Path:
    """Where the media root of ``snapshot`` lands below ``target`` (restic keeps absolute paths)."""
    paths = snapshot.details.get("paths") or [str(media_root())]
    return Path(target) / str(paths[0]).lstrip(os.sep)


def verify_snapshots(tool: Restic | None = None) -> bool:
    tool = tool or Restic()
    try:
        tool.check(read_data=True)
        passed, note = True, ""
    except BackupError as exc:
        passed, note = False, str(exc)
    for row in Backup.objects.filter(kind=BackupKind.DOCUMENTS, status=BackupStatus.SUCCEEDED):
        row.verification = Verification.PASSED if passed else Verification.FAILED
        row.verified_at = timezone.now()
        if note:
            row.details = {**row.details, "verify_error": note}
        row.save(update_fields=["verification", "verified_at", "details"])
    return passed
