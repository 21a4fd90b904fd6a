"""The data migrations of decision 0025: plain rows written before them come out sealed, indexed and readable.

Each test migrates its app back to before the sealed columns, writes plain rows
with the historical models (two tenants), migrates forward to the latest
migration and reads the rows through today's models. Committed database (the
backfill commits batch by batch and refuses to run inside a transaction).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from apps.security_center.crypto import envelope, keystore
from apps.tenancy.context import tenant_context
from tests.factories import TenantFactory

ALIAS = "owner" if "owner" in settings.DATABASES else "default"
ON_POSTGRES = "owner" in settings.DATABASES
# PostgreSQL: committed writes, cleaned up through the owner (the audit log refuses a plain flush);
# SQLite: pytest-django's transactional database.
pytestmark = [pytest.mark.slow] + ([] if ON_POSTGRES else [pytest.mark.django_db(transaction=True)])


def _migrate(targets) -> object:
    """Migrate to ``targets``; returns the historical apps registry there."""
    connection = connections[ALIAS]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest(app_label: str) -> tuple[str, str]:
    executor = MigrationExecutor(connections[ALIAS])
    return next(node for node in executor.loader.graph.leaf_nodes() if node[0] == app_label)


def _raw(table: str, column: str, pk: uuid.UUID, tenant) -> bytes:
    connection = connections["default"]
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex if connection.vendor == "sqlite" else pk])
        return bytes(cursor.fetchone()[0])


@pytest.fixture
def two_tenants(request):
    if ON_POSTGRES:
        request.getfixturevalue("committed_db")
    keystore.clear_key_cache()
    yield TenantFactory(), TenantFactory()
    keystore.clear_key_cache()


def test_onboarding_answers_and_notes_are_sealed_by_the_migration(two_tenants):
    a, b = two_tenants
    latest = _latest("onboarding")
    try:
        old = _migrate([("onboarding", "0001_initial")])
        progress = old.get_model("onboarding", "OnboardingProgress")
        ids = {}
        for tenant, street in ((a, "1 Mill Lane"), (b, "2 Quay Street")):
            with tenant_context(tenant, ALIAS):
                row = progress._base_manager.db_manager(ALIAS).create(
                    id=uuid.uuid4(),
                    tenant_id=tenant.pk,
                    started_at="2026-01-05T10:00:00Z",
                    data={"business": {"address_line_1": street}},
                    kyc_reasons=["Staff could not confirm it"],
                    review_note=f"note of {street}",
                    review_decision_note="",
                )
                ids[tenant.pk] = row.pk
        _migrate([latest])
    finally:
        _migrate([latest])
    from apps.onboarding.models import OnboardingProgress

    for tenant, street in ((a, "1 Mill Lane"), (b, "2 Quay Street")):
        stored = _raw("onboarding_onboardingprogress", "data", ids[tenant.pk], tenant)
        assert envelope.looks_sealed(stored) and street.encode() not in stored
        with tenant_context(tenant):
            row = OnboardingProgress.objects.get(pk=ids[tenant.pk])
            assert row.data == {"business": {"address_line_1": street}}
            assert row.kyc_reasons == ["Staff could not confirm it"] and row.review_note == f"note of {street}"
            assert row.review_decision_note == ""  # an empty note is sealed as empty, not left NULL


def test_ledger_bank_lines_rules_and_entries_are_sealed_and_indexed_by_the_migrations(two_tenants):
    a, _b = two_tenants
    latest = _latest("ledger")
    try:
        old = _migrate([("ledger", "0005_journal_attachment")])
        bank = old.get_model("ledger", "BankTransaction")
        rule = old.get_model("ledger", "Rule")
        account = old.get_model("ledger", "Account")
        entry = old.get_model("ledger", "JournalEntry")
        line = old.get_model("ledger", "JournalLine")
        manager = lambda model: model._base_manager.db_manager(ALIAS)  # noqa: E731
        with tenant_context(a, ALIAS):
            bank_line = manager(bank).create(
                id=uuid.uuid4(), tenant_id=a.pk, feed_account_id="acc", external_id="x1", date=date(2025, 2, 1),
                description="FASTER PAYMENT J SMITH", amount=Decimal("-5.00"), counterparty="J Smith",
                status="ignored", ignored_reason="Own transfer",
            )  # fmt: skip
            learned = manager(rule).create(
                id=uuid.uuid4(), tenant_id=a.pk, name="J Smith Plumbing (learned from a correction)",
                supplier_vat_number="980780684", account_code="461", created_from_correction=True,
            )  # fmt: skip
            accounts = [
                manager(account).create(id=uuid.uuid4(), tenant_id=a.pk, code=code, name=code, type="expense")
                for code in ("461", "800")
            ]
            journal = manager(entry).create(
                id=uuid.uuid4(), tenant_id=a.pk, number=1, date=date(2025, 2, 1), kind="manual",
                description="Director's loan to J Smith", explanation="Reason: typed by a person",
            )  # fmt: skip
            for position, (acc, debit, credit) in enumerate(
                [(accounts[0], Decimal("5"), Decimal("0")), (accounts[1], Decimal("0"), Decimal("5"))], start=1
            ):
                manager(line).create(
                    id=uuid.uuid4(), tenant_id=a.pk, entry_id=journal.pk, account_id=acc.pk, position=position,
                    debit=debit, credit=credit,
                )  # fmt: skip
        _migrate([latest])
    finally:
        _migrate([latest])
    from apps.ledger.models import VAT_INDEX, BankTransaction, JournalEntry, Rule, rule_index

    assert b"J Smith" not in _raw("ledger_banktransaction", "counterparty", bank_line.pk, a)
    assert b"Own transfer" not in _raw("ledger_banktransaction", "ignored_reason", bank_line.pk, a)
    assert b"980780684" not in _raw("ledger_rule", "supplier_vat_number", learned.pk, a)
    assert b"J Smith" not in _raw("ledger_journalentry", "description", journal.pk, a)
    with tenant_context(a):
        got = BankTransaction.objects.get(pk=bank_line.pk)
        assert (got.description, got.counterparty, got.ignored_reason) == (
            "FASTER PAYMENT J SMITH", "J Smith", "Own transfer",
        )  # fmt: skip
        found = Rule.objects.get(supplier_vat_index=rule_index(a.pk, "980780684", VAT_INDEX))
        assert found.pk == learned.pk and found.name.startswith("J Smith Plumbing")
        opened = JournalEntry.objects.get(pk=journal.pk)
        assert (opened.description, opened.explanation) == ("Director's loan to J Smith", "Reason: typed by a person")
