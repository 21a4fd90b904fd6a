"""What the backup services do when the tools fail or are not configured: a clear error, a failed catalog row,
never a row left running or a success recorded. The tools are replaced by recorders of the arguments they were
given (the real tools run in the slow tier); what is tested here is our side of each call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.backups.errors import BackupError, BackupNotConfigured
from apps.backups.models import Backup, BackupKind, BackupStatus, Verification
from apps.backups.services import pgbackrest, restic, sqlite
from apps.backups.services.pgbackrest import PgBackRest, take_backup, verify_repository
from apps.backups.services.restic import Restic, snapshot_documents, snapshot_for, verify_snapshots

pytestmark = pytest.mark.django_db


class RecordingPgBackRest(PgBackRest):
    """pgBackRest whose commands are recorded; ``fail`` names the command that fails, ``out`` what one prints."""

    def __init__(self, *, fail: str = "", out: dict[str, str] | None = None) -> None:
        super().__init__(config="/etc/pgbackrest/test.conf", stanza="strongroom", os_user="postgres")
        object.__setattr__(self, "calls", [])
        object.__setattr__(self, "fail", fail)
        object.__setattr__(self, "out", out or {})

    def run(self, name: str, *options: str, timeout: float = 6 * 3600) -> str:
        self.calls.append((name, *options))
        if name == self.fail:
            raise BackupError(f"pgbackrest {name} failed: [056]: unable to find primary cluster")
        return self.out.get(name, "")


class RecordingRestic(Restic):
    def __init__(self, *, fail: str = "", backup_out: str = "") -> None:
        super().__init__(repository="/srv/restic", password_file="/run/restic.pass", cache_dir="/tmp/c")
        object.__setattr__(self, "calls", [])
        object.__setattr__(self, "fail", fail)
        object.__setattr__(self, "backup_out", backup_out)

    def run(self, *args: str, timeout: float = 6 * 3600, probe: bool = False) -> str:
        self.calls.append(args)
        if args[0] == self.fail:
            raise BackupError(f"restic {args[0]} failed: Fatal: unable to open repository")
        return self.backup_out if args[0] == "backup" else ""


# --- pgBackRest -----------------------------------------------------------------------------------------------


def test_an_unknown_backup_type_is_refused_before_the_tool_runs():
    tool = RecordingPgBackRest()
    with pytest.raises(BackupError, match="full, diff or incr"):
        tool.backup("weekly")
    assert tool.calls == []


def test_the_routine_commands_reach_the_tool_with_their_names():
    tool = RecordingPgBackRest(out={"verify": "verify ok"})
    tool.check()
    tool.expire()
    assert tool.verify() == "verify ok"
    assert [c[0] for c in tool.calls] == ["check", "expire", "verify"]


def test_info_without_our_stanza_says_the_repository_is_not_configured():
    tool = RecordingPgBackRest(out={"info": json.dumps([{"name": "another"}])})
    with pytest.raises(BackupNotConfigured, match="no stanza 'strongroom'"):
        tool.info()
    assert RecordingPgBackRest(out={"info": json.dumps([{"name": "strongroom", "backup": []}])}).info()["name"]


def test_a_restore_to_a_time_promotes_there_and_never_archives_into_the_source_repository():
    tool = RecordingPgBackRest()
    target = datetime(2026, 12, 5, 21, 30, 15, 250000, tzinfo=UTC)
    tool.restore_logged("/srv/restore/pgdata", target_time=target, label="20261205-212546F", delta=True)
    (name, *options) = tool.calls[0]
    assert name == "restore"
    assert options[:2] == ["--pg1-path=/srv/restore/pgdata", "--archive-mode=off"]
    assert "--log-level-console=info" in options
    assert "--type=time" in options and "--target-action=promote" in options
    assert "--target=2026-12-05 21:30:15.250000+00" in options
    assert "--set=20261205-212546F" in options and "--delta" in options


def test_a_failed_backup_leaves_a_failed_row_with_the_tools_message():
    with pytest.raises(BackupError):
        take_backup("full", tool=RecordingPgBackRest(fail="backup"))
    row = Backup.objects.get(kind=BackupKind.PG_FULL)
    assert row.status == BackupStatus.FAILED and "unable to find primary cluster" in row.error and row.finished_at


def test_success_with_no_backup_listed_is_recorded_as_a_failure():
    tool = RecordingPgBackRest(out={"info": json.dumps([{"name": "strongroom", "backup": []}])})
    with pytest.raises(BackupError, match="lists no backup"):
        take_backup("incr", tool=tool)
    row = Backup.objects.get(kind=BackupKind.PG_INCR)
    assert row.status == BackupStatus.FAILED and "lists no backup" in row.error


def test_a_failed_verify_marks_every_held_backup_failed_with_the_reason():
    held = Backup.objects.create(
        kind=BackupKind.PG_FULL, label="F1", status=BackupStatus.SUCCEEDED, started_at=timezone.now()
    )
    expired = Backup.objects.create(
        kind=BackupKind.PG_FULL,
        label="F0",
        status=BackupStatus.SUCCEEDED,
        started_at=timezone.now(),
        details={"expired_at": "2026-01-01"},
    )
    assert verify_repository(RecordingPgBackRest(fail="verify")) is False
    held.refresh_from_db()
    expired.refresh_from_db()
    assert held.verification == Verification.FAILED and "unable to find" in held.details["verify_error"]
    assert expired.verification != Verification.FAILED  # the repository no longer holds it: not judged
    assert verify_repository(RecordingPgBackRest()) is True
    held.refresh_from_db()
    assert held.verification == Verification.PASSED


def test_the_last_archived_time_is_none_off_postgresql(monkeypatch):
    class NotPostgres:
        vendor = "sqlite"

    monkeypatch.setattr(pgbackrest, "connection", NotPostgres())
    assert pgbackrest.last_archived_time() is None


# --- restic ---------------------------------------------------------------------------------------------------


def test_restic_without_a_repository_or_password_file_is_not_configured():
    with pytest.raises(BackupNotConfigured, match="RESTIC_REPOSITORY"):
        Restic(repository="", password_file="")._env()


def test_a_restic_backup_without_a_summary_is_an_error():
    tool = RecordingRestic(backup_out='{"message_type":"status","percent_done":1}\nnot json\n')
    with pytest.raises(BackupError, match="without a summary"):
        tool.backup("/srv/media")
    summary = {"message_type": "summary", "snapshot_id": "abcdef1234", "data_added": 10}
    assert RecordingRestic(backup_out=json.dumps(summary) + "\n").backup("/srv/media")["snapshot_id"] == "abcdef1234"


def test_init_creates_the_repository_only_when_it_cannot_be_read():
    tool = RecordingRestic(fail="cat")
    tool.init()
    assert [c[0] for c in tool.calls] == ["cat", "init"]
    tool = RecordingRestic()
    tool.init()
    assert [c[0] for c in tool.calls] == ["cat"]


def test_documents_in_object_storage_are_not_restics_to_back_up(monkeypatch):
    monkeypatch.setattr(restic, "default_storage", object())
    with pytest.raises(BackupNotConfigured, match="bucket versioning"):
        restic.media_root()


def test_a_failed_snapshot_leaves_a_failed_documents_row(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with pytest.raises(BackupError):
        snapshot_documents(tool=RecordingRestic(fail="backup"))
    row = Backup.objects.get(kind=BackupKind.DOCUMENTS)
    assert row.status == BackupStatus.FAILED and "unable to open repository" in row.error


def test_the_snapshot_for_a_target_is_the_first_after_it_else_the_newest():
    now = timezone.now()
    for label, hours_ago in (("old", 5), ("mid", 3), ("new", 1)):
        Backup.objects.create(
            kind=BackupKind.DOCUMENTS,
            label=label,
            status=BackupStatus.SUCCEEDED,
            started_at=now - timedelta(hours=hours_ago),
            finished_at=now - timedelta(hours=hours_ago),
        )
    assert snapshot_for(now - timedelta(hours=4)).label == "mid"
    assert snapshot_for(now).label == "new"  # nothing after the target: the newest holds every file
    assert snapshot_for(None).label == "new"


def test_a_failed_restic_check_marks_the_snapshots_failed():
    row = Backup.objects.create(
        kind=BackupKind.DOCUMENTS, label="s1", status=BackupStatus.SUCCEEDED, started_at=timezone.now()
    )
    assert verify_snapshots(RecordingRestic(fail="check")) is False
    row.refresh_from_db()
    assert row.verification == Verification.FAILED and "unable to open" in row.details["verify_error"]
    assert verify_snapshots(RecordingRestic()) is True
    row.refresh_from_db()
    assert row.verification == Verification.PASSED


# --- the embedded default (SQLite copies) -----------------------------------------------------------------------


def test_the_sqlite_copy_refuses_other_databases(monkeypatch):
    class Fake:
        def __init__(self, vendor: str, name: str) -> None:
            self.vendor, self.settings_dict = vendor, {"NAME": name}

    monkeypatch.setattr(sqlite, "connection", Fake("postgresql", "strongroom"))
    with pytest.raises(BackupNotConfigured, match="pgBackRest"):
        sqlite._database_path()
    monkeypatch.setattr(sqlite, "connection", Fake("sqlite", ":memory:"))
    with pytest.raises(BackupNotConfigured, match="in-memory"):
        sqlite._database_path()


def test_documents_are_copied_when_a_hard_link_is_impossible(tmp_path, monkeypatch):
    source, previous, into = tmp_path / "media", tmp_path / "prev", tmp_path / "into"
    for root in (source, previous):
        (root / "t").mkdir(parents=True)
        (root / "t" / "a.pdf").write_bytes(b"same size")
    (source / "t" / ".upload-tmp").write_bytes(b"half written")  # an upload in progress is not copied

    def no_link(src, dst):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(sqlite.os, "link", no_link)
    assert sqlite._snapshot_media(source, into, previous) == 1
    assert (into / "t" / "a.pdf").read_bytes() == b"same size"
    assert (into / "t" / "a.pdf").stat().st_ino != (previous / "t" / "a.pdf").stat().st_ino
    assert not (into / "t" / ".upload-tmp").exists()


def test_a_sqlite_backup_that_cannot_write_is_a_failed_row(settings, tmp_path, monkeypatch):
    import sqlite3

    database = tmp_path / "db.sqlite3"
    sqlite3.connect(database).close()
    monkeypatch.setattr(sqlite, "_database_path", lambda: database)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should go")
    settings.BACKUP_DIR = str(blocker)
    with pytest.raises(BackupError, match="The SQLite backup failed"):
        sqlite.backup_sqlite()
    row = Backup.objects.get(kind=BackupKind.SQLITE)
    assert row.status == BackupStatus.FAILED and row.error


def test_old_sqlite_copies_are_expired_beyond_the_number_kept(settings, tmp_path):
    settings.BACKUP_DIR = str(tmp_path)
    rows = []
    for n in range(3):
        folder = tmp_path / f"copy{n}"
        folder.mkdir()
        (folder / "db.sqlite3").write_bytes(b"x")
        rows.append(
            Backup.objects.create(
                kind=BackupKind.SQLITE,
                label=f"copy{n}",
                status=BackupStatus.SUCCEEDED,
                started_at=timezone.now() + timedelta(minutes=n),
                details={"path": str(folder / "db.sqlite3")},
            )
        )
    sqlite._expire(keep=2)
    assert not (tmp_path / "copy0").exists() and (tmp_path / "copy1").exists() and (tmp_path / "copy2").exists()
    rows[0].refresh_from_db()
    assert "expired_at" in rows[0].details


def test_restoring_a_copy_whose_file_is_gone_is_a_clear_error(tmp_path):
    row = Backup.objects.create(
        kind=BackupKind.SQLITE,
        label="gone",
        status=BackupStatus.SUCCEEDED,
        started_at=timezone.now(),
        details={"path": str(tmp_path / "missing.sqlite3")},
    )
    with pytest.raises(BackupError, match="is gone"):
        sqlite.restore_sqlite(row, Path(tmp_path / "target.sqlite3"))
