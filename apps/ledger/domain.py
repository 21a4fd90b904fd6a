"""Small shared vocabulary of the ledger: entry kinds, VAT treatments, money helpers.

The document kinds and the exempt marker are the plain values of
``apps.ledger.extraction`` (the type documents hands to the ledger); a test
checks that they stay in step.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import models

from apps.core.money import format_money  # noqa: F401 (the ledger's callers import it from here)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Values of apps.ledger.extraction.DocumentKind the ledger acts on.
DOC_PURCHASE_INVOICE = "purchase_invoice"
DOC_RECEIPT = "receipt"
DOC_SALES_INVOICE = "sales_invoice"
DOC_CREDIT_NOTE = "credit_note"
PURCHASE_DOCUMENT_KINDS = frozenset({DOC_PURCHASE_INVOICE, DOC_RECEIPT, DOC_CREDIT_NOTE})
POSTABLE_DOCUMENT_KINDS = PURCHASE_DOCUMENT_KINDS | {DOC_SALES_INVOICE}

# apps.ledger.extraction.EXEMPT_RATE: a breakdown row for exempt or outside-scope amounts.
EXEMPT_RATE = Decimal("-1")
STANDARD_RATE = Decimal("20")
REDUCED_RATE = Decimal("5")
ZERO_RATE = Decimal("0")


class EntryKind(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    SALES = "sales", "Sales"
    CREDIT_NOTE = "credit_note", "Supplier credit note"
    MANUAL = "manual", "Manual journal"
    REVERSAL = "reversal", "Reversal"
    BANK = "bank", "Bank transaction"


class VatTreatment(models.TextChoices):
    STANDARD = "standard", "Standard rate (20%)"
    REDUCED = "reduced", "Reduced rate (5%)"
    ZERO = "zero", "Zero rate (0%)"
    EXEMPT = "exempt", "Exempt"
    OUTSIDE_SCOPE = "outside_scope", "Outside the scope of VAT"
    MIXED = "mixed", "Mixed rates"


def treatment_for_rate(rate: Decimal | None) -> str:
    """The VAT treatment a single rate implies; "" for a rate UK VAT does not have."""
    if rate is None:
        return ""
    if rate == EXEMPT_RATE:
        return VatTreatment.EXEMPT
    return {
        STANDARD_RATE: VatTreatment.STANDARD,
        REDUCED_RATE: VatTreatment.REDUCED,
        ZERO_RATE: VatTreatment.ZERO,
    }.get(rate, "")


def as_money(value: object, *, what: str = "amount") -> Decimal:
    """A Decimal with at most two places, never a float; raise ValueError otherwise.

    Why refuse rather than round: the ledger stores what the document says;
    rounding belongs to the few places HMRC prescribes it.
    """
    if isinstance(value, float):
        raise ValueError(f"The {what} must be a Decimal, not a float.")
    try:
        amount = Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError):
        raise ValueError(f"The {what} {value!r} is not a number.") from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValueError(f"The {what} {value} has more than two decimal places.")
    return amount.quantize(CENT)


def format_rate(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    if rate == EXEMPT_RATE:
        return "exempt"
    return f"{rate.normalize():f}%"
