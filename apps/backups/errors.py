"""Domain errors of backups and restore drills; each message says what happened and what to do."""

from __future__ import annotations

from apps.core.errors import ApplicationError
from apps.core.state_machine import InvalidTransition


class BackupError(ApplicationError):
    """A backup or restore step failed or was refused."""

    status = 503
    code = "backup_failed"
    default_message = "The backup could not be taken. The operations team has been told."


class BackupNotConfigured(BackupError):
    """The backup tooling (pgBackRest, restic, a backup directory) is not configured here."""

    status = 409
    code = "backup_not_configured"
    default_message = "Backups are not configured on this installation."


class RestoreRefused(BackupError):
    """A restore would overwrite a live database or a non-empty directory without the explicit flag."""

    status = 409
    code = "restore_refused"
    default_message = "That restore would overwrite a live database; it was refused."


class DrillAlreadyQueued(BackupError):
    """A drill is already queued or running: one at a time (each needs a scratch cluster and the disk for it)."""

    status = 409
    code = "restore_drill_already_queued"
    default_message = "A restore drill is already queued or running; wait for it to finish."


class DrillStateError(InvalidTransition):
    """A backup or drill row is not in a state that move starts from."""

    code = "backup_invalid_transition"
