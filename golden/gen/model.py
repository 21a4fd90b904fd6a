"""The generator's own description of a document: who issued it, what it lists, and the sums it prints.

Everything the expected outputs say is computed here from these specs (never by
running the extractor), and the templates print exactly these values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from stdnum.gb import vat as gb_vat

D = Decimal
CENT = D("0.01")
STANDARD = D("20")
EXEMPT = D("-1")  # the contract's EXEMPT_RATE: exempt or outside the scope of VAT
NO_VAT = None  # the supplier is not VAT-registered: no VAT at all


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def valid_vat_number(rng: random.Random) -> str:
    """A 9-digit UK VAT number whose check digits pass stdnum (fictitious, drawn from a seeded RNG)."""
    while True:
        candidate = str(rng.randint(100_000_000, 999_999_999))
        if gb_vat.is_valid(candidate):
            return candidate


def invalid_vat_number(rng: random.Random) -> str:
    while True:
        candidate = str(rng.randint(100_000_000, 999_999_999))
        if not gb_vat.is_valid(candidate):
            return candidate


@dataclass(frozen=True)
class Party:
    name: str
    address: tuple[str, ...]
    vat_number: str | None = None  # compact digits, as printed (may be invalid on purpose)
    vat_valid: bool = True
    account: str = "429"  # the expense account its bills go to
    phone: str = ""
    email: str = ""
    company_number: str = ""


@dataclass(frozen=True)
class Item:
    description: str
    price: Decimal  # unit price; excluding VAT on invoices, including VAT on till receipts
    qty: Decimal | None = None  # None: no quantity printed (one)
    rate: Decimal | None = STANDARD  # percent; EXEMPT; or None (no VAT at all)

    @property
    def amount(self) -> Decimal:
        return money(self.price * (self.qty or 1))


@dataclass
class DocSpec:
    number: int
    slug: str
    template: str  # table, receipt, letter, minimal
    output: str  # pdf, scanpdf, png, jpg, tif
    issuer: Party
    customer: Party | None
    kind: str  # purchase_invoice, receipt, sales_invoice, credit_note
    doc_number: str | None
    issue_date: date
    items: list[Item]
    date_style: str = "slash"  # slash, long, dash_mon, iso
    money_style: str = "pound"  # pound (£1,234.56), plain (1,234.56), suffix (1234.56 GBP)
    negative_style: str = "paren"  # credit notes: paren "(12.00)" or minus "-12.00"
    inclusive: bool = False  # prices include VAT (till receipts)
    dpi: int = 300
    title: str = "INVOICE"
    rows_per_page: int = 18
    extra: dict = field(default_factory=dict)
    # Where the pipeline should leave it: "posted", or "needs_review" when a person
    # ought to look (the reason goes in review_note).
    expected_state: str = "posted"
    review_note: str = ""
    review_reason: str = ""  # a reason the classification must give, word for word ("" when not checked)

    @property
    def name(self) -> str:
        ext = {"pdf": "pdf", "scanpdf": "pdf", "png": "png", "jpg": "jpg", "tif": "tif"}[self.output]
        if self.extra.get("save_as"):
            ext = self.extra["save_as"]
        return f"{self.number:03d}-{self.slug}.{ext}"

    @property
    def seed(self) -> int:
        return 7919 * self.number

    def rates(self) -> list[Decimal | None]:
        seen: list[Decimal | None] = []
        for item in self.items:
            if item.rate not in seen:
                seen.append(item.rate)
        return seen

    def line_net(self, item: Item) -> Decimal:
        """The line's amount excluding VAT (for VAT-inclusive prices: less its VAT, rounded per line)."""
        if not self.inclusive or item.rate in (None, EXEMPT) or item.rate == 0:
            return item.amount
        return item.amount - money(item.amount * item.rate / (100 + item.rate))

    def breakdown(self) -> list[tuple[Decimal | None, Decimal, Decimal, Decimal]]:
        """(rate, net, vat, gross) per rate, in order of first appearance. VAT is computed on each rate's total."""
        rows = []
        for rate in self.rates():
            total = sum((i.amount for i in self.items if i.rate == rate), D("0"))
            if rate in (None, EXEMPT) or rate == 0:
                vat = D("0.00")
            elif self.inclusive:
                vat = money(total * rate / (100 + rate))
            else:
                vat = money(total * rate / 100)
            net = total - vat if self.inclusive else total
            rows.append((rate, money(net), vat, money(net + vat)))
        return rows

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        rows = self.breakdown()
        net = sum((r[1] for r in rows), D("0.00"))
        vat = sum((r[2] for r in rows), D("0.00"))
        return money(net), money(vat), money(net + vat)
