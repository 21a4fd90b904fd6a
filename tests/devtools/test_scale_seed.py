"""The scale seed at tiny size: rows as the product stores them, balanced, sealed, isolated and reproducible.

The benchmark itself (``make bench-scale``) takes minutes and prints figures; it is never a test.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Sum

from apps.audit.selectors import verify_chain
from apps.devtools.scale import history as scale_history
from apps.devtools.scale.digest import dataset_digest
from apps.devtools.scale.seed import SLUG, SMALL_SLUG, analyze_tables, owner_email, seed_scale
from apps.devtools.scale.vat import quarters
from apps.documents.models import Document, DocumentSearchToken, DocumentState
from apps.documents.search import document_tokens
from apps.documents.selectors import search_condition
from apps.filing import calculation, figures
from apps.filing.domain import ReturnStatus
from apps.filing.models import VatObligation, VatReturn, VatSettings
from apps.ledger.models import BankTransaction, JournalEntry, JournalLine
from apps.observability.models import DocumentStateTally
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Role, Tenant

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TODAY = date(2026, 12, 6)


@pytest.fixture
def seeded():
    result = seed_scale(tenants=1, documents_per_tenant=40, small_documents=15, seed=3, today=TODAY, report=lambda _: 0)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the ledger's deferred balance triggers run now
    return result


def test_every_business_gets_its_history_and_an_owner(seeded):
    assert seeded.tenants == [SMALL_SLUG, f"{SLUG}01"]
    assert seeded.rows["documents"] == 55
    for slug, documents in ((SMALL_SLUG, 15), (f"{SLUG}01", 40)):
        tenant = Tenant.objects.get(slug=slug)
        with tenant_context(tenant):
            assert Document.objects.count() == documents
            assert Membership.objects.get(user__email=owner_email(slug)).role == Role.OWNER
            posted = Document.objects.filter(state=DocumentState.POSTED)
            assert JournalEntry.objects.count() == posted.count() > 0
            numbers = sorted(JournalEntry.objects.values_list("number", flat=True))
            assert numbers == list(range(1, len(numbers) + 1))  # gap-free, as the journal counter hands them out


def test_journals_balance_and_audit_chains_verify(seeded):
    tenant = Tenant.objects.get(slug=f"{SLUG}01")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT entry_id FROM ledger_journalline GROUP BY entry_id"
            " HAVING sum(debit) <> sum(credit) OR count(*) < 2) AS unbalanced"
        )
        assert cursor.fetchone()[0] == 0
    report = verify_chain(tenant.pk)
    assert report.ok, report


def test_sealed_fields_open_in_the_tenants_context_and_match_the_entry(seeded):
    tenant = Tenant.objects.get(slug=f"{SLUG}01")
    with tenant_context(tenant):
        document = Document.objects.filter(state=DocumentState.POSTED).first()
        extraction = document.extraction  # opens the sealed value
        assert extraction["supplier_name"]["value"] in document.text
        entry = JournalEntry.objects.get(pk=document.journal_entry_id)
        assert extraction["document_number"]["value"] in entry.description
        lines = list(JournalLine.objects.filter(entry=entry))
        assert sum(li.debit for li in lines) == sum(li.credit for li in lines)
        gross = max(li.credit for li in lines)
        assert f"{gross:.2f}" == extraction["gross"]["value"]
        line = BankTransaction.objects.filter(status=BankTransaction.Status.MATCHED).first()
        assert line.counterparty and line.counterparty.upper() in line.description
    with connection.cursor() as cursor:  # in the database they are ciphertext, not the words
        cursor.execute("SELECT position(%s::bytea in text) FROM documents_document WHERE id = %s",
                       [extraction["supplier_name"]["value"].encode(), document.pk])  # fmt: skip
        assert cursor.fetchone() in (None, (0,))


def test_row_level_security_keeps_the_seeded_businesses_apart(seeded):
    big, small = Tenant.objects.get(slug=f"{SLUG}01"), Tenant.objects.get(slug=SMALL_SLUG)
    with tenant_context(small), connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT tenant_id) FROM documents_document")
        assert cursor.fetchone() == (15, 1)
        cursor.execute("SELECT count(*) FROM ledger_journalentry WHERE tenant_id = %s", [big.pk])
        assert cursor.fetchone()[0] == 0  # the other business's rows are invisible, even by id
    with connection.cursor() as cursor:  # outside any tenant: nothing at all
        cursor.execute("SELECT count(*) FROM documents_document")
        assert cursor.fetchone()[0] == 0


def test_filed_returns_hold_what_the_products_calculation_gives(seeded):
    tenant = Tenant.objects.get(slug=f"{SLUG}01")
    with tenant_context(tenant):
        settings_row = VatSettings.objects.get()
        returns = list(VatReturn.objects.select_related("obligation").order_by("obligation__start"))
        assert len(returns) == 7 and {r.status for r in returns} == {ReturnStatus.SUBMITTED}
        assert VatObligation.objects.filter(status=VatObligation.Status.OPEN).count() == 1
        for vat_return in returns:
            computation, _ = calculation.compute(vat_return.obligation, settings_row)
            assert vat_return.boxes == computation.boxes
            claimed = set(vat_return.lines.values_list("journal_line_id", flat=True))
            assert claimed == {c.line_id for c in computation.contributions}


def test_filed_returns_record_the_journal_number_they_were_frozen_at(seeded):
    """As the product's freeze does (decision 0034): the open period's late-posting search then starts above it
    instead of scanning every filed period whole, and still gives the reference's figures."""
    tenant = Tenant.objects.get(slug=f"{SLUG}01")
    with tenant_context(tenant):
        settings_row = VatSettings.objects.get()
        for vat_return in VatReturn.objects.all():
            frozen_at = JournalEntry.objects.filter(posted_at__lte=vat_return.approved_at).aggregate(n=Max("number"))
            assert vat_return.claimed_through == (frozen_at["n"] or 0)
        assert VatReturn.objects.filter(claimed_through__gt=0).exists()  # the fixture's history reaches a freeze
        open_period = VatObligation.objects.get(status=VatObligation.Status.OPEN)
        scope = figures.scope_for(open_period, settings_row)
        assert [r.above for r in scope.late] == [r.claimed_through for r in VatReturn.objects.order_by("period_key")]
        computation, _ = calculation.compute(open_period, settings_row)
        assert figures.period_figures(open_period, None, settings_row).boxes == computation.boxes


def test_the_same_seed_makes_the_same_history():
    first_day, last_day = quarters(TODAY, 8)[1][0][0], TODAY
    namespace = uuid.uuid4()

    def made():
        items = scale_history.history(seed=5, key="x", own_name="X Ltd", documents=30, first_day=first_day,
                                      last_day=last_day, namespace=namespace)  # fmt: skip
        return [(m.id, m.state, m.extraction.to_json(), m.plan) for m in items]

    assert made() == made()


def test_the_state_tally_counts_the_bulk_loaded_documents(seeded):
    by_state: dict[str, int] = {}
    for slug in (SMALL_SLUG, f"{SLUG}01"):
        with tenant_context(Tenant.objects.get(slug=slug)):
            for state, n in Document.objects.values_list("state").annotate(n=Count("id")):
                by_state[state] = by_state.get(state, 0) + n
    tally: dict[str, int] = {}
    for state, n in DocumentStateTally.objects.values_list("state").annotate(n=Sum("n")):
        if n:
            tally[state] = n
    assert tally == by_state and sum(tally.values()) == 55


def test_seeded_documents_carry_the_search_tokens_save_writes_and_search_finds_them(seeded):
    tenant = Tenant.objects.get(slug=f"{SLUG}01")
    with tenant_context(tenant):
        for document in Document.objects.all():
            stored = set(DocumentSearchToken.objects.filter(document=document).values_list("token", flat=True))
            assert {bytes(t) for t in stored} == document_tokens(tenant.pk, document.extraction)
        document = Document.objects.filter(state=DocumentState.POSTED).first()
        extraction = document.extraction
        for query in (extraction["document_number"]["value"], extraction["supplier_name"]["value"].split()[0]):
            assert document in Document.objects.filter(search_condition(tenant.pk, query)), query
        assert not Document.objects.filter(search_condition(tenant.pk, "Nonexistent Widgets")).exists()


@pytest.mark.django_db(databases=["default", "owner"])
def test_after_seeding_the_tables_are_analysed():
    def analysed() -> int:
        with connections["owner"].cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT coalesce(sum(analyze_count), 0) FROM pg_stat_user_tables"
                " WHERE relname IN ('documents_document', 'documents_documentsearchtoken', 'ledger_journalline')"
            )
            return cursor.fetchone()[0]

    before = analysed()
    tables = analyze_tables()
    assert {"documents_document", "documents_documentsearchtoken", "ledger_journalline"} <= set(tables)
    assert analysed() == before + 3


def test_the_same_arguments_and_seed_make_the_same_data_and_another_seed_does_not():
    def digest(seed: int) -> str:
        with transaction.atomic():  # a savepoint inside the test's transaction: rolled back, the next starts empty
            seed_scale(tenants=1, documents_per_tenant=12, small_documents=5, seed=seed, today=TODAY,
                       report=lambda _: 0)  # fmt: skip
            found = dataset_digest([SMALL_SLUG, f"{SLUG}01"])
            transaction.set_rollback(True)
        return found

    first = digest(7)
    assert digest(7) == first
    assert digest(8) != first
