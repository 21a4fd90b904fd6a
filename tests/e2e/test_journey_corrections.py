"""Journeys of correction: reject a document and the VAT return is unblocked; reverse a posting, reclassify and
post it again in its own period; post a manual journal with its supporting file and see it in the return's boxes.

The business has VAT settings and HMRC's Q1 2025 obligation; nothing here
talks to HMRC, so the "connect to HMRC" blocker stays and is not what these
journeys look at.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from apps.tenancy.context import tenant_context
from tests.documents.samples import pdf_bytes
from tests.e2e.pages import sign_in


def seed_vat_business(seeded, name: str):
    """A business with VAT settings and the Q1 2025 obligation."""
    from tests.factories.filing import VatSettingsFactory, quarter

    tenant, owner = seeded.business(name)
    with tenant_context(tenant):
        VatSettingsFactory(tenant=tenant, four_eyes=False)
        q1 = quarter(tenant, date(2025, 1, 1))
    return tenant, owner, q1


def document_in_q1(tenant, *, filename: str, posted_by=None):
    """A purchase invoice of 10 Feb 2025 (£100 + £20 VAT) waiting for review, or approved and posted to 429."""
    from apps.documents.models import DocumentState
    from apps.documents.services.review import approve_document
    from tests.documents.test_review import extraction
    from tests.documents.test_review_services import correction
    from tests.factories import DocumentFactory

    document = DocumentFactory(
        tenant=tenant, state=DocumentState.NEEDS_REVIEW, original_filename=filename,
        extraction=extraction(issue_date={"value": "2025-02-10", "confidence": 0.9}),
        classification={"account_code": "429", "vat_treatment": "standard", "explanation": "no rule matched"},
    )  # fmt: skip
    if posted_by is not None:
        with tenant_context(tenant):
            approve_document(document=document, correction=correction(issue_date=date(2025, 2, 10),
                             account_code="429"), learn=False, actor=posted_by)  # fmt: skip
            document.refresh_from_db()
    return document


def test_rejecting_a_document_unblocks_the_vat_return_and_it_can_be_restored(page: Page, seeded, e2e_stack):
    tenant, owner, q1 = seed_vat_business(seeded, "Plover Bakery Ltd")
    document = document_in_q1(tenant, filename="not-our-invoice.pdf")
    sign_in(page, owner)

    page.goto(f"/t/{tenant.slug}/filing/{q1.period_key}/")
    blocker = page.locator('[data-blocker="documents_unresolved"]')
    expect(blocker).to_contain_text("1 document(s) dated in this period")
    blocker.get_by_role("link", name="See these documents").click()
    expect(page.get_by_test_id("blocking-filter")).to_be_visible()
    page.get_by_role("link", name="not-our-invoice.pdf").click()
    page.get_by_role("link", name="Review it").click()

    page.get_by_text("Reject or read again").click()
    page.get_by_label("Why is it rejected?").fill("Not ours")
    page.get_by_role("button", name="Reject (post nothing)").click()
    expect(page.get_by_text("“not-our-invoice.pdf” rejected; nothing was posted.")).to_be_visible()

    page.goto(f"/t/{tenant.slug}/filing/{q1.period_key}/")
    expect(page.get_by_test_id("blockers")).to_be_visible()  # HMRC is not connected in this journey
    expect(page.locator('[data-blocker="documents_unresolved"]')).to_have_count(0)

    page.goto(f"/t/{tenant.slug}/documents/?state=rejected")
    expect(page.locator("#document-table")).to_contain_text("Not ours")
    page.get_by_role("link", name="not-our-invoice.pdf").click()
    page.get_by_role("button", name="Restore it").click()
    expect(page.get_by_text("restored: needs review")).to_be_visible()
    with tenant_context(tenant):
        document.refresh_from_db()
    assert document.state == "needs_review"


def test_reverse_a_posting_reclassify_and_post_again_in_its_own_period(page: Page, seeded, e2e_stack):
    tenant, owner, q1 = seed_vat_business(seeded, "Curlew Cycles Ltd")
    document = document_in_q1(tenant, filename="wrong-account.pdf", posted_by=owner.user)
    sign_in(page, owner)

    page.goto(f"/t/{tenant.slug}/documents/{document.pk}/")
    page.get_by_role("link", name="Journal entry").click()
    expect(page.get_by_test_id("reversal-date")).to_contain_text("dated 10 Feb 2025")
    page.get_by_label("Why reverse this entry?").fill("Posted to the wrong account")
    page.get_by_role("button", name="Reverse journal").click()
    expect(page.get_by_text("dated 10 Feb 2025.")).to_be_visible()

    page.goto(f"/t/{tenant.slug}/documents/{document.pk}/")
    expect(page.locator(".badge", has_text="Reversed")).to_be_visible()
    page.get_by_role("button", name="Reclassify and post again").click()
    expect(page.get_by_role("heading", name="Review wrong-account.pdf")).to_be_visible()
    page.get_by_label("Account", exact=True).select_option("310")
    page.get_by_role("button", name="Approve and post").click()
    expect(page.get_by_text("“wrong-account.pdf” approved and posted.")).to_be_visible()

    # The first posting and its reversal cancel in Q1; the new posting counts there once.
    page.goto(f"/t/{tenant.slug}/filing/{q1.period_key}/")
    expect(page.get_by_test_id("box-4")).to_have_text("£20.00")
    expect(page.get_by_test_id("box-7")).to_have_text("£100")
    from apps.ledger.models import JournalEntry

    with tenant_context(tenant):
        document.refresh_from_db()
        entry = JournalEntry.objects.get(pk=document.journal_entry_id)
        assert (document.state, entry.date, entry.document_posting) == ("posted", date(2025, 2, 10), 2)
        assert {line.account.code for line in entry.lines.all()} >= {"310"}


def test_a_manual_journal_is_posted_and_counts_in_the_return(page: Page, seeded, e2e_stack):
    tenant, owner, q1 = seed_vat_business(seeded, "Godwit Garden Design Ltd")
    sign_in(page, owner)

    page.goto(f"/t/{tenant.slug}/ledger/")
    page.get_by_role("link", name="Manual journals").click()
    expect(page.get_by_role("heading", name="Manual journals", level=1)).to_be_visible()

    # Unbalanced first: refused with the reason, nothing posted.
    page.get_by_label("Date").fill("2025-03-10")
    page.get_by_label("Description").fill("Missed stationery invoice")
    page.get_by_label("Why is this journal needed?").fill("Invoice found in the March post")
    page.get_by_label("Account, line 1").select_option("429")
    page.get_by_label("Debit (£), line 1").fill("50.00")
    page.get_by_label("VAT treatment, line 1").select_option("standard")
    page.get_by_label("Account, line 2").select_option("820")
    page.get_by_label("Debit (£), line 2").fill("10.00")
    page.get_by_label("Account, line 3").select_option("800")
    page.get_by_label("Credit (£), line 3").fill("59.00")
    page.get_by_role("button", name="Post the journal").click()
    expect(page.get_by_test_id("journal-error")).to_contain_text("differ by 1.00")

    page.get_by_label("Credit (£), line 3").fill("60.00")
    # The supporting file goes with the journal (a browser never keeps a chosen file across a refused post).
    letter = pdf_bytes(["Fictitious Stationers Ltd - invoice 4411 - £60.00"])
    page.get_by_label("Or attach a file").set_input_files(
        {"name": "stationery invoice.pdf", "mimeType": "application/pdf", "buffer": letter}
    )
    page.get_by_role("button", name="Post the journal").click()
    expect(page.get_by_text("posted.")).to_be_visible()
    expect(page.get_by_test_id("manual-journals")).to_contain_text("Invoice found in the March post")
    link = page.get_by_test_id("journal-attachment")
    expect(link).to_contain_text("stationery invoice.pdf")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "stationery invoice.pdf"
    assert Path(download.value.path()).read_bytes() == letter

    page.goto(f"/t/{tenant.slug}/filing/{q1.period_key}/")
    expect(page.get_by_test_id("box-4")).to_have_text("£10.00")
    expect(page.get_by_test_id("box-7")).to_have_text("£50")
