"""PostgreSQL's half of the ledger's promises: balance at COMMIT and immutability, whoever writes.

Rows are written with raw SQL as the application role, as a bug or an
injection would, bypassing the posting service. Deferred triggers fire at
COMMIT; inside a test transaction ``SET CONSTRAINTS ALL IMMEDIATE`` fires them
now. The committed tests show the real COMMIT path, after ``tenant_context``
has already cleared ``app.tenant_id``.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from django.db import IntegrityError, connection, connections, transaction

from apps.ledger import services
from apps.ledger.models import Account, JournalEntry, JournalLine
from apps.tenancy.context import tenant_context
from tests.factories import TenantFactory
from tests.ledger.builders import classified, make_extraction

pytestmark = pytest.mark.postgres


def _raw_entry(tenant, lines: list[tuple[str, str, str]], number: int = 900) -> uuid.UUID:
    """Insert an entry and its lines with SQL only. ``lines``: (account code, debit, credit)."""
    entry_id = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (id, tenant_id, number, date, description, kind, explanation, posted_at)"
            " VALUES (%s, %s, %s, %s, 'raw', 'manual', '', now())",
            [entry_id, tenant.pk, number, date(2025, 1, 1)],
        )
        for position, (code, debit, credit) in enumerate(lines, start=1):
            cursor.execute(
                "INSERT INTO ledger_journalline"
                " (id, tenant_id, entry_id, account_id, position, debit, credit, vat_treatment, description)"
                " SELECT %s, %s, %s, id, %s, %s, %s, '', '' FROM ledger_account WHERE code = %s",
                [uuid.uuid4(), tenant.pk, entry_id, position, debit, credit, code],
            )
            assert cursor.rowcount == 1
    return entry_id


def _check_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
class TestBalanceTrigger:
    @pytest.mark.parametrize(
        ("lines", "message"),
        [
            ([("090", "10.00", "0"), ("970", "0", "9.99")], "does not balance: debits 10.00 and credits 9.99"),
            ([("090", "10.00", "0")], "has 1 line"),
            ([], "has 0 line"),
        ],
    )
    def test_unbalanced_raw_sql_is_refused_when_constraints_are_checked(self, chart_a, lines, message):
        with pytest.raises(IntegrityError, match=message), tenant_context(chart_a):
            _raw_entry(chart_a, lines)
            _check_now()

    def test_balanced_raw_sql_and_service_postings_pass(self, chart_a, in_tenant):
        with in_tenant(chart_a):
            _raw_entry(chart_a, [("090", "10.00", "0"), ("970", "0", "10.00")])
            services.post_document(document_id=uuid.uuid4(), extraction=make_extraction(), classification=classified())
            _check_now()
            assert JournalEntry.objects.count() == 2

    def test_a_line_cannot_join_another_tenants_entry(self, chart_a, chart_b, in_tenant):
        with in_tenant(chart_a):
            entry = services.post_document(
                document_id=uuid.uuid4(), extraction=make_extraction(), classification=classified()
            )
        with pytest.raises(IntegrityError, match="not in tenant"), tenant_context(chart_b):
            account_b = Account.objects.get(code="461")
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO ledger_journalline"
                    " (id, tenant_id, entry_id, account_id, position, debit, credit, vat_treatment, description)"
                    " VALUES (%s, %s, %s, %s, 9, 5, 0, '', '')",
                    [uuid.uuid4(), chart_b.pk, entry.pk, account_b.pk],
                )
            _check_now()

    def test_the_python_check_refuses_before_the_database_does(self, chart_a, in_tenant, owner_a):
        from apps.ledger.errors import UnbalancedEntryError

        with in_tenant(chart_a), pytest.raises(UnbalancedEntryError):
            services.post_manual_entry(
                entry_date=date(2025, 1, 1),
                description="Unbalanced",
                lines=[services.LineSpec("090", debit=10), services.LineSpec("970", credit=9)],
                actor=owner_a,
            )


@pytest.mark.django_db
class TestImmutability:
    @pytest.fixture
    def entry(self, chart_a, in_tenant):
        with in_tenant(chart_a):
            return services.post_document(
                document_id=uuid.uuid4(), extraction=make_extraction(), classification=classified()
            )

    @pytest.mark.parametrize(
        ("sql", "message"),
        [
            ("UPDATE ledger_journalline SET debit = debit + 1 WHERE entry_id = %s", "immutable once posted"),
            ("UPDATE ledger_journalline SET description = 'edited' WHERE entry_id = %s", "immutable once posted"),
            ("DELETE FROM ledger_journalline WHERE entry_id = %s", "DELETE refused"),
            ("UPDATE ledger_journalentry SET date = date + 1 WHERE id = %s", "posted journal entries are immutable"),
            ("UPDATE ledger_journalentry SET number = 77 WHERE id = %s", "posted journal entries are immutable"),
            ("UPDATE ledger_journalentry SET source_document_id = NULL WHERE id = %s", "immutable"),
            ("DELETE FROM ledger_journalentry WHERE id = %s", "cannot be deleted"),
        ],
    )
    def test_posted_rows_refuse_changes(self, entry, chart_a, sql, message):
        with pytest.raises(IntegrityError, match=message), tenant_context(chart_a):
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])

    def test_the_orm_is_refused_too(self, entry, chart_a):
        with pytest.raises(IntegrityError, match="immutable"), tenant_context(chart_a):
            JournalLine.objects.filter(entry=entry).update(credit=0)

    def test_the_description_may_still_be_corrected(self, entry, chart_a, in_tenant):
        with in_tenant(chart_a):
            entry.description = "Viking Direct, invoice 1001"  # sealed (decision 0025): saved through the instance
            entry.save(update_fields=["description"])
            assert JournalEntry.objects.get(pk=entry.pk).description == "Viking Direct, invoice 1001"


def test_a_real_commit_checks_balance_after_the_tenant_setting_is_cleared(committed_db):
    tenant = TenantFactory()
    with tenant_context(tenant):
        services.seed_chart_of_accounts(tenant)
    with tenant_context(tenant):  # commits here: the trigger must see the lines
        entry = services.post_document(
            document_id=uuid.uuid4(), extraction=make_extraction(), classification=classified()
        )
    with pytest.raises(IntegrityError, match="does not balance"):
        with tenant_context(tenant):
            _raw_entry(tenant, [("090", "10.00", "0"), ("970", "0", "1.00")], number=901)
    with tenant_context(tenant):
        assert list(JournalEntry.objects.values_list("pk", flat=True)) == [entry.pk]


def test_the_table_owner_is_stopped_by_the_triggers_even_without_forced_rls(committed_db):
    tenant = TenantFactory()
    with tenant_context(tenant):
        services.seed_chart_of_accounts(tenant)
        entry = services.post_document(
            document_id=uuid.uuid4(), extraction=make_extraction(), classification=classified()
        )
    owner = connections["owner"]
    for sql, message in [
        ("UPDATE ledger_journalline SET debit = 0.01 WHERE entry_id = %s", "immutable"),
        ("DELETE FROM ledger_journalline WHERE entry_id = %s", "immutable"),
        ("DELETE FROM ledger_journalentry WHERE id = %s", "cannot be deleted"),
    ]:
        with pytest.raises(IntegrityError, match=message), transaction.atomic(using="owner"):
            with owner.cursor() as cursor:
                cursor.execute("ALTER TABLE ledger_journalline NO FORCE ROW LEVEL SECURITY")
                cursor.execute("ALTER TABLE ledger_journalentry NO FORCE ROW LEVEL SECURITY")
                cursor.execute(sql, [entry.pk])


def test_concurrent_postings_queue_per_tenant_without_gaps_or_duplicates(committed_db):
    """Eight threads: four post the same document, four post their own. One entry each, numbers 1..5."""
    tenant = TenantFactory()
    with tenant_context(tenant):
        services.seed_chart_of_accounts(tenant)
    shared = uuid.uuid4()
    documents = [shared] * 4 + [uuid.uuid4() for _ in range(4)]
    results: list[tuple[uuid.UUID, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(documents))

    def work(document_id: uuid.UUID) -> None:
        try:
            start.wait()
            with tenant_context(tenant):
                entry = services.post_document(
                    document_id=document_id, extraction=make_extraction(), classification=classified()
                )
            results.append((document_id, entry.number))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(d,)) for d in documents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len({n for d, n in results if d == shared}) == 1
    with tenant_context(tenant):
        numbers = sorted(JournalEntry.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]
