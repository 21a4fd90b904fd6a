"""Real drills on a throwaway cluster (tests/backups/conftest.py): PITR passes with its RTO and RPO measured;
a corrupted document file and an unbalanced ledger make a drill fail with the reason; backup_restore refuses a
live target and restores a fresh one; the catalog holds what pgbackrest info and restic snapshots report.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.backups import selectors
from apps.backups.errors import RestoreRefused
from apps.backups.models import Backup, BackupKind, BackupStatus, DrillKind, DrillStatus, DrillTrigger
from apps.backups.services.drill import execute_drill
from apps.backups.services.drills import create_drill
from apps.backups.services.pgbackrest import take_backup
from apps.backups.services.restic import snapshot_documents
from apps.backups.services.restore import restore_cluster
from apps.backups.services.verify import Check
from tests.backups.conftest import FIGURES, as_postgres, store_document

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db]


def _post(slug: str, description: str) -> None:
    from apps.ledger.services.journal import LineSpec
    from apps.ledger.services.posting import post_manual_entry
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Tenant

    tenant = Tenant.objects.get(slug=slug)
    with tenant_context(tenant):
        post_manual_entry(
            entry_date=date(2025, 3, 1),
            description=description,
            lines=[
                LineSpec("610", debit=Decimal("12.00")),
                LineSpec("200", credit=Decimal("12.00"), vat_treatment="exempt"),
            ],
            actor=None,
        )


def _journal_present(slug: str, description: str) -> bool:
    from apps.ledger.models import JournalEntry
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Tenant

    with tenant_context(Tenant.objects.get(slug=slug)):
        # The memo is sealed (decision 0025): compared once opened, as the restored copy's own key opens it.
        return any(entry.description == description for entry in JournalEntry.objects.all())


def _drill(source, *, on_archive=None, extra_checks=()):
    """A command-triggered PITR drill on the source; ``on_archive`` writes after the marker (past the target)."""

    def progress(phase: str, message: str) -> None:
        if phase == "archive" and on_archive is not None:
            on_archive()

    def work():
        drill = create_drill(trigger=DrillTrigger.COMMAND, kind=DrillKind.PITR)
        return execute_drill(drill, progress=progress, tool=source.tool, extra_checks=extra_checks)

    return source.run(work)


def _report(drill) -> str:
    return "; ".join(f"{c['name']}={'ok' if c['passed'] else 'FAIL'} ({c['detail']})" for c in drill.checks)


def test_a_point_in_time_drill_restores_exactly_the_target_and_measures_rto_and_rpo(on_source):
    source = on_source
    source.run(lambda: _post("aldgate-joinery", "Before the target: replayed from WAL"))

    def present_and_absent() -> Check:
        before = _journal_present("aldgate-joinery", "Before the target: replayed from WAL")
        after = _journal_present("aldgate-joinery", "After the target: must not come back")
        return Check("pitr rows", before and not after, f"before present={before}, after present={after}")

    scratch_before = set(Path(tempfile.gettempdir()).glob("strongroom-drill-*"))
    drill = _drill(
        source,
        on_archive=lambda: _post("aldgate-joinery", "After the target: must not come back"),
        extra_checks=[present_and_absent],
    )
    assert set(Path(tempfile.gettempdir()).glob("strongroom-drill-*")) == scratch_before  # the scratch cluster is gone
    FIGURES.append(
        f"PITR drill {drill.status}: RTO {drill.rto_seconds} s, RPO {drill.rpo_seconds} s, phases {drill.phases}"
    )
    assert drill.status == DrillStatus.PASSED, drill.failure_reason
    names = {c["name"]: c["passed"] for c in drill.checks}
    expected = ["migrations", "pg_amcheck", "row counts and checksums", "target reached", "trial balances"]
    expected += ["audit chains", "VAT returns", "document files", "pitr rows", "RTO objective", "RPO objective"]
    for name in expected:
        assert names.get(name) is True, (name, _report(drill))
    assert drill.rto_seconds > 0 and drill.rpo_seconds is not None and drill.rpo_seconds >= 0
    assert set(drill.phases) >= {"restore", "documents", "replay", "app_ready", "verify"}
    assert drill.backup_label.endswith("F")  # the full backup taken by the fixture, plus the archived WAL
    assert source.run(lambda: _journal_present("aldgate-joinery", "After the target: must not come back"))


def test_a_corrupted_document_file_fails_the_drill_naming_the_file(on_source):
    source = on_source
    stored = source.run(lambda: _new_document(source, "bitrot"))
    path = Path(source.media) / stored
    original = path.read_bytes()
    try:
        path.write_bytes(original[:-8] + b"CORRUPT!")  # rot on disk, captured by the next snapshot
        source.run(lambda: snapshot_documents())
        drill = _drill(source)
    finally:
        path.write_bytes(original)
        source.run(lambda: snapshot_documents())
    assert drill.status == DrillStatus.FAILED
    assert "document files" in drill.failure_reason and stored in drill.failure_reason, drill.failure_reason
    assert "wrong SHA-256" in drill.failure_reason


def _new_document(source, label: str) -> str:
    from apps.tenancy.models import Tenant

    return store_document(Tenant.objects.get(slug="bramley-florists"), label).storage_name


def test_an_unbalanced_restored_ledger_fails_the_drill_naming_the_tenant(on_source):
    source = on_source
    tenant = source.seeded["bramley-florists"]["tenant"]
    line = f"SELECT id FROM ledger_journalline WHERE tenant_id = '{tenant}' AND debit > 0 ORDER BY id LIMIT 1"
    # Past the ledger's own guards (the balance and immutability triggers), as only a bug or bit rot could.
    corrupt = (
        f"SET session_replication_role = replica; UPDATE ledger_journalline SET debit = debit + 1 WHERE id = ({line})"
    )
    mend = (
        f"SET session_replication_role = replica; UPDATE ledger_journalline SET debit = debit - 1 WHERE id = ({line})"
    )
    source.superuser_sql(corrupt)
    try:
        source.run(lambda: take_backup("incr", source.tool))
        drill = _drill(source)
    finally:
        source.superuser_sql(mend)
    assert drill.status == DrillStatus.FAILED
    assert "trial balances" in drill.failure_reason and str(tenant) in drill.failure_reason, drill.failure_reason
    assert "unbalanced ledger" in drill.failure_reason


def test_backup_restore_refuses_a_live_database_and_restores_a_fresh_cluster(on_source, tmp_path):
    source = on_source
    # The source's own directory holds the live database: refused without --overwrite, and untouched.
    with pytest.raises(RestoreRefused, match="--overwrite"):
        source.run(lambda: restore_cluster(source.base, tool=source.tool))
    with pytest.raises(CommandError, match="already holds a database"):
        source.run(lambda: call_command("backup_restore", "--into", str(source.base), "--json"))
    assert (source.base / "data" / "postmaster.pid").exists()

    parent = Path(tempfile.mkdtemp(prefix="sr-staging-"))
    shutil.chown(parent, "postgres", "postgres")  # the restore creates the cluster's directory as that user
    into = parent / "staging"
    try:
        report = source.run(lambda: restore_cluster(into, tool=source.tool, listen=""))
        FIGURES.append(f"backup_restore: phases {report.phases}, backup {report.backup_label}")
        assert report.ok and report.migrations["passed"], report.as_dict()
        assert Path(report.documents).is_dir()
        restored = [p for p in Path(report.documents).rglob("*.pdf")]
        assert restored and all(hashlib.sha256(p.read_bytes()).hexdigest() in p.name for p in restored)
    finally:
        as_postgres(
            "/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(into / "data"), "-m", "immediate", "stop", check=False
        )
        as_postgres("rm", "-rf", str(into), check=False)
        shutil.rmtree(parent, ignore_errors=True)


def test_the_catalog_holds_what_the_repositories_report(on_source):
    source = on_source

    def work():
        call_command("backup_now", "--sync")
        return list(Backup.objects.filter(status=BackupStatus.SUCCEEDED).order_by("started_at"))

    rows = source.run(work)
    full = next(r for r in rows if r.kind == BackupKind.PG_FULL)
    assert full.label.endswith("F") and full.database_bytes > 0 and full.repository_bytes > 0
    assert full.wal_start and full.wal_stop and full.lsn_start and full.lsn_stop
    assert full.finished_at >= full.started_at and full.details["wal_max"]
    documents = [r for r in rows if r.kind == BackupKind.DOCUMENTS]
    assert documents and all(len(r.label) == 8 and r.details["snapshot_id"] for r in documents)
    window = source.run(selectors.recoverable_window)
    assert window is not None and window[0] <= window[1]


def test_the_restore_drill_command_reports_json_and_the_queued_task_runs_once(on_source, capsys):
    import json

    from apps.backups.services.schedule import scheduled_drill

    source = on_source
    source.run(lambda: call_command("restore_drill", "--json"))
    out, progress = capsys.readouterr()
    record = json.loads(out)
    assert record["status"] == "passed", record["failure_reason"]
    assert record["rto_seconds"] > 0 and "[" in progress and "replay" in progress  # the bar went to stderr
    FIGURES.append(f"restore_drill command: RTO {record['rto_seconds']} s, RPO {record['rpo_seconds']} s")
    # A redelivered task message for a drill that already ran does not run it again.
    assert source.run(lambda: scheduled_drill(record["id"])) == "passed"
