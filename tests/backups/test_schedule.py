"""What beat runs, and in which order: the database backup, then the documents snapshot; verification; drills.

The tools themselves (pgBackRest, restic, SQLite copies, the drill) run for real in test_drills.py and
test_sqlite.py; here they are recorded stand-ins, so each branch of the orchestration is seen on either database.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.backups.errors import BackupError
from apps.backups.models import Backup, BackupKind, BackupStatus
from apps.backups.services import schedule
from apps.backups.services.reconcile import FileReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    log: list[tuple] = []
    database = SimpleNamespace(pk="db-backup")
    monkeypatch.setattr(schedule.pgbackrest, "take_backup", lambda kind: log.append(("pgbackrest", kind)) or database)
    monkeypatch.setattr(schedule.restic, "snapshot_documents", lambda after: log.append(("restic", after.pk)))
    monkeypatch.setattr(schedule.sqlite, "backup_sqlite", lambda: log.append(("sqlite",)) or SimpleNamespace(pk=7))
    monkeypatch.setattr(schedule.pgbackrest, "verify_repository", lambda: log.append(("verify-pg",)) or {"ok": True})
    monkeypatch.setattr(schedule.restic, "verify_snapshots", lambda: log.append(("verify-restic",)) or {"ok": True})
    return log


def _on(monkeypatch, vendor: str) -> None:
    monkeypatch.setattr(schedule, "connection", SimpleNamespace(vendor=vendor))


def test_on_postgresql_the_database_backup_comes_first_then_the_documents(calls, monkeypatch, settings):
    _on(monkeypatch, "postgresql")
    settings.BACKUP_ENABLED, settings.RESTIC_REPOSITORY = True, "/srv/restic"
    assert schedule.scheduled_backup("incr") == "db-backup"
    assert calls == [("pgbackrest", "incr"), ("restic", "db-backup")]


def test_without_a_restic_repository_only_the_database_is_backed_up(calls, monkeypatch, settings):
    _on(monkeypatch, "postgresql")
    settings.BACKUP_ENABLED, settings.RESTIC_REPOSITORY = True, ""
    schedule.scheduled_backup("full")
    assert calls == [("pgbackrest", "full")]


def test_backups_switched_off_do_nothing_and_say_so(calls, monkeypatch, settings):
    _on(monkeypatch, "postgresql")
    settings.BACKUP_ENABLED = False
    assert schedule.scheduled_backup("diff") == "disabled"
    assert schedule.scheduled_drill(None) == "disabled"
    assert calls == []


def test_on_sqlite_the_online_backup_copy_is_taken(calls, monkeypatch, settings):
    _on(monkeypatch, "sqlite")
    assert schedule.scheduled_backup("incr") == "7"
    assert calls == [("sqlite",)]


def test_verification_checks_both_repositories_and_records_the_reconciliation(calls, monkeypatch, settings):
    _on(monkeypatch, "postgresql")
    settings.BACKUP_ENABLED, settings.RESTIC_REPOSITORY = True, "/srv/restic"
    snapshot = Backup.objects.create(kind=BackupKind.DOCUMENTS, label="abc", status=BackupStatus.SUCCEEDED,
                                     started_at=timezone.now(), finished_at=timezone.now())  # fmt: skip
    monkeypatch.setattr(schedule, "reconcile_files", lambda: FileReport(checked=3))
    results = schedule.verify_all()
    assert calls == [("verify-pg",), ("verify-restic",)]
    assert results["documents"]["ok"] is True and results["documents"]["checked"] == 3
    snapshot.refresh_from_db()
    assert snapshot.details["reconciliation"]["checked"] == 3


def test_a_failed_reconciliation_is_logged_as_an_error(calls, monkeypatch, settings, caplog):
    _on(monkeypatch, "sqlite")
    settings.RESTIC_REPOSITORY = ""
    bad = FileReport(checked=2, missing=[{"file": "a.pdf", "document": "d1", "tenant": "t1"}])
    monkeypatch.setattr(schedule, "reconcile_files", lambda: bad)
    assert schedule.verify_all()["documents"]["ok"] is False
    assert calls == []
    assert any(r.levelname == "ERROR" and "reconciliation_failed" in r.getMessage() for r in caplog.records)


def test_a_queued_drill_runs_and_a_scheduled_one_is_skipped_while_another_runs(monkeypatch, settings):
    _on(monkeypatch, "postgresql")
    settings.BACKUP_ENABLED = True
    monkeypatch.setattr(schedule, "run_queued", lambda drill_id: SimpleNamespace(status=f"passed:{drill_id}"))
    assert schedule.scheduled_drill("d-1") == "passed:d-1"
    monkeypatch.setattr(schedule, "run_drill", lambda trigger: SimpleNamespace(status="failed"))
    assert schedule.scheduled_drill(None) == "failed"

    def busy(trigger):
        raise BackupError("a drill is already running")

    monkeypatch.setattr(schedule, "run_drill", busy)
    assert schedule.scheduled_drill(None) == "skipped"
