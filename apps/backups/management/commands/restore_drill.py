"""``manage.py restore_drill [--target-time ISO] [--json]``: a restore drill now, in this process."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from apps.backups.errors import BackupError
from apps.backups.models import DrillKind, DrillStatus, DrillTrigger
from apps.backups.services.drill import run_drill

from ._progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Restore the latest backup (or a point in time) into a scratch cluster, prove it (counts and checksums, "
        "pg_amcheck, trial balances, document files, audit chains, VAT returns), measure RTO and RPO, remove it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--target-time", help="Restore to this past time (ISO 8601 with offset); default: a marker taken now."
        )
        parser.add_argument("--json", action="store_true", help="Print the drill record as JSON on stdout.")

    def handle(self, *args, **options) -> None:
        target = None
        if options["target_time"]:
            target = parse_datetime(options["target_time"])
            if target is None or target.tzinfo is None:
                raise CommandError("--target-time must be an ISO 8601 time with its offset, e.g. 2026-01-31T09:00:00Z.")
        progress = ProgressBar(sys.stderr if options["json"] else self.stdout)
        try:
            drill = run_drill(
                trigger=DrillTrigger.COMMAND,
                kind=DrillKind.PITR if target else DrillKind.LATEST,
                target_time=target,
                progress=progress,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        record = {
            "id": str(drill.pk),
            "status": drill.status,
            "kind": drill.kind,
            "target_time": drill.target_time,
            "backup_label": drill.backup_label,
            "rto_seconds": drill.rto_seconds,
            "rpo_seconds": drill.rpo_seconds,
            "phases": drill.phases,
            "checks": drill.checks,
            "failure_reason": drill.failure_reason,
        }
        if options["json"]:
            self.stdout.write(json.dumps(record, indent=2, default=str))
        else:
            for check in drill.checks:
                mark = "ok  " if check["passed"] else "FAIL"
                self.stdout.write(f"  {mark} {check['name']}: {check['detail']}")
            self.stdout.write(f"RTO {drill.rto_seconds} s, RPO {drill.rpo_seconds} s, phases {drill.phases}")
        if drill.status != DrillStatus.PASSED:
            raise CommandError(f"Restore drill failed: {drill.failure_reason}")
