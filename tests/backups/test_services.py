"""The parts of backups that need no external tool: catalog rows from the tools' JSON, the file reconciliation,
the application checks of a restored copy, the restored cluster's log reading, the OS-user prefix."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.backups.models import Backup, BackupKind, BackupStatus
from apps.backups.services import process
from apps.backups.services.cluster import RestoredCluster
from apps.backups.services.pgbackrest import catalog_fields, sync_catalog
from apps.backups.services.reconcile import reconcile_files
from apps.backups.services.restic import sync_catalog as sync_snapshots
from apps.backups.services.verify import check_returns, check_trial_balances
from apps.documents.services.storage import store_blob
from apps.filing.domain import ReturnStatus
from apps.tenancy.context import tenant_context
from tests.factories import DocumentFactory
from tests.factories.filing import VatReturnFactory

pytestmark = pytest.mark.django_db

# The shape of `pgbackrest info --output=json` (2.45) for one stanza, figures from a run on this machine.
INFO = {
    "name": "strongroom",
    "archive": [{"id": "15-1", "min": "000000010000000000000003", "max": "00000001000000000000000A"}],
    "backup": [
        {
            "label": "20261205-212546F",
            "type": "full",
            "timestamp": {"start": 1796505946, "stop": 1796505950},
            "info": {"size": 31457280, "delta": 31457280, "repository": {"size": 4194304, "delta": 4194304}},
            "archive": {"start": "000000010000000000000003", "stop": "000000010000000000000003"},
            "lsn": {"start": "0/3000028", "stop": "0/3000138"},
            "prior": None,
            "reference": None,
            "error": False,
        },
        {
            "label": "20261205-212546F_20261205-212838I",
            "type": "incr",
            "timestamp": {"start": 1796506118, "stop": 1796506121},
            "info": {"size": 31457280, "delta": 262144, "repository": {"size": 4194304, "delta": 32768}},
            "archive": {"start": "000000010000000000000009", "stop": "000000010000000000000009"},
            "lsn": {"start": "0/9000028", "stop": "0/9000100"},
            "prior": "20261205-212546F",
            "reference": ["20261205-212546F"],
            "error": False,
        },
    ],
}


def test_catalog_rows_carry_what_pgbackrest_info_reports_and_expired_backups_are_marked():
    fields = catalog_fields(INFO["backup"][1])
    assert fields["kind"] == BackupKind.PG_INCR and fields["label"].endswith("I")
    assert fields["started_at"] == datetime.fromtimestamp(1796506118, tz=UTC)
    assert (fields["database_bytes"], fields["repository_bytes"]) == (31457280, 4194304)
    assert (fields["lsn_start"], fields["wal_stop"]) == ("0/9000028", "000000010000000000000009")
    gone = Backup.objects.create(kind=BackupKind.PG_FULL, label="20261101-010000F", status=BackupStatus.SUCCEEDED,
                                 started_at=datetime(2026, 11, 1, tzinfo=UTC))  # fmt: skip
    rows = sync_catalog(INFO)
    assert {r.label for r in rows} == {"20261205-212546F", "20261205-212546F_20261205-212838I"}
    assert rows[1].details["prior"] == "20261205-212546F" and rows[1].details["wal_max"] == INFO["archive"][0]["max"]
    assert sync_catalog(INFO) and Backup.objects.filter(kind__in=["pg_full", "pg_incr"]).count() == 3  # idempotent
    gone.refresh_from_db()
    assert "expired_at" in gone.details


def test_restic_snapshots_become_documents_rows_once():
    snapshots = [{"id": "f" * 64, "short_id": "ffffffff", "time": "2026-12-05T21:26:00.1+00:00", "paths": ["/m"]}]
    sync_snapshots(snapshots)
    sync_snapshots(snapshots)
    row = Backup.objects.get(kind=BackupKind.DOCUMENTS)
    assert row.label == "ffffffff" and row.status == BackupStatus.SUCCEEDED and row.details["paths"] == ["/m"]


def test_the_reconciliation_names_missing_and_altered_files(tenant_a, media_root):
    good, altered = b"%PDF good receipt", b"%PDF altered receipt"
    with tenant_context(tenant_a):
        for content in (good, altered):
            sha = hashlib.sha256(content).hexdigest()
            store_blob(f"tenants/{tenant_a.pk}/documents/{sha}.pdf", content)
            DocumentFactory(tenant=tenant_a, sha256=sha, storage_name=f"tenants/{tenant_a.pk}/documents/{sha}.pdf")
        missing = DocumentFactory(tenant=tenant_a)
    altered_name = f"tenants/{tenant_a.pk}/documents/{hashlib.sha256(altered).hexdigest()}.pdf"
    (Path(media_root) / altered_name).write_bytes(b"bit rot")
    report = reconcile_files()
    assert report.checked == 3 and not report.ok
    assert [m["document"] for m in report.missing] == [str(missing.pk)]
    assert [m["file"] for m in report.mismatched] == [altered_name]
    assert altered_name in report.describe() and str(tenant_a.pk) in report.describe()
    assert reconcile_files(Path(media_root)).as_dict() == report.as_dict()  # a restored root reads the same way


def test_the_restored_copy_checks_find_unbalanced_books_and_half_submitted_returns(tenant_with_books):
    assert check_trial_balances().passed
    tenant = tenant_with_books.tenant
    with tenant_context(tenant):
        VatReturnFactory(tenant=tenant, obligation=tenant_with_books.q1, status=ReturnStatus.APPROVED,
                         form_bundle_number="123456789012")  # fmt: skip
    check = check_returns()
    assert not check.passed and str(tenant.pk) in check.detail and "half-submitted" in check.detail


def test_recovery_is_read_from_the_log(monkeypatch, tmp_path):
    cluster = RestoredCluster(base=tmp_path, work=tmp_path, port=57599)
    log = (
        "LOG:  recovery stopping before commit of transaction 812, time 2026-12-05 21:26:10.5+00\n"
        "LOG:  last completed transaction was at log time 2026-12-05 21:26:10.498123+00\n"
    )
    monkeypatch.setattr(cluster, "log", lambda: log)
    assert cluster.last_replayed_commit() == datetime(2026, 12, 5, 21, 26, 10, 498123, tzinfo=UTC)
    assert cluster._recovery_problem() == ""
    monkeypatch.setattr(cluster, "log", lambda: "FATAL:  recovery ended before configured recovery target was reached")
    assert "recovery target" in cluster._recovery_problem()


def test_the_tools_run_as_the_database_os_user(monkeypatch):
    monkeypatch.setattr(process.getpass, "getuser", lambda: "postgres")
    assert process.as_os_user(["pgbackrest", "info"], "postgres") == ["pgbackrest", "info"]
    monkeypatch.setattr(process.getpass, "getuser", lambda: "root")
    monkeypatch.setattr(process.os, "geteuid", lambda: 0)
    assert process.as_os_user(["pgbackrest"], "postgres")[:4] == ["runuser", "-u", "postgres", "--"]
    monkeypatch.setattr(process.getpass, "getuser", lambda: "strongroom")
    monkeypatch.setattr(process.os, "geteuid", lambda: 1000)
    assert process.as_os_user(["pgbackrest"], "postgres")[:5] == ["sudo", "-n", "-u", "postgres", "--"]


def test_a_failing_tool_is_a_clear_error_not_a_crash():
    with pytest.raises(process.BackupError, match="exit 3"):
        process.run(["sh", "-c", "echo nope >&2; exit 3"], what="sh")
    with pytest.raises(process.BackupError, match="not installed"):
        process.run(["strongroom-no-such-tool"])


def test_the_commands_refuse_bad_input_with_a_message():
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("restore_drill", "--target-time", "yesterday")
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("backup_restore", "--into", "/nonexistent/x", "--target-time", "2026-01-01T00:00:00")


@pytest.mark.postgres
def test_the_fingerprint_sees_a_changed_row_and_names_its_table_and_tenant(tenant_with_books):
    from apps.backups.services.fingerprint import differences, fingerprint
    from apps.ledger.models import JournalEntry

    tenant = tenant_with_books.tenant
    before = fingerprint()
    assert before == fingerprint()  # stable
    with tenant_context(tenant):
        entry = JournalEntry.objects.get(pk=tenant_with_books.entries[0].pk)
        entry.description = "Altered"  # sealed (decision 0025): set on the instance, not by update()
        entry.save(update_fields=["description"])
    found = differences(before, fingerprint())
    assert found == [f"ledger_journalentry of tenant {tenant.pk}: same 7 rows, different contents"]
