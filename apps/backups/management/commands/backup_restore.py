"""``manage.py backup_restore --into DIR [--port N] [--target-time ISO] [--overwrite] [--json]``.

Restores the latest backup (or a point in time) into a fresh PostgreSQL cluster under DIR, on its own
port (staging, or the first step of a recovery), with the matching documents snapshot, waits for real
promotion and checks the migrations. A directory that already holds a database is refused unless
``--overwrite``. On the embedded default (SQLite): ``--into FILE`` receives the newest copy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.dateparse import parse_datetime

from apps.backups.errors import BackupError
from apps.backups.models import BackupKind, BackupStatus
from apps.backups.selectors import last_successful
from apps.backups.services.restore import restore_cluster
from apps.backups.services.sqlite import restore_sqlite

from ._progress import ProgressBar


class Command(BaseCommand):
    help = "Restore a backup into a fresh cluster (or SQLite file) for staging or recovery; refuses a live target."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--into", required=True, help="Directory for the cluster (SQLite: the file to write).")
        parser.add_argument("--port", type=int, help="Port for the restored cluster (default: a free drill port).")
        parser.add_argument("--listen", default="127.0.0.1", help="listen_addresses of the restored cluster.")
        parser.add_argument("--target-time", help="Point in time (ISO 8601 with offset); default: the latest.")
        parser.add_argument("--set", default="", dest="label", help="A pgBackRest backup label to start from.")
        parser.add_argument("--no-documents", action="store_true", help="Skip the documents snapshot.")
        parser.add_argument(
            "--overwrite", action="store_true", help="Replace a database already there (stopping it if running)."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON on stdout.")

    def handle(self, *args, **options) -> None:
        target = None
        if options["target_time"]:
            target = parse_datetime(options["target_time"])
            if target is None or target.tzinfo is None:
                raise CommandError("--target-time must be an ISO 8601 time with its offset, e.g. 2026-01-31T09:00:00Z.")
        progress = ProgressBar(sys.stderr if options["json"] else self.stdout)
        try:
            if connection.vendor == "sqlite":
                report = self._sqlite(Path(options["into"]), options["overwrite"])
            else:
                report = restore_cluster(
                    Path(options["into"]),
                    port=options["port"],
                    target_time=target,
                    label=options["label"],
                    listen=options["listen"],
                    overwrite=options["overwrite"],
                    documents=not options["no_documents"],
                    progress=progress,
                ).as_dict()
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report, indent=2, default=str) if options["json"] else str(report))
        if not report.get("ok", True):
            raise CommandError("The restored database is not at this code's migrations: see the report.")

    @staticmethod
    def _sqlite(into: Path, overwrite: bool) -> dict:
        backup = last_successful((BackupKind.SQLITE,))
        if backup is None or backup.status != BackupStatus.SUCCEEDED:
            raise CommandError("No SQLite backup in the catalog: run manage.py backup_now first.")
        return {
            "backup": backup.label,
            **restore_sqlite(backup, into, media_target=into.with_name(into.name + ".media"), overwrite=overwrite),
        }
