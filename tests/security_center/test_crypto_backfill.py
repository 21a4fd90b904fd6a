"""The resumable backfill (apps.security_center.crypto.backfill), through the documents' real migrations.

The database goes back to documents 0003 (plain columns), gets plain rows,
and comes forward: 0004 adds the sealed columns, 0005 seals (here also by
hand, interrupted and resumed), 0006 drops the plain ones. Backwards, 0005
opens the values into the plain columns again.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from apps.documents.models import Document
from apps.security_center.crypto import backfill, envelope
from apps.security_center.crypto.backfill import backfill_fields, count_pending
from apps.tenancy.context import tenant_context
from tests.conftest import _is_postgres
from tests.factories import TenantFactory

PLAIN = ("documents", "0003_store_identity")
SEALED_BESIDE = ("documents", "0004_document_sealed_columns")
FIELDS = {"text": "text_sealed", "extraction": "extraction_sealed", "set_aside_reason": "set_aside_reason_sealed"}


# Writes must commit (each batch is its own transaction). PostgreSQL: the migrations run as the owner, whose
# tables the committed_db fixture empties afterwards; SQLite: one alias, a transactional test database.
pytestmark = [] if _is_postgres() else [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def migrator(request):
    if _is_postgres():
        request.getfixturevalue("committed_db")
    alias = "owner" if "owner" in connections.databases else "default"
    executor = MigrationExecutor(connections[alias])
    leaf = executor.loader.graph.leaf_nodes("documents")
    yield alias
    executor = MigrationExecutor(connections[alias])
    executor.migrate(leaf)  # whatever happened, the database ends at the latest schema


def migrate(alias: str, target):
    executor = MigrationExecutor(connections[alias])
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def plain_rows(apps, alias, tenant_id, n: int) -> dict[uuid.UUID, tuple]:
    model = apps.get_model("documents", "Document")
    made = {}
    with tenant_context(tenant_id, alias):
        for i in range(n):
            values = (f"page text {i} ünïcode", {"document_number": {"value": f"INV-{i}"}} if i % 3 else None, "")
            row = model._base_manager.using(alias).create(
                id=uuid.uuid4(), tenant_id=tenant_id, original_filename=f"{i}.pdf", content_type="application/pdf",
                size=1, pages=1, sha256=f"{i:064x}", storage_name="", text=values[0], extraction=values[1],
                set_aside_reason=values[2] or (f"reason {i}" if i % 2 else ""),
            )  # fmt: skip
            made[row.pk] = (row.text, row.extraction, row.set_aside_reason)
    return made


def test_backfill_is_resumable_prints_progress_and_the_migrations_round_trip(migrator, monkeypatch):
    alias = migrator
    tenants = [TenantFactory(), TenantFactory()]
    apps = migrate(alias, PLAIN)
    expected = {}
    for tenant in tenants:
        expected.update(plain_rows(apps, alias, tenant.pk, 5))
    apps = migrate(alias, SEALED_BESIDE)
    model = apps.get_model("documents", "Document")

    calls = {"n": 0}
    real_encrypt = envelope.encrypt

    def crash_after_seven(**kwargs):
        calls["n"] += 1
        if calls["n"] > 7:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        return real_encrypt(**kwargs)

    monkeypatch.setattr(backfill.envelope, "encrypt", crash_after_seven)
    lines: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        backfill_fields(model, FIELDS, using=alias, batch_size=2, progress=lines.append)
    first = tenants[0] if str(tenants[0].pk) < str(tenants[1].pk) else tenants[1]
    assert f"documents.text tenant {first.pk}: 0/5" in lines and f"documents.text tenant {first.pk}: 4/5" in lines
    with tenant_context(first.pk, alias):
        sealed_before = dict(
            model._base_manager.using(alias).filter(text_sealed__isnull=False).values_list("pk", "text_sealed")
        )
    assert 0 < len(sealed_before) < 10, "the interrupted run committed its finished batches"

    monkeypatch.setattr(backfill.envelope, "encrypt", real_encrypt)
    lines.clear()
    report = backfill_fields(model, FIELDS, using=alias, batch_size=2, progress=lines.append)
    assert report.complete and report.tenants == 2
    assert sum(count_pending(model, FIELDS, tenant_id=t.pk, using=alias) for t in tenants) == 0
    assert any(line.endswith(": 5/5") for line in lines)
    with tenant_context(first.pk, alias):
        after = dict(model._base_manager.using(alias).filter(pk__in=sealed_before).values_list("pk", "text_sealed"))
    assert {pk: bytes(v) for pk, v in after.items()} == {pk: bytes(v) for pk, v in sealed_before.items()}, (
        "rows sealed before the interruption are skipped, not sealed again"
    )
    assert backfill_fields(model, FIELDS, using=alias, progress=None).sealed == 0, "a rerun has nothing to do"

    migrate(alias, ("documents", "0006_document_drop_plain_columns"))
    for tenant in tenants:
        with tenant_context(tenant.pk):
            for document in Document.objects.filter(tenant=tenant):
                text, extraction, reason = expected[document.pk]
                assert (document.text, document.extraction, document.set_aside_reason) == (text, extraction, reason)

    apps = migrate(alias, PLAIN)  # backwards: 0005 opens the sealed values into the plain columns
    model = apps.get_model("documents", "Document")
    for tenant in tenants:
        with tenant_context(tenant.pk, alias):
            rows = model._base_manager.using(alias).filter(tenant_id=tenant.pk)
            got = {pk: (t, e, r) for pk, t, e, r in rows.values_list("pk", "text", "extraction", "set_aside_reason")}
        assert got == {pk: v for pk, v in expected.items() if pk in got} and len(got) == 5


def test_the_sealed_field_must_be_nullable_and_encrypted(migrator):
    apps = migrate(migrator, SEALED_BESIDE)
    model = apps.get_model("documents", "Document")
    with pytest.raises(ValueError, match="not an encrypted field"):
        backfill_fields(model, {"text": "original_filename"}, using=migrator)
    with pytest.raises(ValueError, match="batch_size"):
        backfill_fields(model, FIELDS, using=migrator, batch_size=0)
    assert backfill.backfill_migration("documents", "Document", FIELDS).__name__ == "backfill_documents_document"
