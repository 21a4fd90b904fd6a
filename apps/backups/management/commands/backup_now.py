"""``manage.py backup_now [--type full|diff|incr] [--documents-only] [--verify] [--json]``: a backup now, recorded."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from apps.backups.errors import BackupError
from apps.backups.services import restic, sqlite
from apps.backups.services.pgbackrest import PgBackRest, sync_catalog, take_backup
from apps.backups.services.schedule import verify_all


class Command(BaseCommand):
    help = "Take a database backup (pgBackRest, or the SQLite copy) and then the documents snapshot (restic)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", choices=["full", "diff", "incr"], default="incr", dest="kind")
        parser.add_argument("--documents-only", action="store_true", help="Only the restic snapshot of documents.")
        parser.add_argument("--no-documents", action="store_true", help="Skip the documents snapshot.")
        parser.add_argument("--stanza-create", action="store_true", help="Create the pgBackRest stanza first.")
        parser.add_argument("--sync", action="store_true", help="Only refresh the catalog from the repositories.")
        parser.add_argument("--verify", action="store_true", help="Then verify the repositories and reconcile files.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        report: dict[str, object] = {}
        try:
            if options["sync"]:
                report["catalog"] = self._sync()
            elif connection.vendor == "sqlite" and not options["documents_only"]:
                report["database"] = _row(sqlite.backup_sqlite())
            else:
                database = None
                if not options["documents_only"]:
                    tool = PgBackRest()
                    if options["stanza_create"]:
                        tool.stanza_create()
                    database = take_backup(options["kind"], tool)
                    report["database"] = _row(database)
                if not options["no_documents"] and restic.Restic().repository:
                    report["documents"] = _row(restic.snapshot_documents(after=database))
            if options["verify"]:
                report["verify"] = verify_all()
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=str))
        else:
            for name, row in report.items():
                self.stdout.write(f"{name}: {row}")

    @staticmethod
    def _sync() -> dict[str, int]:
        found = {}
        if connection.vendor == "postgresql":
            found["pgbackrest"] = len(sync_catalog(PgBackRest().info()))
        if restic.Restic().repository:
            found["restic"] = len(restic.sync_catalog(restic.Restic().snapshots()))
        return found


def _row(backup) -> dict[str, object]:
    return {
        "id": str(backup.pk),
        "kind": backup.kind,
        "label": backup.label,
        "status": backup.status,
        "database_bytes": backup.database_bytes,
        "repository_bytes": backup.repository_bytes,
        "started_at": backup.started_at,
        "finished_at": backup.finished_at,
    }
