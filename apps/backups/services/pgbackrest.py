"""pgBackRest: stanza, backups, expiry, verification and ``info`` → catalog rows.

The tool owns the repository and the WAL archive (``archive_command`` pushes each segment;
``archive_timeout`` bounds how old the newest archived change can be). We only drive it and
record what ``pgbackrest info --output=json`` reports, so the catalog never claims a backup the
repository does not hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.backups.errors import BackupError, BackupNotConfigured
from apps.backups.models import Backup, BackupKind, BackupStatus, Verification
from apps.backups.services.catalog import fail_abandoned_backups
from apps.backups.services.process import as_os_user, run
from apps.backups.states import move_backup

KINDS = {"full": BackupKind.PG_FULL, "diff": BackupKind.PG_DIFF, "incr": BackupKind.PG_INCR}


@dataclass(frozen=True)
class PgBackRest:
    """One stanza in one configuration file, run as the database's OS user."""

    config: str = field(default_factory=lambda: settings.PGBACKREST_CONFIG)
    stanza: str = field(default_factory=lambda: settings.PGBACKREST_STANZA)
    os_user: str = field(default_factory=lambda: settings.PGBACKREST_OS_USER)

    def command(self, name: str, *options: str) -> list[str]:
        return as_os_user(
            ["pgbackrest", f"--config={self.config}", f"--stanza={self.stanza}", *options, name], self.os_user
        )

    def run(self, name: str, *options: str, timeout: float = 6 * 3600) -> str:
        return run(self.command(name, *options), timeout=timeout, what=f"pgbackrest {name}")

    def stanza_create(self) -> None:
        self.run("stanza-create", timeout=600)

    def check(self) -> None:
        """Switch WAL and wait until the segment is archived (also proves archive_command works)."""
        self.run("check", timeout=600)

    def backup(self, kind: str) -> None:
        if kind not in KINDS:
            raise BackupError(f"Unknown backup type {kind!r}: use full, diff or incr.")
        self.run("backup", f"--type={kind}")

    def expire(self) -> None:
        self.run("expire", timeout=3600)

    def verify(self) -> str:
        return self.run("verify", timeout=6 * 3600)

    def info(self) -> dict[str, Any]:
        """This stanza's entry of ``pgbackrest info --output=json``."""
        out = self.run("info", "--output=json", timeout=300)
        stanzas = json.loads(out or "[]")
        for stanza in stanzas:
            if stanza.get("name") == self.stanza:
                return stanza
        raise BackupNotConfigured(f"pgBackRest has no stanza {self.stanza!r} in {self.config}.")

    def restore_logged(
        self, data_dir: str, *, target_time: datetime | None = None, label: str = "", delta: bool = False
    ) -> str:
        """``restore`` with its info log on standard output (which backup set it chose)."""
        return self.restore(
            data_dir, target_time=target_time, label=label, delta=delta, extra=("--log-level-console=info",)
        )

    def restore(
        self,
        data_dir: str,
        *,
        target_time: datetime | None = None,
        label: str = "",
        delta: bool = False,
        extra: tuple[str, ...] = (),
    ) -> str:
        """Restore into ``data_dir`` (empty, or ``delta``); to ``target_time`` then promote, else to the end of WAL.

        ``--archive-mode=off``: the restored copy must never push its own (new timeline) WAL into the
        source's repository.
        """
        options = [f"--pg1-path={data_dir}", "--archive-mode=off", *extra]
        if target_time is not None:
            stamp = target_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
            options += ["--type=time", f"--target={stamp}", "--target-action=promote"]
        if label:
            options.append(f"--set={label}")
        if delta:
            options.append("--delta")
        return self.run("restore", *options, timeout=6 * 3600)


def _stamp(seconds: Any) -> datetime | None:
    return datetime.fromtimestamp(int(seconds), tz=UTC) if seconds else None


def catalog_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """A ``Backup`` row's fields from one element of the stanza's ``backup`` list."""
    info = entry.get("info") or {}
    repository = info.get("repository") or {}
    archive = entry.get("archive") or {}
    lsn = entry.get("lsn") or {}
    stamps = entry.get("timestamp") or {}
    return {
        "kind": KINDS.get(entry.get("type", ""), BackupKind.PG_FULL),
        "label": entry.get("label", ""),
        "started_at": _stamp(stamps.get("start")),
        "finished_at": _stamp(stamps.get("stop")),
        "database_bytes": info.get("size"),
        "repository_bytes": repository.get("size"),
        "wal_start": archive.get("start") or "",
        "wal_stop": archive.get("stop") or "",
        "lsn_start": lsn.get("start") or "",
        "lsn_stop": lsn.get("stop") or "",
        "details": {
            "database_delta_bytes": info.get("delta"),
            "repository_delta_bytes": repository.get("delta"),
            "prior": entry.get("prior"),
            "reference": entry.get("reference") or [],
            "error": bool(entry.get("error")),
        },
    }


def last_archived_time() -> datetime | None:
    """When PostgreSQL last archived a WAL segment (``pg_stat_archiver``): the newest recoverable point."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_archived_time FROM pg_stat_archiver")
        row = cursor.fetchone()
    return row[0] if row else None


def sync_catalog(stanza: dict[str, Any]) -> list[Backup]:
    """Upsert one row per backup ``info`` lists; rows of backups the repository no longer holds say so."""
    archive = (stanza.get("archive") or [{}])[-1]
    archived = last_archived_time()
    rows: list[Backup] = []
    labels = []
    for entry in stanza.get("backup") or []:
        fields = catalog_fields(entry)
        labels.append(fields["label"])
        fields["details"] |= {"wal_min": archive.get("min", ""), "wal_max": archive.get("max", "")}
        if archived:
            fields["details"]["archive_stop_time"] = archived.isoformat()
        failed = fields["details"]["error"]
        backup = Backup.objects.filter(kind=fields["kind"], label=fields["label"]).first()
        if backup is None:
            backup = Backup.objects.create(
                **{**fields, "status": BackupStatus.FAILED if failed else BackupStatus.SUCCEEDED}
            )
        else:
            details = {**backup.details, **fields.pop("details")}
            for name, value in fields.items():
                setattr(backup, name, value)
            backup.details = details
            backup.save()
            if backup.status == BackupStatus.RUNNING:
                move_backup(backup, "fail" if failed else "succeed")
        rows.append(backup)
    gone = Backup.objects.filter(kind__in=KINDS.values(), status=BackupStatus.SUCCEEDED).exclude(label__in=labels)
    for backup in gone.exclude(details__has_key="expired_at"):
        backup.details = {**backup.details, "expired_at": timezone.now().isoformat()}
        backup.save(update_fields=["details"])
    return rows


def take_backup(kind: str, tool: PgBackRest | None = None) -> Backup:
    """Run one backup and record it: a running row first, then the tool's own figures (or the error)."""
    tool = tool or PgBackRest()
    fail_abandoned_backups(KINDS.values())
    row = Backup.objects.create(kind=KINDS.get(kind, BackupKind.PG_FULL), started_at=timezone.now())
    try:
        tool.backup(kind)
        stanza = tool.info()
    except BackupError as exc:
        move_backup(row, "fail", changes={"finished_at": timezone.now(), "error": str(exc)})
        raise
    entries = [e for e in stanza.get("backup") or [] if KINDS.get(e.get("type")) == row.kind]
    newest = max(entries, key=lambda e: (e.get("timestamp") or {}).get("stop") or 0, default=None)
    if newest is None:
        move_backup(row, "fail", changes={"finished_at": timezone.now(), "error": "pgbackrest info lists no backup."})
        raise BackupError("pgBackRest reported success but lists no backup of that type.")
    Backup.objects.filter(kind=row.kind, label=newest["label"]).exclude(pk=row.pk).delete()  # a sync got there first
    fields = catalog_fields(newest)
    details = fields.pop("details")
    for name, value in fields.items():
        setattr(row, name, value)
    row.details = details
    row.save()
    move_backup(row, "succeed")
    sync_catalog(stanza)
    return row


def verify_repository(tool: PgBackRest | None = None) -> bool:
    """``pgbackrest verify`` over the repository; the result is written on every backup it holds."""
    tool = tool or PgBackRest()
    try:
        tool.verify()
        passed, note = True, ""
    except BackupError as exc:
        passed, note = False, str(exc)
    rows = Backup.objects.filter(kind__in=KINDS.values(), status=BackupStatus.SUCCEEDED).exclude(
        details__has_key="expired_at"
    )
    for backup in rows:
        backup.verification = Verification.PASSED if passed else Verification.FAILED
        backup.verified_at = timezone.now()
        if note:
            backup.details = {**backup.details, "verify_error": note}
        backup.save(update_fields=["verification", "verified_at", "details"])
    return passed
