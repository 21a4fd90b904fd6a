"""documents_in_state from stored counters: the trigger keeps them exact, and a scrape is one query however many
businesses and documents there are (issue #18: counting at each scrape grew with the platform's history)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.documents.models import Document, DocumentState
from apps.monitors.collectors import document_state_counts
from apps.tenancy.context import tenant_context
from tests.factories import DocumentFactory, TenantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def counted_one_by_one() -> dict[str, int]:
    """The truth, the slow way: every tenant's documents counted in its own context."""
    from apps.tenancy.models import Tenant

    found = {state: 0 for state in DocumentState.values}
    for tenant in Tenant.objects.all():
        with tenant_context(tenant):
            for state in Document.objects.values_list("state", flat=True):
                found[state] += 1
    return found


def test_the_tally_follows_inserts_moves_and_deletes_in_every_tenant():
    tenants = [TenantFactory() for _ in range(3)]
    for i, tenant in enumerate(tenants):
        with tenant_context(tenant):
            DocumentFactory.create_batch(2 + i, tenant=tenant, state=DocumentState.RECEIVED)
            DocumentFactory(tenant=tenant, state=DocumentState.POSTED)
    assert document_state_counts() == counted_one_by_one()
    with tenant_context(tenants[0]):
        Document.objects.filter(state=DocumentState.RECEIVED).update(state=DocumentState.NEEDS_REVIEW)
        Document.objects.filter(state=DocumentState.POSTED).delete()
    counts = document_state_counts()
    assert counts == counted_one_by_one()
    assert counts[DocumentState.NEEDS_REVIEW] == 2 and counts[DocumentState.POSTED] == 2


def test_a_rolled_back_upload_leaves_the_tally_as_it_was():
    tenant = TenantFactory()
    before = document_state_counts()
    with pytest.raises(RuntimeError), transaction.atomic(), tenant_context(tenant):
        DocumentFactory(tenant=tenant, state=DocumentState.RECEIVED)
        raise RuntimeError("the upload failed after its row was written")
    assert document_state_counts() == before


def test_a_scrape_is_one_query_with_one_business_or_many():
    def scrape_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            document_state_counts()
        return len(ctx)

    tenant = TenantFactory()
    with tenant_context(tenant):
        DocumentFactory(tenant=tenant)
    one = scrape_queries()
    for _ in range(8):
        other = TenantFactory()
        with tenant_context(other):
            DocumentFactory.create_batch(3, tenant=other)
    assert scrape_queries() == one == 1
    with connection.cursor() as cursor:  # and what it reads is bounded: states x stripes rows, never documents
        cursor.execute("SELECT count(*) FROM observability_documentstatetally")
        assert cursor.fetchone()[0] <= len(DocumentState.values) * 16


def test_the_application_role_cannot_write_the_tally():
    from django.db.utils import ProgrammingError

    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE observability_documentstatetally SET n = n + 1")
