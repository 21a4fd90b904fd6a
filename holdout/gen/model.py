"""The holdout's document model and its arithmetic: what the generator prints is the truth it records."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from holdout.gen.fmt import pennies

EXEMPT = Decimal("-1")  # the truth's marker for exempt / outside-scope amounts (apps.ledger.extraction.EXEMPT_RATE)


@dataclass(frozen=True)
class Party:
    name: str
    address: tuple[str, ...]
    vat_number: str | None = None  # compact digits, as HMRC issues it
    phone: str = ""
    email: str = ""
    web: str = ""
    company_no: str = ""


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit: Decimal  # VAT-exclusive on invoices; VAT-inclusive (shelf price) on till receipts and bills
    rate: Decimal | None  # percent; None = exempt / outside the scope of VAT
    code: str = ""  # product code on trade invoices


@dataclass
class Doc:
    number: int
    slug: str
    layout: str
    kind: str  # purchase_invoice, receipt, sales_invoice, credit_note
    supplier: Party
    customer: Party
    doc_no: str | None
    issued: date
    lines: list[Line]
    output: str = "pdf"  # pdf, scanpdf, png, tif, jpg
    photo: tuple[str, ...] = ()  # degradations applied, in order
    dpi: int | None = None
    font: str = "LiberationSans"
    date_style: str = "long"
    money_style: str = "pound"
    vat_style: str = "gb_spaced"
    labels: dict[str, str] = field(default_factory=dict)
    inclusive: bool = False  # prices include VAT (till receipts, restaurant bills)
    vat_registered: bool = True
    invalid_vat: bool = False  # the printed VAT number fails its check digits on purpose
    expected_state: str | None = None  # e.g. needs_review for a VAT number that fails its check
    extra: dict[str, Any] = field(default_factory=dict)  # layout-specific distractors (due date, account no, ...)
    seed: int = 0

    @property
    def name(self) -> str:
        return f"{self.number:03d}-{self.slug}.{self.output if self.output != 'scanpdf' else 'pdf'}"

    @property
    def rng(self) -> random.Random:
        return random.Random(self.seed * 7919 + self.number)  # noqa: S311 - reproducible test data

    # --- arithmetic: one place, used by the layouts (what they print) and the truth ---------------

    def line_amount(self, line: Line) -> Decimal:
        """The amount the line prints (net on invoices, VAT-inclusive on receipts)."""
        return pennies(line.quantity * line.unit)

    def line_net(self, line: Line) -> Decimal:
        amount = self.line_amount(line)
        if not self.inclusive or not line.rate:
            return amount
        return pennies(amount * 100 / (100 + line.rate))

    def rates(self) -> list[Decimal | None]:
        seen: list[Decimal | None] = []
        for line in self.lines:
            if line.rate not in seen:
                seen.append(line.rate)
        return sorted(seen, key=lambda r: Decimal(999) if r is None else -r)

    def analysis(self) -> list[tuple[Decimal | None, Decimal, Decimal]]:
        """(rate, net, vat) per rate: VAT computed on the rate's total, as a VAT summary prints it."""
        out = []
        for rate in self.rates():
            amount = sum((self.line_amount(li) for li in self.lines if li.rate == rate), Decimal("0.00"))
            if not self.vat_registered or not rate:
                out.append((rate, amount, Decimal("0.00")))
            elif self.inclusive:
                vat = pennies(amount * rate / (100 + rate))
                out.append((rate, amount - vat, vat))
            else:
                out.append((rate, amount, pennies(amount * rate / 100)))
        return out

    @property
    def net(self) -> Decimal:
        return sum((n for _, n, _ in self.analysis()), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return sum((v for _, _, v in self.analysis()), Decimal("0.00"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    def truth(self, own_names: list[str], own_vat_numbers: list[str]) -> dict[str, Any]:
        """The expected file: the extraction the generator knows it printed (never a run's output)."""
        breakdown = [] if not self.vat_registered else [
            {"rate": f"{(EXEMPT if r is None else r):.2f}", "net": f"{n:.2f}", "vat": f"{v:.2f}"}
            for r, n, v in self.analysis()
        ]  # fmt: skip
        lines = [
            {
                "description": li.description,
                "net": f"{self.line_net(li):.2f}",
                "vat_rate": None if not self.vat_registered else f"{(EXEMPT if li.rate is None else li.rate):.2f}",
                "quantity": f"{li.quantity.normalize():f}" if li.quantity != 1 else None,
                "unit_price": f"{li.unit:.2f}" if li.quantity != 1 else None,
            }
            for li in self.lines
        ]
        vat_number = self.supplier.vat_number if self.vat_registered and not self.invalid_vat else None
        extraction = {
            "kind": self.kind,
            "supplier_name": self.supplier.name,
            "supplier_vat_number": vat_number,
            "customer_name": self.customer.name if self.kind == "sales_invoice" else None,
            "document_number": self.doc_no,
            "issue_date": self.issued.isoformat(),
            "currency": "GBP",
            "net": f"{self.net:.2f}",
            "vat": f"{self.vat:.2f}",
            "gross": f"{self.gross:.2f}",
            "vat_breakdown": breakdown,
            "lines": lines,
            "arithmetic_ok": True,
            "warnings": [],
            "invalid_vat_numbers": [self.supplier.vat_number] if self.invalid_vat and self.supplier.vat_number else [],
            "doubts": [],
        }
        data: dict[str, Any] = {
            "file": self.name,
            "group": "good",
            "own_names": own_names,
            "own_vat_numbers": own_vat_numbers,
            "extraction": extraction,
            "about": {
                "layout": self.layout,
                "format": self.output,
                "dpi": self.dpi,
                "font": self.font,
                "date_style": self.date_style,
                "money_style": self.money_style,
                "vat_style": self.vat_style,
                "degradations": list(self.photo),
                "labels": dict(sorted(self.labels.items())),
            },
            "photo": bool(self.photo),
        }
        if self.expected_state:
            data["expected_state"] = self.expected_state
        return data
