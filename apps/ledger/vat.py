"""Working out VAT rates and the VAT treatment from an extraction's figures.

Shared by classification (which reports the treatment) and posting (which
stores the rate on each net line). Amounts are Decimal throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from apps.ledger.domain import (
    CENT,
    REDUCED_RATE,
    STANDARD_RATE,
    ZERO,
    ZERO_RATE,
    VatTreatment,
    format_rate,
    treatment_for_rate,
)

if TYPE_CHECKING:
    from apps.ledger.extraction import Extraction


@dataclass(frozen=True)
class VatFinding:
    treatment: str  # a VatTreatment value, or "" when it could not be worked out
    rate: Decimal | None  # the single rate, when there is one
    note: str  # in words, for explanations and review reasons


def breakdown_rates(extraction: Extraction) -> list[Decimal]:
    """Rates in the VAT breakdown that carry an amount, in document order, without repeats."""
    rates: list[Decimal] = []
    for row in extraction.vat_breakdown:
        if (row.net or row.vat) and row.rate not in rates:
            rates.append(row.rate)
    return rates


def rate_from_amounts(net: Decimal, vat: Decimal, *, tolerance: Decimal = CENT) -> Decimal | None:
    """The UK rate that explains VAT on net within ``tolerance`` (rounding), else None."""
    if vat == ZERO:
        return ZERO_RATE
    for rate in (STANDARD_RATE, REDUCED_RATE):
        if abs(net * rate / 100 - vat) <= tolerance:
            return rate
    return None


def find_vat(extraction: Extraction) -> VatFinding:
    rates = breakdown_rates(extraction)
    if len(rates) > 1:
        listed = ", ".join(format_rate(r) for r in rates)
        return VatFinding(VatTreatment.MIXED, None, f"mixed ({listed} in the VAT breakdown)")
    if len(rates) == 1:
        rate = rates[0]
        treatment = treatment_for_rate(rate)
        if not treatment:
            return VatFinding("", rate, f"the VAT breakdown shows {format_rate(rate)}, which is not a UK VAT rate")
        return VatFinding(treatment, rate, f"{treatment} ({format_rate(rate)} in the VAT breakdown)")
    net, vat = extraction.net.value, extraction.vat.value
    if net is None or vat is None:
        return VatFinding("", None, "the VAT rate could not be worked out: there is no VAT breakdown or VAT amount")
    if vat == ZERO and not (extraction.supplier_vat_number.value or "").strip():
        return VatFinding(
            VatTreatment.OUTSIDE_SCOPE,
            None,
            "outside the scope (no VAT charged and no VAT number: the supplier is not VAT-registered)",
        )
    tolerance = CENT * max(1, len(extraction.lines))
    rate = rate_from_amounts(net, vat, tolerance=tolerance)
    if rate is None:
        return VatFinding(VatTreatment.MIXED, None, "mixed (the VAT is not a single UK rate of the net amount)")
    treatment = treatment_for_rate(rate)
    return VatFinding(treatment, rate, f"{treatment} ({format_rate(rate)} of the net amount)")
