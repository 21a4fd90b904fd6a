"""The embedded default (SQLite): a consistent copy through SQLite's online backup API, and the documents beside it.

``sqlite3.Connection.backup`` copies page by page while the application keeps writing, and the copy
is one consistent state. The media snapshot copies each file once: a file already in the previous
snapshot (names are content hashes, never rewritten) is hard-linked from there instead of copied.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.backups.errors import BackupError, BackupNotConfigured, RestoreRefused
from apps.backups.models import Backup, BackupKind, BackupStatus
from apps.backups.states import move_backup


def _database_path() -> Path:
    if connection.vendor != "sqlite":
        raise BackupNotConfigured("The SQLite copy is for the embedded default; PostgreSQL uses pgBackRest.")
    name = str(connection.settings_dict["NAME"])
    if name in {"", ":memory:"} or name.startswith("file:"):
        raise BackupNotConfigured("An in-memory SQLite database cannot be backed up.")
    return Path(name)


def _snapshot_media(source: Path, into: Path, previous: Path | None) -> int:
    """Copy ``source`` into ``into``, hard-linking files unchanged since ``previous``; the number of files."""
    files = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith(".upload-"):
            continue
        relative = path.relative_to(source)
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        earlier = previous / relative if previous else None
        if earlier and earlier.is_file() and earlier.stat().st_size == path.stat().st_size:
            try:
                os.link(earlier, target)
                files += 1
                continue
            except OSError:  # another filesystem: copy instead
                pass
        shutil.copy2(path, target)
        files += 1
    return files


def backup_sqlite() -> Backup:
    """One copy of the database and the documents under ``BACKUP_DIR/<stamp>/``, recorded in the catalog."""
    source = _database_path()
    started = timezone.now()
    stamp = started.strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(settings.BACKUP_DIR) / stamp
    row = Backup.objects.create(kind=BackupKind.SQLITE, label=f"{stamp}/{source.name}", started_at=started)
    previous = (
        Backup.objects.filter(kind=BackupKind.SQLITE, status=BackupStatus.SUCCEEDED).order_by("-started_at").first()
    )
    previous_media = Path(previous.details["media"]) if previous and previous.details.get("media") else None
    try:
        folder.mkdir(parents=True, mode=0o700)
        copy = folder / source.name
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        with sqlite3.connect(copy) as check:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"The copy failed SQLite's integrity check: {result}")
        media = Path(settings.MEDIA_ROOT)
        files = _snapshot_media(media, folder / "media", previous_media) if media.is_dir() else 0
    except (OSError, sqlite3.Error, BackupError) as exc:
        move_backup(row, "fail", changes={"finished_at": timezone.now(), "error": str(exc)})
        raise BackupError(f"The SQLite backup failed: {exc}") from exc
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    move_backup(
        row,
        "succeed",
        changes={
            "finished_at": timezone.now(),
            "database_bytes": copy.stat().st_size,
            "repository_bytes": size,
            "verification": "passed",
            "verified_at": timezone.now(),
            "details": {"path": str(copy), "media": str(folder / "media"), "files": files, "integrity": result},
        },
    )
    _expire(settings.BACKUP_SQLITE_KEEP)
    return row


def _expire(keep: int) -> None:
    done = Backup.objects.filter(kind=BackupKind.SQLITE, status=BackupStatus.SUCCEEDED).order_by("-started_at")
    for old in done[keep:]:
        folder = Path(old.details.get("path", "")).parent
        if folder.is_dir() and folder.parent == Path(settings.BACKUP_DIR):
            shutil.rmtree(folder, ignore_errors=True)
        old.details = {**old.details, "expired_at": timezone.now().isoformat()}
        old.save(update_fields=["details"])


def restore_sqlite(backup: Backup, target: Path, *, media_target: Path | None = None, overwrite: bool = False) -> dict:
    """Copy a SQLite backup (and its documents) to ``target``; an existing database is refused without ``overwrite``."""
    copy = Path(backup.details.get("path", ""))
    if not copy.is_file():
        raise BackupError(f"The backup file {copy} is gone.")
    for path in (target, media_target):
        if path is not None and path.exists() and not overwrite:
            raise RestoreRefused(f"{path} exists (it may be live). Pass --overwrite to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(copy) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    files = 0
    media = Path(backup.details.get("media", ""))
    if media_target is not None and media.is_dir():
        files = _snapshot_media(media, media_target, None)
    return {"database": str(target), "documents": str(media_target) if media_target else "", "files": files}
