"""Journey: a quarter's bank lines reconciled in minutes (issue #13): a rule, one accepted suggestion, bulk accept.

The business has Q1 2025's bills and sales invoices in the ledger and 60 bank
lines: 40 payments of those bills (payees written as banks write them), 8
customers' receipts, and 12 direct debits of a utility with no bill. Every click
and fill is counted; the figure per line is printed, and the goal (at most two
interactions per line that has a suggestion) is asserted: a count, never a time.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect

from apps.tenancy.context import tenant_context
from tests.e2e.pages import sign_in

SUPPLIERS = [
    "Quillfeather Stationers Ltd",
    "Harbour Coffee Roasters",
    "Granary Bakery Supplies",
    "Northgate Timber",
    "Lumen Electrical Ltd",
    "Copper Kettle Catering",
    "Brightwater Cleaning",
    "Sable Print Works",
]
CUSTOMERS = ["Marlow Events Ltd", "Tidewater Hotel", "Fennel & Finch Cafe", "Oakridge School"]
BILLS, RECEIPTS, DIRECT_DEBITS = 40, 8, 12


class Counter:
    """Counts what a person does on the pages: each click, fill and choice is one interaction."""

    def __init__(self, page: Page) -> None:
        self.page, self.n = page, 0

    def click(self, locator) -> None:
        self.n += 1
        locator.click()

    def fill(self, locator, value: str) -> None:
        self.n += 1
        locator.fill(value)

    def choose(self, locator, value: str) -> None:
        self.n += 1
        locator.select_option(value)

    def go(self, path: str) -> None:
        self.n += 1  # typing the address, or a bookmark
        self.page.goto(path)


def _seed_quarter(tenant) -> None:
    from apps.ledger import services
    from tests.factories import BankTransactionFactory
    from tests.ledger.builders import classified, make_extraction

    def split(gross: Decimal) -> tuple[str, str]:
        net = (gross / 6 * 5).quantize(Decimal("0.01"))
        return str(net), str(gross - net)

    with tenant_context(tenant):
        for n in range(BILLS):
            supplier = SUPPLIERS[n % len(SUPPLIERS)]
            gross = Decimal(f"{30 + n * 17}.{(n * 7) % 100:02d}")
            net, vat = split(gross)
            issued = date(2025, 1, 2) + timedelta(days=n * 2)
            services.post_document(
                document_id=uuid.uuid4(),
                extraction=make_extraction(
                    supplier=supplier,
                    number=f"INV-{n:03d}",
                    issue_date=issued,
                    net=net,
                    vat=vat,
                    gross=str(gross),
                    breakdown=(("20", net, vat),),
                ),
                classification=classified("461"),
            )
            BankTransactionFactory(
                tenant=tenant,
                amount=-gross,
                date=issued + timedelta(days=2 + n % 5),
                description=f"FASTER PAYMENT {supplier.upper()} INV-{n:03d}",
                counterparty=supplier.upper().replace(" LTD", ""),
            )
        for n in range(RECEIPTS):
            customer = CUSTOMERS[n % len(CUSTOMERS)]
            gross = Decimal(f"{400 + n * 55}.00")
            net, vat = split(gross)
            issued = date(2025, 1, 10) + timedelta(days=n * 9)
            services.post_document(
                document_id=uuid.uuid4(),
                extraction=make_extraction(
                    kind="sales_invoice",
                    supplier=None,
                    vat_number=None,
                    customer=customer,
                    number=f"S-{n:03d}",
                    issue_date=issued,
                    net=net,
                    vat=vat,
                    gross=str(gross),
                    breakdown=(("20", net, vat),),
                ),
                classification=classified("200"),
            )
            BankTransactionFactory(
                tenant=tenant,
                amount=gross,
                date=issued + timedelta(days=14),
                description=f"BACS CREDIT {customer.upper()}",
                counterparty=customer,
            )
        for n in range(DIRECT_DEBITS):
            BankTransactionFactory(
                tenant=tenant,
                amount=Decimal(f"-{61 + n}.{n:02d}"),
                date=date(2025, 1, 3) + timedelta(days=n * 7),
                description="DIRECT DEBIT NORTHERN POWER",
                counterparty="Northern Power plc",
            )


def test_a_quarter_of_bank_lines_with_a_rule_a_suggestion_and_bulk_accept(page: Page, seeded, e2e_stack):
    from apps.ledger.models import BankSettlement, BankTransaction

    tenant, owner = seeded.business("Wren Joinery Ltd")
    _seed_quarter(tenant)
    lines = BILLS + RECEIPTS + DIRECT_DEBITS
    sign_in(page, owner)
    act = Counter(page)
    act.go(f"/t/{tenant.slug}/ledger/bank/")
    rows = page.locator("tbody[data-bank-rows] > tr")
    expect(rows).to_have_count(50)  # one page of the 60, newest first
    page.evaluate("window.__sameDocument = true")  # gone if anything below reloads the page

    # A rule from one of the utility's direct debits: posted now, all twelve, named on each line.
    debit_row = rows.filter(has_text="DIRECT DEBIT NORTHERN POWER").first
    act.click(debit_row.get_by_role("link", name="More"))
    panel = page.locator("tbody[data-bank-rows] > tr").filter(has_text="Make a bank rule from this line")
    act.click(panel.get_by_text("Make a bank rule from this line"))
    expect(panel.get_by_label("Payee contains")).to_have_value("Northern Power plc")
    act.fill(panel.locator("input[name=account_code]").last, "445")
    act.choose(panel.locator("select[name=vat_treatment]").last, "reduced")
    act.click(panel.get_by_role("button", name="Create the rule"))
    expect(page.get_by_text(f"posted {DIRECT_DEBITS} line(s)")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # the row was swapped in place

    # One suggestion accepted on its own: the row changes in place and says what was done.
    payment_row = rows.filter(has_text="FASTER PAYMENT").first
    expect(payment_row).to_contain_text("days after the invoice date")
    act.click(payment_row.get_by_role("button", name="Accept"))
    expect(page.get_by_text("settling journal").first).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True

    # Everything else that has a suggestion: one click for the page.
    act.click(page.get_by_role("button", name="Accept the suggestions of every line on this page"))
    expect(page.get_by_text("line(s) handled")).to_be_visible()

    with tenant_context(tenant):
        left = BankTransaction.objects.filter(status="unposted").count()
        settled = BankSettlement.objects.count()
        by_rule = BankTransaction.objects.filter(rule__isnull=False).count()
    assert (left, settled, by_rule) == (0, BILLS + RECEIPTS, DIRECT_DEBITS)
    expect(page.get_by_text("Not posted 0")).to_be_visible()

    # The statement balance agrees with the ledger once the lines are in.
    act.go(f"/t/{tenant.slug}/ledger/bank/statement/")
    act.fill(page.get_by_label("Statement date"), "2025-03-31")
    with tenant_context(tenant):
        balance = sum(line.amount for line in BankTransaction.objects.all())
    act.fill(page.get_by_label("Statement balance (£)"), f"{balance:.2f}")
    act.click(page.get_by_role("button", name="Check"))
    expect(page.get_by_text("The ledger agrees with the statement.")).to_be_visible()

    per_line = act.n / lines
    print(f"\nreconciliation: {act.n} interactions for {lines} bank lines = {per_line:.2f} per line")
    assert per_line <= 2, f"{act.n} interactions for {lines} lines"


def test_a_refused_split_shows_its_reason_in_the_row_then_split_and_undo(page: Page, seeded, e2e_stack):
    """htmx swaps the refusal (a 400) into the row (static/js/bank.js); the page never reloads."""
    from apps.ledger.models import BankTransaction
    from tests.factories import BankTransactionFactory

    tenant, owner = seeded.business("Kestrel Florists Ltd")
    BankTransactionFactory(
        tenant=tenant,
        amount=Decimal("-150.00"),
        date=date(2025, 2, 10),
        description="CARD PAYMENT CORNER SHOP",
        counterparty="Corner Shop",
    )
    sign_in(page, owner)
    page.goto(f"/t/{tenant.slug}/ledger/bank/")
    page.evaluate("window.__sameDocument = true")
    row = page.locator("tbody[data-bank-rows] > tr").first
    row.get_by_role("link", name="More").click()
    row.get_by_text("Split across accounts").click()
    row.get_by_label("Part 1 account").fill("461")
    row.get_by_label("Part 1 account").locator("xpath=following-sibling::input[1]").fill("100.00")
    row.get_by_label("Part 2 account").fill("495")
    row.get_by_label("Part 2 account").locator("xpath=following-sibling::input[1]").fill("30.00")
    row.get_by_role("button", name="Post the split").click()
    expect(row.get_by_role("alert")).to_contain_text("(£20.00 short)")
    assert page.evaluate("window.__sameDocument") is True

    row.get_by_text("Split across accounts").click()
    row.get_by_label("Part 1 account").fill("461")
    row.get_by_label("Part 1 account").locator("xpath=following-sibling::input[1]").fill("120.00")
    row.get_by_label("Part 2 account").fill("495")
    row.get_by_label("Part 2 account").locator("xpath=following-sibling::input[1]").fill("30.00")
    row.get_by_role("button", name="Post the split").click()
    expect(row).to_contain_text("split and posted as journal")
    row.get_by_role("button", name="Undo").click()
    expect(row).to_contain_text("Undone")
    expect(row).to_contain_text("Not posted")
    assert page.evaluate("window.__sameDocument") is True
    with tenant_context(tenant):
        assert BankTransaction.objects.get().status == "unposted"
