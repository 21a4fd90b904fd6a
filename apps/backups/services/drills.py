"""Asking for a restore drill (the staff console's "run a drill now", the command, the schedule)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.backups.errors import BackupError, DrillAlreadyQueued
from apps.backups.models import DrillKind, DrillStatus, DrillTrigger, RestoreDrill
from apps.backups.states import move_drill

DRILL_TASK = "maintenance.restore_drill"


def _enqueue(drill: RestoreDrill) -> None:
    from celery import current_app

    current_app.send_task(DRILL_TASK, kwargs={"drill_id": str(drill.pk)}, queue="maintenance")


def fail_abandoned_drills() -> int:
    """Drills queued or running for longer than a task may run: their worker is gone. Failed, saying so."""
    now = timezone.now()
    limit = timedelta(seconds=settings.BACKUP_TASK_SOFT_TIME_LIMIT + 600)
    stale = RestoreDrill.objects.filter(
        status__in=[DrillStatus.QUEUED, DrillStatus.RUNNING], created_at__lt=now - limit
    )
    count = 0
    for drill in stale:
        reason = f"Abandoned: no result {limit} after it was queued (the worker stopped, or no worker took it)."
        move_drill(drill, "fail", changes={"finished_at": now, "failure_reason": reason})
        count += 1
    return count


def create_drill(
    *, trigger: str, user: Any = None, kind: str = DrillKind.LATEST, target_time: datetime | None = None
) -> RestoreDrill:
    """A queued drill row (the command runs it in place; ``request_drill`` queues it)."""
    if kind not in DrillKind.values:
        raise BackupError(f"Unknown drill kind {kind!r}: use latest or pitr.", extra={"field": "kind"})
    if target_time is not None and target_time > timezone.now():
        raise BackupError("The target time is in the future.", extra={"field": "target_time"})
    fail_abandoned_drills()
    if RestoreDrill.objects.filter(status__in=[DrillStatus.QUEUED, DrillStatus.RUNNING]).exists():
        raise DrillAlreadyQueued()
    return RestoreDrill.objects.create(
        trigger=trigger, requested_by=user if getattr(user, "pk", None) else None, kind=kind, target_time=target_time
    )


@transaction.atomic
@privileged("backups.drill.")
def request_drill(*, user: Any, kind: str = DrillKind.LATEST) -> RestoreDrill:
    """Queue a restore drill on the ``maintenance`` queue, audited on the platform chain.

    Refused (409) while another drill is queued or running. The task is sent after commit, so a
    worker never looks for a row that is not there yet.
    """
    drill = create_drill(trigger=DrillTrigger.MANUAL, user=user, kind=kind)
    record_event("backups.drill.requested", actor=user, target=drill, after={"kind": kind})
    transaction.on_commit(lambda: _enqueue(drill))
    return drill
