"""Money for people: one format on every page and in every message.

Here, below every app, because tenancy's display filters and the ledger's
messages both need it and tenancy sits below the ledger.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def format_money(value: Decimal | None) -> str:
    """£1,234.56; negatives in brackets: (£1,234.56)."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"£{abs(amount):,.2f}"
    return f"({text})" if amount < 0 else text
