"""The review panel: a person checks, corrects, approves (posting once) or rejects; corrections teach rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.documents.models import Document, DocumentState
from apps.ledger.extraction import DocumentKind, Extracted, Extraction, VatBreakdown
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories import DocumentFactory
from tests.helpers import audit_actions

pytestmark = pytest.mark.django_db


def extraction(**overrides) -> dict:
    e = Extraction(
        kind=Extracted(DocumentKind.PURCHASE_INVOICE, 0.9),
        supplier_name=Extracted("Wrenfield Wholesale Ltd", 0.55),
        supplier_vat_number=Extracted("980780684", 0.9),
        document_number=Extracted("WW-1001", 0.9),
        issue_date=Extracted(__import__("datetime").date(2026, 3, 5), 0.9),
        currency=Extracted("GBP", 1.0),
        net=Extracted(Decimal("100.00"), 0.9),
        vat=Extracted(Decimal("20.00"), 0.9),
        gross=Extracted(Decimal("120.00"), 0.9),
        vat_breakdown=[VatBreakdown(Decimal("20"), Decimal("100.00"), Decimal("20.00"))],
        arithmetic_ok=True,
    )
    data = e.to_json()
    data.update(overrides)
    return data


@pytest.fixture
def chart(tenant_a, in_tenant):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)


@pytest.fixture
def waiting(tenant_a, chart):
    return DocumentFactory(
        tenant=tenant_a,
        state=DocumentState.NEEDS_REVIEW,
        extraction=extraction(),
        classification={"account_code": "429", "vat_treatment": "standard", "explanation": "no rule matched"},
        review_reasons=["No rule matched this supplier."],
    )


def form(**overrides) -> dict:
    data = {"kind": "purchase_invoice", "supplier_name": "Wrenfield Wholesale Ltd", "supplier_vat_number": "980780684",
            "document_number": "WW-1001", "issue_date": "2026-03-05", "net": "100.00", "vat": "20.00",
            "gross": "120.00", "account_code": "310", "vat_treatment": "standard", "learn": "on",
            "action": "approve"}  # fmt: skip
    data.update(overrides)
    return data


def review_url(tenant, document):
    return f"/t/{tenant.slug}/documents/{document.pk}/review/"


def test_the_panel_shows_pages_fields_confidence_and_the_proposal(client, bookkeeper_a, tenant_a, waiting):
    client.force_login(bookkeeper_a)
    body = client.get(review_url(tenant_a, waiting)).content.decode()
    assert f"/documents/{waiting.pk}/pages/1.png" in body
    assert "Wrenfield Wholesale Ltd" in body and "55% sure" in body
    assert "No rule matched this supplier." in body and "Approve and post" in body
    assert 'name="supplier_name"' in body and "autofocus" in body.split('name="supplier_name"')[1].split(">")[0]


def test_approving_posts_once_moves_to_the_next_and_learns_a_rule(client, bookkeeper_a, tenant_a, in_tenant, waiting):
    second = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction())
    client.force_login(bookkeeper_a)
    response = client.post(review_url(tenant_a, waiting), form())
    assert response.status_code == 302 and response["Location"] == review_url(tenant_a, second)
    from apps.ledger.models import JournalEntry, Rule

    with in_tenant(tenant_a):
        waiting.refresh_from_db()
        assert waiting.state == DocumentState.POSTED and waiting.reviewed_by == bookkeeper_a
        entry = JournalEntry.objects.get(source_document_id=waiting.pk)
        lines = sorted((li.account.code, li.debit, li.credit) for li in entry.lines.select_related("account"))
        assert lines == [("310", Decimal("100.00"), 0), ("800", 0, Decimal("120.00")), ("820", Decimal("20.00"), 0)]
        assert Rule.objects.filter(account_code="310").count() == 1
    assert "documents.document.approved" in audit_actions(tenant_a.pk)
    # A second approval of the same document is refused; nothing is posted twice.
    again = client.post(review_url(tenant_a, waiting), form())
    assert again.status_code == 302
    with in_tenant(tenant_a):
        assert JournalEntry.objects.filter(source_document_id=waiting.pk).count() == 1


def test_figures_that_do_not_add_up_are_400_and_nothing_is_posted(client, bookkeeper_a, tenant_a, in_tenant, waiting):
    client.force_login(bookkeeper_a)
    response = client.post(review_url(tenant_a, waiting), form(gross="125.00"))
    assert response.status_code == 400
    assert "is £120.00, not the total £125.00" in response.content.decode()
    with in_tenant(tenant_a):
        waiting.refresh_from_db()
        assert waiting.state == DocumentState.NEEDS_REVIEW and waiting.journal_entry_id is None


@pytest.mark.parametrize(
    "bad",
    [{"account_code": "999"}, {"vat_treatment": "free"}, {"issue_date": "31/02/2026"}, {"net": "abc"},
     {"supplier_vat_number": "GB123456789"}, {"kind": "sandwich"}],
)  # fmt: skip
def test_tampered_or_invalid_fields_are_400(client, bookkeeper_a, tenant_a, in_tenant, waiting, bad):
    client.force_login(bookkeeper_a)
    assert client.post(review_url(tenant_a, waiting), form(**bad)).status_code == 400
    with in_tenant(tenant_a):
        assert Document.objects.get(pk=waiting.pk).state == DocumentState.NEEDS_REVIEW


def test_rejecting_posts_nothing_and_keeps_the_reason(client, bookkeeper_a, tenant_a, in_tenant, waiting):
    client.force_login(bookkeeper_a)
    assert client.post(review_url(tenant_a, waiting), {"action": "reject", "reason": ""}).status_code == 400
    response = client.post(review_url(tenant_a, waiting), {"action": "reject", "reason": "A personal receipt"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        waiting.refresh_from_db()
    assert waiting.state == DocumentState.REJECTED and waiting.set_aside_reason == "A personal receipt"
    assert waiting.failure_reason == ""
    assert "documents.document.rejected" in audit_actions(tenant_a.pk)


def test_viewers_see_but_cannot_approve(client, tenant_a, in_tenant, waiting):
    viewer = make_member(tenant_a, Role.VIEWER)
    client.force_login(viewer)
    assert "Approve and post" not in client.get(review_url(tenant_a, waiting)).content.decode()
    assert client.post(review_url(tenant_a, waiting), form()).status_code == 403


def test_another_tenants_document_is_404(client, bookkeeper_b, tenant_a, tenant_b, waiting):
    client.force_login(bookkeeper_b)
    assert client.get(f"/t/{tenant_b.slug}/documents/{waiting.pk}/review/").status_code == 404


def test_the_queue_starts_at_the_oldest_and_says_when_empty(client, bookkeeper_a, tenant_a, waiting):
    client.force_login(bookkeeper_a)
    assert client.get(f"/t/{tenant_a.slug}/documents/review/")["Location"] == review_url(tenant_a, waiting)
    client.post(review_url(tenant_a, waiting), form())
    response = client.get(f"/t/{tenant_a.slug}/documents/review/")
    assert response["Location"] == f"/t/{tenant_a.slug}/documents/"
