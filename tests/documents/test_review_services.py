"""The review services at their edges: changed totals, wrong states, short reasons, sales invoices never teach rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.documents.errors import DocumentError
from apps.documents.models import DocumentState
from apps.documents.services.review import Correction, approve_document, reject_document
from apps.ledger.models import JournalLine, Rule
from tests.documents.test_review import extraction
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def chart(tenant_a, in_tenant):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)


@pytest.fixture
def waiting(tenant_a, chart):
    return DocumentFactory(
        tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction(),
        classification={"account_code": "429", "vat_treatment": "standard", "explanation": "no rule matched"},
    )  # fmt: skip


def correction(**overrides) -> Correction:
    values = {
        "kind": "purchase_invoice", "supplier_name": "Wrenfield Wholesale Ltd", "supplier_vat_number": "980780684",
        "document_number": "WW-1001", "issue_date": date(2026, 3, 5), "net": D("100.00"), "vat": D("20.00"),
        "gross": D("120.00"), "account_code": "310", "vat_treatment": "standard",
    }  # fmt: skip
    values.update(overrides)
    return Correction(**values)


def test_changed_totals_post_one_rate_line_from_the_reviewers_figures(tenant_a, owner_a, in_tenant, waiting):
    with in_tenant(tenant_a):
        document = approve_document(
            document=waiting, correction=correction(net=D("50.00"), vat=D("2.50"), gross=D("52.50")),
            learn=False, actor=owner_a,
        )  # fmt: skip
        lines = JournalLine.objects.filter(entry_id=document.journal_entry_id, account__code="310")
        assert [(line.debit, line.vat_rate) for line in lines] == [(D("50.00"), D("5.00"))]


def test_figures_that_do_not_add_up_are_refused_before_anything_is_written(tenant_a, owner_a, in_tenant, waiting):
    with in_tenant(tenant_a), pytest.raises(DocumentError, match="not the total"):
        approve_document(document=waiting, correction=correction(gross=D("121.00")), learn=True, actor=owner_a)
    with in_tenant(tenant_a):
        waiting.refresh_from_db()
        assert waiting.state == DocumentState.NEEDS_REVIEW and waiting.journal_entry_id is None


@pytest.mark.parametrize("state", [DocumentState.POSTED, DocumentState.FAILED, DocumentState.OCR])
def test_only_a_document_awaiting_review_can_be_approved(tenant_a, owner_a, in_tenant, chart, state):
    document = DocumentFactory(tenant=tenant_a, state=state, extraction=extraction())
    with in_tenant(tenant_a), pytest.raises(DocumentError, match="not awaiting review"):
        approve_document(document=document, correction=correction(), learn=False, actor=owner_a)


def test_a_sales_invoice_is_posted_but_never_teaches_a_rule(tenant_a, owner_a, in_tenant, chart):
    document = DocumentFactory(
        tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction(kind={"value": "sales_invoice",
                                                                                         "confidence": 0.9}),
        classification={"account_code": "200", "vat_treatment": "standard"},
    )  # fmt: skip
    with in_tenant(tenant_a):
        approve_document(
            document=document, correction=correction(kind="sales_invoice", account_code="260"), learn=True,
            actor=owner_a,
        )  # fmt: skip
        assert not Rule.objects.exists()


def test_rejecting_needs_a_reason_and_a_reviewable_document(tenant_a, owner_a, in_tenant, waiting):
    with in_tenant(tenant_a):
        with pytest.raises(DocumentError, match="Say briefly why"):
            reject_document(document=waiting, reason=" no ", actor=owner_a)
        posted = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        with pytest.raises(DocumentError, match="cannot be rejected"):
            reject_document(document=posted, reason="Not ours", actor=owner_a)
