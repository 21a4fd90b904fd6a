"""Journey: an accountant opens the profit and loss and the balance sheet, drills down from a figure to its journal
lines, and downloads the reports as CSV and PDF (the downloads' content is checked, the PDF read back).

The business's books are the worked example of docs/contracts/uk-vat-rules.md, posted in Q1 2025 through the
ledger's own service: sales £14,500, purchases £4,500, so a net profit of £10,000.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from apps.tenancy.context import tenant_context
from tests.e2e.pages import sign_in

Q1 = "date_from=2025-01-01&date_to=2025-03-31"


def seed_books(seeded, name: str):
    from tests.factories.books import post_worked_example

    tenant, owner = seeded.business(name)
    with tenant_context(tenant):
        post_worked_example(date(2025, 2, 14), actor=owner.user)
    return tenant, owner


def download(page: Page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    return Path(info.value.path()).read_bytes()


def test_reports_drill_down_and_download(page: Page, seeded, e2e_stack):
    tenant, owner = seed_books(seeded, "Kestrel Bookbinders Ltd")
    sign_in(page, owner)

    page.goto(f"/t/{tenant.slug}/")
    page.get_by_role("navigation", name="Business").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()

    page.goto(f"/t/{tenant.slug}/reports/profit-and-loss/?{Q1}")
    table = page.locator("#profit-and-loss")
    expect(table.locator('[data-figure="net-profit"]')).to_have_text("£10,000.00")
    expect(table).to_contain_text("£14,500.00")
    expect(page.get_by_text("01 Oct 2024 to 31 Dec 2024", exact=False)).to_be_visible()

    # Drill down: the sales figure opens account 200's lines for the quarter.
    table.locator('a[data-drill="200"]').click()
    expect(page).to_have_url(f"/t/{tenant.slug}/ledger/accounts/200/?date_from=2025-01-01&date_to=2025-03-31")
    expect(page.locator("main")).to_contain_text("Sale 10000.00")
    expect(page.locator("main")).to_contain_text("Sale 3000.00")
    page.go_back()

    rows = list(csv.reader(io.StringIO(download(page, 'a[data-export="csv"]').decode("utf-8"))))
    assert ["", "Net profit", "10000.00", "0.00", "10000.00"] in rows
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download(page, 'a[data-export="pdf"]'))).pages)
    assert "Profit and loss" in text and "£10,000.00" in text and "£4,500.00" in text

    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Balance sheet").click()
    page.get_by_label("From").fill("2025-01-01")
    page.get_by_label("To").fill("2025-03-31")
    page.get_by_role("button", name="Show").click()
    sheet = page.locator("#balance-sheet")
    expect(sheet).to_contain_text("£17,350.00")
    expect(page.get_by_text("Assets equal liabilities plus equity.")).to_be_visible()
    sheet.locator('a[data-drill="610"]').click()
    expect(page.locator("main")).to_contain_text("Sale 500.00")
    page.go_back()

    rows = list(csv.reader(io.StringIO(download(page, 'a[data-export="csv"]').decode("utf-8"))))
    assert ["", "Total assets", "17350.00", "0.00", "17350.00"] in rows
    pdf = PdfReader(io.BytesIO(download(page, 'a[data-export="pdf"]')))
    assert "£17,350.00" in "\n".join(p.extract_text() for p in pdf.pages)
