"""The catalog's selectors, the drill request and the gauges, on rows written directly (no tools needed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client import CollectorRegistry

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.backups import selectors
from apps.backups.collectors import BackupCollector, DrillCollector
from apps.backups.errors import DrillAlreadyQueued
from apps.backups.models import Backup, BackupKind, BackupStatus, DrillStatus, RestoreDrill
from apps.backups.services.drills import request_drill
from apps.backups.states import move_drill
from apps.core.db_tenant import db_tenant

pytestmark = pytest.mark.django_db


def _backup(kind: str, *, hours_ago: float, status: str = BackupStatus.SUCCEEDED, **extra) -> Backup:
    finished = timezone.now() - timedelta(hours=hours_ago)
    return Backup.objects.create(
        kind=kind,
        label=f"{kind}-{hours_ago}",
        status=status,
        started_at=finished - timedelta(minutes=1),
        finished_at=finished,
        **extra,
    )


def test_last_successful_skips_failures_and_other_kinds():
    _backup(BackupKind.PG_FULL, hours_ago=30)
    newest_incr = _backup(BackupKind.PG_INCR, hours_ago=2)
    _backup(BackupKind.PG_INCR, hours_ago=1, status=BackupStatus.FAILED)
    _backup(BackupKind.DOCUMENTS, hours_ago=0.5)
    assert selectors.last_successful((BackupKind.PG_FULL, BackupKind.PG_INCR)) == newest_incr
    assert selectors.last_successful((BackupKind.SQLITE,)) is None
    assert list(selectors.catalog(limit=2)) == list(Backup.objects.order_by("-started_at")[:2])


def test_the_recoverable_window_runs_from_the_oldest_backup_to_the_newest_archived_wal():
    if connection.vendor != "postgresql":
        assert selectors.recoverable_window() is None
        return
    assert selectors.recoverable_window() is None
    oldest = _backup(BackupKind.PG_FULL, hours_ago=48)
    archived = timezone.now() - timedelta(minutes=1)
    _backup(BackupKind.PG_INCR, hours_ago=1, details={"archive_stop_time": archived.isoformat()})
    assert selectors.recoverable_window() == (oldest.finished_at, archived)


def test_storage_facts_name_the_places_and_no_secrets(settings):
    settings.RESTIC_REPOSITORY = "s3:https://KEYID:SECRET@objects.example.test/strongroom-docs"
    facts = selectors.storage_facts()
    assert facts["database"]["engine"] == connection.vendor
    assert facts["documents"]["backend"] in {"filesystem", "s3"}
    assert {"kind": "restic", "location": "s3:https://objects.example.test/strongroom-docs"} in facts["repositories"]
    assert "SECRET" not in str(facts)
    assert facts["pitr_available"] is (connection.vendor == "postgresql" and settings.BACKUP_ENABLED)


def test_a_requested_drill_is_audited_queued_once_and_sent_after_commit(
    staff_user, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("apps.backups.services.drills._enqueue", lambda drill: sent.append(drill.pk))
    with django_capture_on_commit_callbacks(execute=True):
        drill = request_drill(user=staff_user)
    assert drill.status == DrillStatus.QUEUED and drill.trigger == "manual" and drill.requested_by == staff_user
    assert sent == [drill.pk]
    with db_tenant(PLATFORM_CHAIN):
        assert AuditEvent.objects.filter(action="backups.drill.requested", target_id=str(drill.pk)).exists()
    with pytest.raises(DrillAlreadyQueued):
        request_drill(user=staff_user)
    assert RestoreDrill.objects.count() == 1


def test_the_gauges_report_the_newest_success_and_the_newest_drill():
    full = _backup(BackupKind.PG_FULL, hours_ago=3)
    passed = RestoreDrill.objects.create(trigger="command", kind="latest")
    move_drill(passed, "start", changes={"started_at": timezone.now() - timedelta(hours=2)})
    move_drill(
        passed,
        "pass",
        changes={"finished_at": timezone.now() - timedelta(hours=2), "rto_seconds": 7.5, "rpo_seconds": 2.0},
    )
    failed = RestoreDrill.objects.create(trigger="schedule", kind="latest")
    move_drill(failed, "start", changes={"started_at": timezone.now()})
    move_drill(failed, "fail", changes={"finished_at": timezone.now(), "failure_reason": "ledger unbalanced"})
    registry = CollectorRegistry()
    registry.register(BackupCollector())
    registry.register(DrillCollector())
    value = registry.get_sample_value
    assert (
        value("strongroom_backup_last_success_timestamp_seconds", {"kind": "pg_full"}) == full.finished_at.timestamp()
    )
    assert value("strongroom_restore_drill_last_status") == 0.0
    assert value("strongroom_restore_drill_last_success_timestamp_seconds") == passed.finished_at.timestamp()
    assert value("strongroom_restore_drill_rto_seconds") is None  # the failed drill measured none


def test_a_drill_or_backup_whose_worker_died_is_failed_as_abandoned_not_blocking_for_ever(settings):
    from apps.backups.services.catalog import fail_abandoned_backups
    from apps.backups.services.drills import create_drill

    settings.BACKUP_TASK_SOFT_TIME_LIMIT = 60
    stuck = RestoreDrill.objects.create(trigger="schedule", kind="latest")
    RestoreDrill.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=1))
    fresh = create_drill(trigger="command")
    stuck.refresh_from_db()
    assert stuck.status == DrillStatus.FAILED and "Abandoned" in stuck.failure_reason
    assert fresh.status == DrillStatus.QUEUED
    running = Backup.objects.create(kind=BackupKind.PG_INCR, started_at=timezone.now() - timedelta(hours=1))
    assert fail_abandoned_backups([BackupKind.PG_INCR]) == 1
    running.refresh_from_db()
    assert running.status == BackupStatus.FAILED and "Abandoned" in running.error
