"""docs/dr/tenant-data-corrupted.md: its merge SQL, run verbatim, puts one business's rows back and nothing else.

The point-in-time copy is simulated by staging the rows as they were before the "bug"; the block then runs as
the owner role in the business's row-level-security context, as the runbook's psql command does.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connections, transaction

from apps.audit.labels import describe
from apps.audit.models import AuditEvent
from apps.backups.services.tenant_rows import MERGE_SQL
from apps.core.db_tenant import db_tenant
from apps.documents.models import Document
from apps.tenancy.context import tenant_context
from tests.factories import DocumentFactory, TenantFactory
from tests.helpers import ROOT

pytestmark = pytest.mark.postgres

RUNBOOK = ROOT / "docs" / "dr" / "tenant-data-corrupted.md"


def _merge_sql() -> str:
    text = RUNBOOK.read_text()
    marker = "<!-- tested: tests/backups/test_dr_tenant_merge.py runs this block verbatim -->\n```sql\n"
    assert marker in text, "the runbook's tested block moved: keep the marker above it"
    return text.split(marker, 1)[1].split("\n```", 1)[0]


def _stage(cursor, table: str, tenant_id) -> None:
    """The runbook's step 4, with the rows the point-in-time copy would hold (read under the business's RLS)."""
    cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
    cursor.execute("CREATE SCHEMA tenant_restore")
    cursor.execute(f"CREATE TABLE tenant_restore.{table} (LIKE public.{table})")
    cursor.execute(f"INSERT INTO tenant_restore.{table} SELECT * FROM public.{table} WHERE tenant_id = %s", [tenant_id])


def _merge(cursor, tenant_id) -> None:
    cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
    cursor.execute(_merge_sql())


def test_the_runbook_block_puts_back_one_business_rows_and_leaves_newer_and_other_rows_alone(committed_db):
    hit, bystander = TenantFactory(), TenantFactory()
    with tenant_context(hit):
        changed, deleted = DocumentFactory(tenant=hit, text="Invoice 7 total 120.00"), DocumentFactory(tenant=hit)
    with tenant_context(bystander):
        other = DocumentFactory(tenant=bystander, text="theirs")
    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        _stage(cursor, "documents_document", hit.pk)  # the point-in-time copy, before the bug
        cursor.execute("SELECT text FROM documents_document WHERE id = %s", [changed.pk])
        sealed_text = bytes(cursor.fetchone()[0])  # encrypted at rest (decision 0024): restored byte for byte
        cursor.execute("UPDATE documents_document SET text = 'garbled', failure_reason = 'bug' WHERE id = %s",
                       [changed.pk])  # fmt: skip
        cursor.execute("DELETE FROM documents_document WHERE id = %s", [deleted.pk])
        newer_id = _insert_copy_of(cursor, changed.pk)  # made after the point in time: stays
        cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(bystander.pk)])
        cursor.execute("UPDATE documents_document SET text = 'their own edit' WHERE id = %s", [other.pk])

        _merge(cursor, hit.pk)

        cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(hit.pk)])
        cursor.execute("SELECT id, text, failure_reason FROM documents_document ORDER BY text")
        rows = {row[0]: (bytes(row[1]), row[2]) for row in cursor.fetchall()}
        assert rows[changed.pk] == (sealed_text, "")
        assert deleted.pk in rows and newer_id in rows and len(rows) == 3
        cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(bystander.pk)])
        cursor.execute("SELECT text FROM documents_document WHERE id = %s", [other.pk])
        assert bytes(cursor.fetchone()[0]) == b"their own edit"
        transaction.set_rollback(True, using="owner")
    with tenant_context(hit):
        assert Document.objects.count() == 2  # everything above rolled back


@pytest.mark.parametrize(
    ("table", "reason"),
    [("ledger_journalline", "append-only"), ("ledger_accountmonth", "summed from the journal")],
)
def test_the_block_refuses_the_append_only_journal_and_its_summary(committed_db, table, reason):
    tenant = TenantFactory()
    owner = connections["owner"]
    with pytest.raises(DatabaseError, match=reason), transaction.atomic(using="owner"):
        with owner.cursor() as cursor:
            _stage(cursor, table, tenant.pk)
            _merge(cursor, tenant.pk)


def _insert_copy_of(cursor, document_id):
    cursor.execute(
        "INSERT INTO documents_document (id, original_filename, content_type, size, pages, sha256, storage_name,"
        " source, uploaded_at, state, state_changed_at, failure_reason, failure_step, extraction, text,"
        " classification, review_reasons, journal_entry_id, reviewed_at, attempts, duplicate_of_id, reviewed_by_id,"
        " tenant_id, uploaded_by_id, processing_run_id, received_on, set_aside_reason)"
        " SELECT (md5(random()::text))::uuid, original_filename, content_type, size,"
        " pages, md5(random()::text), '', source, uploaded_at, state, state_changed_at, failure_reason, failure_step,"
        " extraction, 'made later', classification, review_reasons, journal_entry_id, reviewed_at, attempts,"
        " duplicate_of_id, reviewed_by_id, tenant_id, uploaded_by_id, processing_run_id, received_on,"
        " set_aside_reason FROM documents_document WHERE id = %s RETURNING id",
        [document_id],
    )
    return cursor.fetchone()[0]


def test_the_tested_block_is_the_one_the_runbook_tells_people_to_run():
    sql = _merge_sql()
    assert sql.startswith("DO $merge$") and sql.rstrip().endswith("$merge$;")
    assert re.search(r"-f /tmp/merge\.sql -c \"rollback\"", RUNBOOK.read_text())


def test_the_command_runs_the_runbook_block():
    assert _merge_sql() == MERGE_SQL.strip("\n")


def test_restore_tenant_rows_dry_runs_by_default_then_applies_in_one_audited_transaction(committed_db):
    hit = TenantFactory()
    with tenant_context(hit):
        document = DocumentFactory(tenant=hit, text="Invoice 9 total 48.00")
    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        _stage(cursor, "documents_document", hit.pk)  # committed, as the runbook's step 4 leaves it
    try:
        with transaction.atomic(using="owner"), owner.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(hit.pk)])
            cursor.execute("UPDATE documents_document SET text = 'garbled', failure_reason = 'garbled' WHERE id = %s",
                           [document.pk])  # fmt: skip

        out = StringIO()
        call_command("restore_tenant_rows", tenant=hit.slug, stdout=out)
        assert "documents_document: 1 rows put back, 0 re-inserted, 0 only in production" in out.getvalue()
        assert "Dry run: nothing written" in out.getvalue()
        with tenant_context(hit):
            assert Document.objects.get(pk=document.pk).failure_reason == "garbled"

        call_command("restore_tenant_rows", tenant=hit.slug, apply=True, point_in_time="2026-12-05T14:29Z", stdout=out)
        with tenant_context(hit):
            restored = Document.objects.get(pk=document.pk)
            assert (restored.text, restored.failure_reason) == ("Invoice 9 total 48.00", "")  # opens again
        with db_tenant(hit.pk):
            event = AuditEvent.objects.get(chain=hit.pk, action="backups.tenant_rows.restored")
        assert describe(event) == (
            "put back rows from the copy at 2026-12-05T14:29Z: documents_document (1 put back, 0 re-inserted)"
        )
    finally:
        with owner.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS tenant_restore CASCADE")


@pytest.mark.django_db(databases=["default", "owner"])
def test_restore_tenant_rows_refuses_without_a_staged_copy(tenant_a):
    with pytest.raises(CommandError, match="Nothing staged"):
        call_command("restore_tenant_rows", tenant=tenant_a.slug, stdout=StringIO())
    with pytest.raises(CommandError, match="No business"):
        call_command("restore_tenant_rows", tenant="no-such-business", stdout=StringIO())
