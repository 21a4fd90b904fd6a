"""Journey (issue #13): the home page's to-dos lead to the filtered pages, the portfolio sorts, bulk approve.

An accountant looks after two businesses. One has documents to review, a
failed one and a bank line to post; the other's VAT return is overdue. The home
page lists each to-do with a link to exactly the filtered list where it is
done; the portfolio puts the overdue business first by risk and the earlier
deadline first by deadline; a search on the documents list with a bulk approve
posts the document the review gate is sure of and leaves the other in review.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.documents.models import DocumentState
from apps.filing.services.overview import refresh_overview
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from apps.tenancy.services import add_member
from tests.e2e.pages import sign_in
from tests.factories import BankTransactionFactory, DocumentFactory, HmrcConnectionFactory
from tests.factories.filing import VatObligationFactory
from tests.ledger.builders import make_extraction


def _obligation(tenant, *, due):
    start = due - timedelta(days=37 + 90)
    obligation = VatObligationFactory(tenant=tenant, vrn=tenant.vat_number[-9:], start=start,
                                      end=start + timedelta(days=89), due=due, period_key="J1")  # fmt: skip
    with tenant_context(tenant):
        refresh_overview(obligation)


def test_home_todos_portfolio_and_bulk_approve(page: Page, seeded):
    today = timezone.localdate()
    shop, owner = seeded.business("Marlpit Hardware Ltd")
    accountant = seeded.member(shop, "Ada Accountant", Role.ACCOUNTANT, actor=owner.user)
    late, late_owner = seeded.business("Ashgrove Florists Ltd", n=1)
    add_member(tenant=late, user=accountant.user, role=Role.ACCOUNTANT, actor=late_owner.user)
    DocumentFactory(tenant=shop, state=DocumentState.NEEDS_REVIEW, original_filename="ryman-sure.pdf",
                    extraction=make_extraction(supplier="Ryman", number="R-1").to_json())  # fmt: skip
    unsure = make_extraction(supplier="Ryman", number="R-2", supplier_confidence=0.2).to_json()
    DocumentFactory(tenant=shop, state=DocumentState.NEEDS_REVIEW, original_filename="ryman-unsure.pdf",
                    extraction=unsure)  # fmt: skip
    DocumentFactory(tenant=shop, state=DocumentState.FAILED, original_filename="blank.pdf",
                    failure_reason="Nothing could be read from the page.")  # fmt: skip
    BankTransactionFactory(tenant=shop)
    HmrcConnectionFactory(tenant=late)
    _obligation(shop, due=today + timedelta(days=30))
    _obligation(late, due=today - timedelta(days=2))

    sign_in(page, accountant)

    # The home page: each to-do links to the filtered list where it is done.
    page.goto(f"/t/{shop.slug}/")
    todos = page.get_by_test_id("home-todos")
    expect(todos.get_by_text("All clear")).to_have_count(0)
    todos.get_by_role("link", name="2 documents to review").click()
    expect(page).to_have_url(f"{page.url.split('/t/')[0]}/t/{shop.slug}/documents/?state=needs_review")
    expect(page.locator("#document-table tbody tr")).to_have_count(2)
    page.go_back()
    page.get_by_test_id("home-todos").get_by_role("link", name="1 document could not be read").click()
    expect(page.locator("#document-table tbody tr")).to_have_count(1)
    expect(page.locator("#document-table")).to_contain_text("blank.pdf")
    page.go_back()
    page.get_by_test_id("home-todos").get_by_role("link", name="1 bank line not posted").click()
    expect(page).to_have_url(f"{page.url.split('/t/')[0]}/t/{shop.slug}/ledger/bank/?status=unposted")
    page.go_back()
    expect(page.get_by_test_id("home-todos").get_by_role("link", name="Not connected to HMRC")).to_be_visible()

    # The portfolio: the overdue business first by risk; by deadline too (its deadline is the earlier).
    page.goto("/portfolio/")
    rows = page.get_by_test_id("portfolio").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Ashgrove Florists Ltd")
    expect(rows.nth(0)).to_contain_text("Overdue")
    expect(rows.nth(1)).to_contain_text("Marlpit Hardware Ltd")
    page.locator("a[data-sort=name]").click()
    expect(page.get_by_test_id("portfolio").locator("tbody tr").nth(0)).to_contain_text("Ashgrove Florists Ltd")
    page.locator("a[data-sort=deadline]").click()
    rows = page.get_by_test_id("portfolio").locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Ashgrove Florists Ltd")
    expect(rows.nth(1)).to_contain_text("Marlpit Hardware Ltd")
    rows.nth(1).get_by_role("link", name="2", exact=True).click()  # the review backlog's cell: its filtered list
    expect(page.locator("#document-table tbody tr")).to_have_count(2)

    # Search and bulk approve: only the document the review gate is sure of is posted.
    page.goto(f"/t/{shop.slug}/documents/?supplier=ryman")
    expect(page.get_by_test_id("match-count")).to_have_text("2 documents match.")
    page.get_by_label("Select ryman-sure.pdf").check()
    page.get_by_label("Select ryman-unsure.pdf").check()
    page.get_by_label("With the selected documents").select_option("approve")
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_text("1 document approved and posted; 1 skipped")).to_be_visible()
    expect(page.get_by_text("ryman-unsure.pdf: left in review")).to_be_visible()
    table = page.locator("#document-table")
    expect(table.get_by_role("row").filter(has_text="ryman-sure.pdf")).to_contain_text("Posted")
    expect(table.get_by_role("row").filter(has_text="ryman-unsure.pdf")).to_contain_text("Needs review")
