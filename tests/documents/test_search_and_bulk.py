"""Documents search by supplier, number, amount and dates with a bounded count, and bulk actions (issue #13)."""

from __future__ import annotations

import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.errors import NotAllowed as PermissionDenied
from apps.documents.models import Document, DocumentSearchToken, DocumentState
from apps.documents.selectors import DocumentFilters, match_count
from apps.documents.services.bulk import BulkActionError, bulk_act
from apps.ledger.services import seed_chart_of_accounts
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories import DocumentFactory
from tests.ledger.builders import make_extraction

pytestmark = pytest.mark.django_db


def extraction(supplier: str, number: str = "", gross: str = "12.00") -> dict:
    return {"supplier_name": {"value": supplier}, "document_number": {"value": number}, "gross": {"value": gross}}


def list_url(tenant, query: str = "") -> str:
    return reverse("documents:list", args=[tenant.slug]) + query


def bulk_url(tenant) -> str:
    return reverse("documents:bulk", args=[tenant.slug])


@pytest.fixture
def library(tenant_a):
    with tenant_context(tenant_a):
        return {
            "quill": DocumentFactory(
                tenant=tenant_a, extraction=extraction("Quill Stationers Ltd", "INV-42", "120.00")
            ),
            "granary": DocumentFactory(tenant=tenant_a, extraction=extraction("Granary Bakery", "G-7", "8.40")),
            "quill2": DocumentFactory(tenant=tenant_a, extraction=extraction("Quill Stationers Ltd", "INV-43", "8.40")),
        }


class TestSearch:
    def test_supplier_number_and_amount_each_narrow_the_list(self, tenant_a, library):
        with tenant_context(tenant_a):
            assert match_count(tenant_a.pk, DocumentFilters(supplier="quill")) == (2, False)
            assert match_count(tenant_a.pk, DocumentFilters(number="INV-43")) == (1, False)
            assert match_count(tenant_a.pk, DocumentFilters(amount=Decimal("8.40"))) == (2, False)
            both = DocumentFilters(supplier="quill", amount=Decimal("8.4"))
            assert match_count(tenant_a.pk, both) == (1, False)

    def test_an_amount_never_matches_a_word_or_a_number(self, tenant_a, in_tenant):
        with in_tenant(tenant_a):
            DocumentFactory(tenant=tenant_a, extraction=extraction("Numbers Ltd", "120.00", "5.00"))
            assert match_count(tenant_a.pk, DocumentFilters(amount=Decimal("120.00"))) == (0, False)
            assert match_count(tenant_a.pk, DocumentFilters(number="120.00")) == (1, False)

    def test_the_count_stops_at_the_limit(self, tenant_a, library):
        with tenant_context(tenant_a):
            assert match_count(tenant_a.pk, DocumentFilters(amount=Decimal("8.40")), limit=1) == (
                1,
                True,
            )

    def test_the_page_shows_the_count_and_only_matches(self, client, tenant_a, bookkeeper_a, library):
        client.force_login(bookkeeper_a)
        body = client.get(list_url(tenant_a, "?supplier=quill&amount=8.40")).content.decode()
        assert "1 document matches" in body
        assert str(library["quill2"].pk) in body and str(library["quill"].pk) not in body

    @pytest.mark.parametrize("query", ["?amount=abc", "?amount=-3", "?uploaded_from=2025-02-01&uploaded_to=2025-01-01"])
    def test_bad_filters_are_a_400(self, client, tenant_a, bookkeeper_a, query):
        client.force_login(bookkeeper_a)
        assert client.get(list_url(tenant_a, query)).status_code == 400

    def test_another_tenants_documents_never_match(self, client, tenant_a, tenant_b, bookkeeper_b, library):
        client.force_login(bookkeeper_b)
        body = client.get(list_url(tenant_b, "?supplier=quill")).content.decode()
        assert "0 documents match" in body and str(library["quill"].pk) not in body

    def test_the_migration_adds_the_totals_of_documents_read_before(self, tenant_a, in_tenant):
        fill = importlib.import_module("apps.documents.migrations.0014_amount_search_tokens").fill_amount_tokens
        with in_tenant(tenant_a):
            old = DocumentFactory(tenant=tenant_a, extraction=extraction("Granary Bakery", "G-7", "9.99"))
            DocumentSearchToken.objects.all().delete()
        fill(apps, SimpleNamespace(connection=connection))
        fill(apps, SimpleNamespace(connection=connection))  # resumable: the second run adds nothing
        with in_tenant(tenant_a):
            assert match_count(tenant_a.pk, DocumentFilters(amount=Decimal("9.99"))) == (1, False)
            assert DocumentSearchToken.objects.filter(document=old).count() == 1


@pytest.fixture
def review_pile(tenant_a, owner_a):
    """Two documents in review: one the gate is sure of now, one it is not; and one failed."""
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
        sure = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, original_filename="sure.pdf",
                               extraction=make_extraction(supplier="Ryman").to_json())  # fmt: skip
        doubtful = make_extraction(supplier="Ryman", supplier_confidence=0.2).to_json()
        unsure = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, original_filename="unsure.pdf",
                                 extraction=doubtful)  # fmt: skip
        failed = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED, original_filename="failed.pdf",
                                 failure_reason="blank page")  # fmt: skip
    return sure, unsure, failed


class TestBulk:
    def test_approve_posts_only_what_the_gate_is_sure_of(self, verified_client, tenant_a, owner_a, review_pile):
        sure, unsure, failed = review_pile
        client = verified_client(owner_a)
        response = client.post(bulk_url(tenant_a), {"action": "approve", "documents": [sure.pk, unsure.pk, failed.pk],
                                                    "back": list_url(tenant_a, "?state=needs_review")})  # fmt: skip
        assert response.status_code == 302 and response["Location"] == list_url(tenant_a, "?state=needs_review")
        with tenant_context(tenant_a):
            states = dict(Document.objects.values_list("original_filename", "state"))
            assert states == {"sure.pdf": "posted", "unsure.pdf": "needs_review", "failed.pdf": "failed"}
            assert AuditEvent.objects.filter(action="documents.document.approved").count() == 1
            assert AuditEvent.objects.filter(action="documents.selection.acted_on").count() == 1
        page = client.get(response["Location"]).content.decode()
        assert "1 document approved and posted; 2 skipped" in page
        assert "unsure.pdf: left in review" in page

    def test_archive_needs_a_reason_and_archives_only_failures(self, tenant_a, owner_a, review_pile):
        sure, _, failed = review_pile
        with tenant_context(tenant_a):
            with pytest.raises(BulkActionError):
                bulk_act(tenant=tenant_a, ids=[failed.pk], action="archive", actor=owner_a, reason="")
            outcome = bulk_act(tenant=tenant_a, ids=[failed.pk, sure.pk], action="archive", actor=owner_a,
                               reason="Blank scans")  # fmt: skip
            assert outcome.done == ["failed.pdf"] and [n for n, _ in outcome.skipped] == ["sure.pdf"]
            assert Document.objects.get(pk=failed.pk).state == DocumentState.ARCHIVED

    def test_retry_queues_the_failed_ones(self, tenant_a, owner_a, review_pile, django_capture_on_commit_callbacks):
        _, _, failed = review_pile
        with tenant_context(tenant_a), django_capture_on_commit_callbacks():
            outcome = bulk_act(tenant=tenant_a, ids=[failed.pk], action="retry", actor=owner_a)
        assert outcome.done == ["failed.pdf"]

    def test_a_viewer_cannot_act_in_bulk(self, client, tenant_a, review_pile):
        sure, _, _ = review_pile
        viewer = make_member(tenant_a, Role.VIEWER)
        client.force_login(viewer)
        response = client.post(bulk_url(tenant_a), {"action": "approve", "documents": [sure.pk]})
        assert response.status_code == 403
        with tenant_context(tenant_a):
            assert Document.objects.get(pk=sure.pk).state == DocumentState.NEEDS_REVIEW
            with pytest.raises(PermissionDenied):
                bulk_act(tenant=tenant_a, ids=[sure.pk], action="approve", actor=viewer)

    def test_another_businesss_documents_are_skipped(self, tenant_a, tenant_b, owner_a, review_pile):
        with tenant_context(tenant_b):
            theirs = DocumentFactory(tenant=tenant_b, state=DocumentState.FAILED)
        with tenant_context(tenant_a):
            outcome = bulk_act(tenant=tenant_a, ids=[theirs.pk], action="retry", actor=owner_a)
        assert outcome.done == [] and outcome.skipped[0][1] == "no such document"
        with tenant_context(tenant_b):
            assert Document.objects.get(pk=theirs.pk).state == DocumentState.FAILED

    @pytest.mark.parametrize(
        "data",
        [{"action": "approve"}, {"action": "shred", "documents": ["x"]}, {"action": "approve", "documents": ["nope"]}],
    )
    def test_bad_requests_are_a_400_with_nothing_done(self, verified_client, tenant_a, owner_a, review_pile, data):
        client = verified_client(owner_a)
        assert client.post(bulk_url(tenant_a), data).status_code == 400
        with tenant_context(tenant_a):
            assert not Document.objects.filter(state=DocumentState.POSTED).exists()

    def test_the_back_link_cannot_leave_the_list(self, verified_client, tenant_a, owner_a, review_pile):
        _, _, failed = review_pile
        client = verified_client(owner_a)
        response = client.post(bulk_url(tenant_a), {"action": "retry", "documents": [failed.pk],
                                                    "back": "https://elsewhere.example/"})  # fmt: skip
        assert response["Location"] == list_url(tenant_a)
