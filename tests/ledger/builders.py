"""Extractions as the documents pipeline hands them over, built in one call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from apps.ledger.extraction import (
    DocumentKind,
    Extracted,
    Extraction,
    LineItem,
    PageText,
    VatBreakdown,
)

D = Decimal


def make_extraction(
    *,
    kind: str | None = DocumentKind.PURCHASE_INVOICE,
    supplier: str | None = "Viking Direct Ltd",
    vat_number: str | None = "434031103",  # a valid supplier's number: VAT is reclaimed only with one
    customer: str | None = None,
    number: str | None = "INV-1001",
    issue_date: date | None = date(2025, 3, 14),
    net: str | None = "100.00",
    vat: str | None = "20.00",
    gross: str | None = "120.00",
    breakdown: Sequence[tuple[str, str, str]] | None = (("20", "100.00", "20.00"),),
    lines: Sequence[str] = (),
    text: str = "",
    arithmetic_ok: bool = True,
    confidence: float = 0.97,
    supplier_confidence: float | None = None,
    total_confidence: float | None = None,
    date_confidence: float | None = None,
) -> Extraction:
    def money(value: str | None) -> Extracted:
        return Extracted(D(value) if value is not None else None, confidence)

    return Extraction(
        kind=Extracted(DocumentKind(kind) if kind else None, confidence),
        supplier_name=Extracted(supplier, supplier_confidence if supplier_confidence is not None else confidence),
        supplier_vat_number=Extracted(vat_number, confidence),
        customer_name=Extracted(customer, confidence),
        document_number=Extracted(number, confidence),
        issue_date=Extracted(issue_date, date_confidence if date_confidence is not None else confidence),
        currency=Extracted("GBP", confidence),
        net=money(net),
        vat=money(vat),
        gross=Extracted(
            D(gross) if gross is not None else None,
            total_confidence if total_confidence is not None else confidence,
        ),
        vat_breakdown=[VatBreakdown(D(r), D(n), D(v)) for r, n, v in (breakdown or ())],
        lines=[LineItem(description=d, net=D("0.00")) for d in lines],
        arithmetic_ok=arithmetic_ok,
        pages=[PageText(1, text, "text_layer", 1.0, 0.01)] if text else [],
    )


def classified(account_code: str | None = "461", vat_treatment: str = "", **overrides):
    """A confident Classification, as the review panel would hand over after a person chose the account."""
    from apps.ledger.rules_engine import Classification

    values = {
        "account_code": account_code,
        "vat_treatment": vat_treatment,
        "confidence": 0.95,
        "explanation": f"chosen in review: {account_code}",
        "rule_id": None,
        "rule_name": "",
        "needs_review": False,
        "reasons": [],
    }
    return Classification(**(values | overrides))
