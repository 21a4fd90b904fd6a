"""How the templates print money, dates, rates and VAT numbers (each document picks a style)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from stdnum.gb import vat as gb_vat

from .model import EXEMPT

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


def fmt_date(value: date, style: str) -> str:
    if style == "slash":
        return value.strftime("%d/%m/%Y")
    if style == "long":
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if style == "dash_mon":
        return f"{value.day:02d}-{MONTHS[value.month - 1][:3]}-{value.year}"
    if style == "iso":
        return value.isoformat()
    raise ValueError(style)


def fmt_money(value: Decimal, style: str, *, negative: bool = False, negative_style: str = "paren") -> str:
    body = f"{value:.2f}" if style == "suffix" else f"{value:,.2f}"
    if style == "pound":
        body = "£" + body
    if negative and value:
        body = f"({body})" if negative_style == "paren" else "-" + body
    if style == "suffix":
        body += " GBP"
    return body


def fmt_rate(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    if rate == EXEMPT:
        return "Exempt"
    return f"{rate:g}%"


def fmt_qty(qty: Decimal) -> str:
    return f"{qty:g}"


def fmt_vat(number: str, style: str = "spaced") -> str:
    """GB VAT number as printed: spaced 'GB 123 4567 89', compact 'GB123456789', or bare '123 4567 89'."""
    spaced = gb_vat.format(number)
    if style == "compact":
        return "GB" + number
    if style == "bare":
        return spaced
    return "GB " + spaced
