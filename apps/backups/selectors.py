"""Reads of the backup catalog and the drills, for the staff console, the business settings page and the gauges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.db.models import QuerySet

from apps.backups.models import PG_KINDS, Backup, BackupStatus, DrillStatus, RestoreDrill


def catalog(limit: int = 100) -> QuerySet[Backup]:
    """The newest backups first."""
    return Backup.objects.all()[:limit]


def last_successful(kinds: tuple[str, ...]) -> Backup | None:
    """The newest succeeded backup of any of ``kinds``."""
    return Backup.objects.filter(kind__in=kinds, status=BackupStatus.SUCCEEDED).order_by("-finished_at").first()


def pitr_available() -> bool:
    """Point-in-time recovery needs PostgreSQL with pgBackRest configured (WAL archived)."""
    return connection.vendor == "postgresql" and bool(settings.BACKUP_ENABLED and settings.PGBACKREST_STANZA)


def recoverable_window() -> tuple[datetime, datetime] | None:
    """The earliest and latest points a restore can reach: the oldest backup's end to the newest archived WAL.

    The latest point is the stop time the last ``pgbackrest info`` reported for the archive (kept in that
    backup's ``details["archive_stop_time"]``), or the newest backup's end when it is unknown. ``None`` on
    SQLite (each copy is a point, not a window) or with no PostgreSQL backup yet.
    """
    if connection.vendor != "postgresql":
        return None
    done = Backup.objects.filter(kind__in=PG_KINDS, status=BackupStatus.SUCCEEDED, finished_at__isnull=False).exclude(
        details__has_key="expired_at"
    )  # expired: no longer in the repository
    oldest = done.order_by("finished_at").first()
    newest = done.order_by("-finished_at").first()
    if oldest is None or newest is None:
        return None
    latest = newest.finished_at
    archived = (newest.details or {}).get("archive_stop_time")
    if archived:
        parsed = datetime.fromisoformat(archived)
        latest = max(latest, parsed)
    return oldest.finished_at, latest


def drills(limit: int = 50) -> QuerySet[RestoreDrill]:
    """The newest drills first (queued ones, not yet started, at the top)."""
    return RestoreDrill.objects.select_related("requested_by").order_by("-created_at")[:limit]


def last_passed_drill() -> RestoreDrill | None:
    return RestoreDrill.objects.filter(status=DrillStatus.PASSED).order_by("-finished_at").first()


def _database_facts() -> dict[str, Any]:
    db = settings.DATABASES["default"]
    return {
        "engine": connection.vendor,
        "host": db.get("HOST") or ("local socket" if connection.vendor == "postgresql" else ""),
        "name": str(db.get("NAME", "")),
    }


def _document_storage_facts() -> dict[str, str]:
    if isinstance(default_storage, FileSystemStorage):
        return {"backend": "filesystem", "location": str(default_storage.location)}
    bucket = getattr(default_storage, "bucket_name", "") or settings.DOCUMENT_S3_BUCKET
    endpoint = getattr(default_storage, "endpoint_url", None) or "AWS S3"
    return {"backend": "s3", "location": f"{bucket} ({endpoint})"}


def storage_facts() -> dict[str, Any]:
    """Where the data and its backups live, from the configuration (never a secret: no keys, no passwords)."""
    postgres = connection.vendor == "postgresql"
    repositories: list[dict[str, str]] = []
    if postgres and settings.BACKUP_ENABLED:
        repositories.append(
            {"kind": "pgbackrest", "location": settings.PGBACKREST_REPO_PATH, "stanza": settings.PGBACKREST_STANZA}
        )
    if settings.RESTIC_REPOSITORY:
        repositories.append({"kind": "restic", "location": _without_credentials(settings.RESTIC_REPOSITORY)})
    if not postgres:
        repositories.append({"kind": "sqlite", "location": str(settings.BACKUP_DIR)})
    return {
        "database": _database_facts(),
        "documents": _document_storage_facts(),
        "repositories": repositories,
        "pitr_available": pitr_available(),
        "rto_objective_seconds": settings.BACKUP_RTO_OBJECTIVE_SECONDS,
        "rpo_objective_seconds": settings.BACKUP_RPO_OBJECTIVE_SECONDS,
    }


def _without_credentials(location: str) -> str:
    """``s3:https://key:secret@host/bucket`` → ``s3:https://host/bucket`` (a URL may carry credentials)."""
    scheme, sep, rest = location.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return location
