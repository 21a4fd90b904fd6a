"""The lifecycles of a catalog row and a restore drill, and their only writers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.backups.errors import DrillStateError
from apps.backups.models import Backup, BackupStatus, DrillStatus, RestoreDrill
from apps.core.state_machine import StateMachine, Transition

B = BackupStatus
BACKUP_STATES = StateMachine(
    noun="backup",
    field="status",
    transitions={
        "succeed": Transition([B.RUNNING], B.SUCCEEDED, "succeed"),
        "fail": Transition([B.RUNNING], B.FAILED, "fail"),
    },
    labels=dict(BackupStatus.choices),
    error=DrillStateError,
)

D = DrillStatus
DRILL_STATES = StateMachine(
    noun="restore drill",
    field="status",
    transitions={
        "start": Transition([D.QUEUED], D.RUNNING, "start"),
        "pass": Transition([D.RUNNING], D.PASSED, "pass"),
        "fail": Transition([D.QUEUED, D.RUNNING], D.FAILED, "fail"),
    },
    labels=dict(DrillStatus.choices),
    error=DrillStateError,
)


def move_backup(backup: Backup, transition: str, *, changes: Mapping[str, Any] | None = None) -> Backup:
    """The one writer of ``Backup.status``."""
    return BACKUP_STATES.move(backup, transition, changes=changes)


def move_drill(drill: RestoreDrill, transition: str, *, changes: Mapping[str, Any] | None = None) -> RestoreDrill:
    """The one writer of ``RestoreDrill.status``."""
    return DRILL_STATES.move(drill, transition, changes=changes)
