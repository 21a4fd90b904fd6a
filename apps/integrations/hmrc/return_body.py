"""The body of a VAT return submission (docs/contracts/hmrc-vat-api.md, Submission body), written exactly from Decimals.

Boxes 1–5 are JSON numbers with exactly two decimals, boxes 6–9 whole
numbers. The JSON text is written by hand, never through float, so no penny
is lost or invented. An amount that cannot be written exactly (more than two
decimal places, pence in boxes 6–9, a float) is a bug in the caller:
ValueError, before anything is sent.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_PERIOD_KEY = re.compile(r"^[#0-9A-Z]{4}$")

PENCE_BOXES = ("vatDueSales", "vatDueAcquisitions", "totalVatDue", "vatReclaimedCurrPeriod", "netVatDue")
POUND_BOXES = (
    "totalValueSalesExVAT",
    "totalValuePurchasesExVAT",
    "totalValueGoodsSuppliedExVAT",
    "totalAcquisitionsExVAT",
)
RETURN_FIELDS = ("periodKey", *PENCE_BOXES, *POUND_BOXES, "finalised")


def _decimal(name: str, value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError(f"{name} must be a Decimal or an int, not {type(value).__name__} (floats lose pence)")
    try:
        amount = Decimal(value) if isinstance(value, int | str) else value
    except InvalidOperation as error:
        raise ValueError(f"{name} is not a number: {value!r}") from error
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"{name} is not a finite Decimal: {value!r}")
    return amount


def money_json(name: str, value: Any) -> str:
    """Boxes 1–5: exactly two decimals ("1250.00"); more than two significant decimals is refused."""
    amount = _decimal(name, value)
    pence = amount.quantize(Decimal("0.01"))
    if pence != amount:
        raise ValueError(f"{name} has more than two decimal places: {amount}")
    return f"{pence:.2f}"


def whole_pounds_json(name: str, value: Any) -> str:
    """Boxes 6–9: whole pounds ("14500"); pence are refused (the caller decides how to drop them)."""
    amount = _decimal(name, value)
    if amount != amount.to_integral_value():
        raise ValueError(f"{name} must be whole pounds: {amount}")
    return f"{amount.to_integral_value():f}"


def return_body_json(body: dict[str, Any]) -> str:
    """The 11-field submission body as JSON text, numbers written exactly."""
    missing = [f for f in RETURN_FIELDS if f not in body]
    extra = [f for f in body if f not in RETURN_FIELDS]
    if missing or extra:
        raise ValueError(f"VAT return body: missing {missing}, unexpected {extra}")
    period_key = body["periodKey"]
    if not isinstance(period_key, str) or not _PERIOD_KEY.match(period_key):
        raise ValueError(f"periodKey must be four characters of 0-9, A-Z or #: {period_key!r}")
    if not isinstance(body["finalised"], bool):
        raise ValueError("finalised must be a boolean")
    parts = [f'"periodKey":"{period_key}"']
    parts += [f'"{name}":{money_json(name, body[name])}' for name in PENCE_BOXES]
    parts += [f'"{name}":{whole_pounds_json(name, body[name])}' for name in POUND_BOXES]
    parts.append(f'"finalised":{"true" if body["finalised"] else "false"}')
    return "{" + ",".join(parts) + "}"
