"""The embedded default: a consistent SQLite copy through the online backup API, the documents beside it, the
catalog row, and a restore that refuses to overwrite an existing database without the flag."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.backups.errors import RestoreRefused
from apps.backups.models import Backup, BackupKind, BackupStatus
from apps.backups.services.elsewhere import run_against
from apps.backups.services.sqlite import backup_sqlite, restore_sqlite

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_a_sqlite_copy_is_consistent_catalogued_and_restorable(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    receipt = Path(settings.MEDIA_ROOT) / "tenants" / "t1" / "documents" / "ab" / "abc.pdf"
    receipt.parent.mkdir(parents=True)
    receipt.write_bytes(b"%PDF-1.4 synthetic")
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "strongroom.sqlite3"), "TEST": {}}

    def work():
        call_command("migrate", verbosity=0)
        first = backup_sqlite()
        second = backup_sqlite()
        rows = list(Backup.objects.filter(kind=BackupKind.SQLITE).order_by("started_at"))
        target = tmp_path / "restored" / "strongroom.sqlite3"
        restored = restore_sqlite(second, target, media_target=tmp_path / "restored" / "media")
        with pytest.raises(RestoreRefused, match="--overwrite"):
            restore_sqlite(second, target)
        with pytest.raises(CommandError, match="--overwrite"):
            call_command("backup_restore", "--into", str(target))
        return first, second, rows, restored

    first, second, rows, restored = run_against(database, work)
    assert [r.status for r in rows] == [BackupStatus.SUCCEEDED, BackupStatus.SUCCEEDED]
    assert second.details["integrity"] == "ok" and second.details["files"] == 1 and second.database_bytes > 0
    copy = Path(second.details["path"])
    with sqlite3.connect(copy) as db:
        statuses = db.execute("SELECT status FROM backups_backup ORDER BY started_at").fetchall()
    assert statuses == [("succeeded",), ("running",)]  # the database as the copy was taken: its own row running
    # The second snapshot links the unchanged document to the first one's copy instead of storing it again.
    first_copy = Path(first.details["media"]) / "tenants/t1/documents/ab/abc.pdf"
    second_copy = Path(second.details["media"]) / "tenants/t1/documents/ab/abc.pdf"
    assert second_copy.stat().st_ino == first_copy.stat().st_ino
    assert Path(restored["database"]).is_file() and restored["files"] == 1
    assert (tmp_path / "restored" / "media" / "tenants/t1/documents/ab/abc.pdf").read_bytes() == b"%PDF-1.4 synthetic"
