"""The arithmetic check and its warnings: do the lines, the VAT and the totals agree?

Why plain-words warnings: they are shown as they are to the person reviewing
the document ("The lines add up to £41.20 but the net total says £42.10"),
so each one names the figures involved. Tolerances: 1p for sums; for VAT,
1p plus half a penny per line at that rate (suppliers may round per line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from apps.ledger.extraction import EXEMPT_RATE, Extracted, Extraction, LineItem, VatBreakdown

from .money import format_money, to_money

PENNY = Decimal("0.01")
HALF_PENNY = Decimal("0.005")
MONEY_FIELDS = ("net", "vat", "gross")


def _rate_words(rate: Decimal) -> str:
    return "exempt" if rate == EXEMPT_RATE else f"{rate:g}%"


def check_arithmetic(
    net: Decimal | None,
    vat: Decimal | None,
    gross: Decimal | None,
    breakdown: Sequence[VatBreakdown],
    lines: Sequence[LineItem],
    *,
    currency: str = "GBP",
    inclusive: bool = False,
) -> tuple[bool, list[str]]:
    """(arithmetic_ok, warnings) for one document's figures."""

    def m(value: Decimal | None) -> str:
        return format_money(value, currency)

    warnings: list[str] = []
    missing = [name for name, value in (("net amount", net), ("VAT amount", vat), ("total", gross)) if value is None]
    if missing:
        warnings.append(f"No {' or '.join(missing)} was found on the document.")
    if net is not None and vat is not None and gross is not None and net + vat != gross:  # printed totals add exactly
        warnings.append(f"The net {m(net)} plus VAT {m(vat)} makes {m(net + vat)}, but the total says {m(gross)}.")
    if lines and net is not None:
        total = sum((li.net for li in lines), Decimal("0.00"))
        # exact for net-priced lines (a 1p slip must not pass); VAT-inclusive lines carry each line's rounding
        tolerance = PENNY + HALF_PENNY * len(lines) if inclusive else Decimal("0.00")
        outside = sum((b.net for b in breakdown if b.rate == EXEMPT_RATE), Decimal("0.00"))
        if abs(total - net) > tolerance and not (outside and abs(total + outside - net) <= tolerance):
            # (items beside a separate "Disbursements (no VAT)" line: the lines and that net make the total)
            warnings.append(f"The lines add up to {m(total)} but the net total says {m(net)}.")
    if breakdown:
        if net is not None and abs(sum((b.net for b in breakdown), Decimal(0)) - net) > PENNY:
            warnings.append(
                f"The VAT summary's net amounts add up to {m(sum((b.net for b in breakdown), Decimal(0)))}, "
                f"but the net total says {m(net)}."
            )
        if vat is not None and abs(sum((b.vat for b in breakdown), Decimal(0)) - vat) > PENNY:
            warnings.append(
                f"The VAT by rate adds up to {m(sum((b.vat for b in breakdown), Decimal(0)))}, "
                f"but the VAT total says {m(vat)}."
            )
        for row in breakdown:
            if row.rate == EXEMPT_RATE or row.rate <= 0:
                if row.vat != 0:
                    warnings.append(f"{_rate_words(row.rate).capitalize()} amounts should carry no VAT, "
                                    f"but {m(row.vat)} is shown.")  # fmt: skip
                continue
            if inclusive:
                expected = to_money((row.net + row.vat) * row.rate / (100 + row.rate))
            else:
                expected = to_money(row.net * row.rate / 100)
            at_rate = sum(1 for li in lines if li.vat_rate == row.rate) or 1
            if abs(expected - row.vat) > PENNY + HALF_PENNY * at_rate:
                warnings.append(
                    f"VAT at {_rate_words(row.rate)} on {m(row.net)} should be about {m(expected)}, "
                    f"but the document says {m(row.vat)}."
                )
    elif vat:
        warnings.append("The VAT rate could not be read, so the VAT amount was not checked against it.")
    return not warnings, warnings


def apply_checks(result: Extraction, *, inclusive: bool = False) -> None:
    """Set ``arithmetic_ok``, add the warnings, and halve money confidences when the sums disagree."""
    ok, warnings = check_arithmetic(
        result.net.value,
        result.vat.value,
        result.gross.value,
        result.vat_breakdown,
        result.lines,
        currency=result.currency.value or "GBP",
        inclusive=inclusive,
    )
    result.arithmetic_ok = ok
    result.warnings.extend(warnings)
    if not ok:
        for name in MONEY_FIELDS:
            item: Extracted = getattr(result, name)
            if item.present:
                setattr(result, name, replace(item, confidence=round(item.confidence * 0.5, 3)))
