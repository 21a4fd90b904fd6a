"""Through the real pipeline: the business's name, VAT number and company number reach the reader and classifier."""

from __future__ import annotations

import pytest

from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from apps.ledger.models import JournalLine
from apps.ledger.rules_engine import OWN_VAT_NUMBER_REASON
from golden.cases import load_cases

pytestmark = pytest.mark.django_db
CASES = {c.file[:3]: c for c in load_cases()}


def business(tenant, in_tenant, name: str, vat_number: str):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    tenant.name, tenant.vat_number, tenant.company_number = name, vat_number, "09876543"
    tenant.save()
    with in_tenant(tenant):
        seed_chart_of_accounts(tenant)
    return tenant


def process(tenant, case, in_tenant) -> Document:
    document = upload_document(tenant=tenant, content=case.content(), filename=case.file).document
    with in_tenant(tenant):
        run = TaskRun.objects.filter(document=document).latest("queued_at")
    process_document.apply(kwargs={"tenant_id": str(tenant.pk), "document_id": str(document.pk), "run_id": str(run.pk)})
    with in_tenant(tenant):
        document = Document.objects.get(pk=document.pk)
        _ = document.extraction  # encrypted: opened inside the tenant's context
        return document


def test_brightwater_joinery_posts_brightwater_energys_bill_as_a_purchase(tenant_a, in_tenant):
    """Regression: the bill was posted as the joinery's own sale (boxes 1, 4 and 6 wrong)."""
    joinery = business(tenant_a, in_tenant, "Brightwater Joinery Ltd", tenant_a.vat_number)
    document = process(joinery, CASES["003"], in_tenant)
    assert document.state == DocumentState.POSTED, document.review_reasons
    assert document.extraction["kind"]["value"] == "purchase_invoice"
    with in_tenant(joinery):
        lines = JournalLine.objects.filter(entry_id=document.journal_entry_id)
        codes = sorted(lines.values_list("account__code", flat=True))
    assert codes == ["445", "800", "820"]


def test_a_receipt_with_the_businesss_own_vat_number_waits_for_a_person(tenant_a, in_tenant):
    bakery = business(tenant_a, in_tenant, "Hollybush Bakery Ltd", "GB980780684")  # stored compact (12 at most)
    document = process(bakery, CASES["051"], in_tenant)
    assert (document.state, document.review_reasons) == (DocumentState.NEEDS_REVIEW, [OWN_VAT_NUMBER_REASON])
    assert document.journal_entry_id is None
