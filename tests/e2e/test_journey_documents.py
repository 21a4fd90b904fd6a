"""Journey 3: upload several documents, watch them being read without reloading, review one, correct it, approve.

The pipeline is the real one: gunicorn stores the uploads, a real Celery
worker on Redis reads them (Tesseract for the scan) and posts or sends them to
review; the list page polls with htmx while anything is in progress.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from apps.tenancy.models import Role
from golden.cases import GOLDEN_DIR
from tests.e2e.pages import sign_in

# Two born-digital invoices that post on their own, and a scanned credit note the reader is unsure of.
UPLOADS = ["001-quillfeather-invoice.pdf", "003-brightwater-electricity.pdf", "031-sunrise-packaging-credit-scan.png"]
FOR_REVIEW = "031-sunrise-packaging-credit-scan.png"


def test_upload_watch_review_correct_and_approve(page: Page, seeded, e2e_worker):
    tenant, owner = seeded.business("Hollybush Bakery Ltd")
    bookkeeper = seeded.member(tenant, "Bilal Bookkeeper", Role.BOOKKEEPER, actor=owner.user)
    sign_in(page, bookkeeper)

    page.goto(f"/t/{tenant.slug}/documents/")
    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    files = [GOLDEN_DIR / "documents" / name for name in UPLOADS]
    page.get_by_label("Choose files, or drop them here").set_input_files(files)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") == "true" else None)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("3 documents received and queued for reading.")).to_be_visible()
    # The scan takes Tesseract well over the time the page takes to render, so it is still in progress here.
    expect(page.get_by_text("Updating while documents are being read…")).to_be_visible()

    # From here on the page is never reloaded: a marker on window would vanish if it were.
    page.evaluate("window.__e2e_not_reloaded = true")
    table = page.locator("#document-table")
    expect(table.get_by_role("row")).to_have_count(1 + len(UPLOADS))
    expect(table.locator(".badge-ok", has_text="Posted")).to_have_count(2, timeout=90_000)
    expect(table.locator(".badge-warn", has_text="Needs review")).to_have_count(1, timeout=90_000)
    expect(page.get_by_text("Updating while documents are being read…")).to_have_count(0)
    assert page.evaluate("window.__e2e_not_reloaded === true"), "the list reloaded instead of updating in place"
    assert polls, "the states changed on screen without any htmx poll?"
    row = table.get_by_role("row").filter(has_text="001-quillfeather-invoice.pdf")
    expect(row).to_contain_text("Quillfeather Stationers")

    # The review panel: the reader's figures with how sure it was, and the proposal.
    page.reload()
    page.get_by_role("link", name="Review now").click()
    expect(page.get_by_role("heading", name=f"Review {FOR_REVIEW}")).to_be_visible()
    expect(page.get_by_text("Proposed:")).to_be_visible()
    expect(page.locator(".badge", has_text="sure").first).to_be_visible()
    account = page.get_by_label("Account", exact=True)
    expect(account).to_have_value("310")
    account.select_option("461")  # the reviewer knows better: packaging for the shop counts as stationery here
    page.get_by_role("button", name="Approve and post").click()

    expect(page.get_by_text(f"“{FOR_REVIEW}” approved and posted.")).to_be_visible()
    expect(page.get_by_text("That was the last document waiting for review.")).to_be_visible()
    expect(page.locator("#document-table .badge-ok", has_text="Posted")).to_have_count(3)

    page.get_by_role("link", name=FOR_REVIEW).click()
    expect(page.locator(".badge-ok", has_text="Posted")).to_be_visible()
    expect(page.get_by_text("Account 461")).to_be_visible()

    # And in the books: the corrected account carries the credit note.
    page.goto(f"/t/{tenant.slug}/ledger/accounts/461/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Printing and stationery")
    expect(page.get_by_role("cell").filter(has_text="Sunrise Packaging").first).to_be_visible()
