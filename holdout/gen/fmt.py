"""How UK documents print dates, money, VAT numbers: the many styles the holdout uses, one function each."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def pennies(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def fmt_date(d: date, style: str) -> str:
    """Date styles seen on UK paperwork (never US numeric month-first: it is ambiguous)."""
    mon = MONTHS[d.month - 1]
    return {
        "dots": f"{d:%d.%m.%Y}",  # 05.03.2026
        "ordinal_abbr": f"{_ordinal(d.day)} {mon[:3]}. {d.year}",  # 5th Mar. 2026
        "weekday_short_year": f"{DAYS[d.weekday()]} {d.day} {mon} {d:%y}",  # Thu 5 March 26
        "us_words": f"{mon} {d.day}, {d.year}",  # March 5, 2026
        "slash_short": f"{d:%d/%m/%y}",  # 05/03/26
        "long": f"{d.day} {mon} {d.year}",  # 5 March 2026
        "iso": d.isoformat(),  # 2026-03-05
        "dash_abbr": f"{d:%d}-{mon[:3]}-{d.year}",  # 05-Mar-2026
        "slash_long": f"{d.day}/{d.month}/{d.year}",  # 5/3/2026
        "ordinal_long": f"{_ordinal(d.day)} {mon} {d.year}",  # 5th March 2026
        "abbr_upper": f"{d:%d}{mon[:3].upper()}{d:%y}",  # 05MAR26 (till receipts)
    }[style]


def _grouped(value: Decimal) -> str:
    return f"{value:,.2f}"


def fmt_money(value: Decimal, style: str) -> str:
    """Money as a UK document prints it; ``bare`` relies on a column heading or a nearby currency word."""
    v = pennies(value)
    return {
        "pound": f"£{_grouped(v)}",  # £1,234.56
        "pound_plain": f"£{v:.2f}",  # £1234.56
        "pound_space": f"£ {_grouped(v)}",  # £ 1,234.56
        "gbp": f"GBP {_grouped(v)}",  # GBP 1,234.56
        "gbp_plain": f"GBP {v:.2f}",  # GBP 1234.56
        "bare": _grouped(v),  # 1,234.56
        "bare_plain": f"{v:.2f}",  # 1234.56
    }[style]


def fmt_vat_number(compact: str, style: str) -> str:
    """A 9-digit (or 12-digit branch) UK VAT number in the print styles found on real paperwork."""
    a, b, c, rest = compact[:3], compact[3:7], compact[7:9], compact[9:]
    spaced = f"{a} {b} {c}" + (f" {rest}" if rest else "")
    return {
        "gb_spaced": f"GB {spaced}",  # GB 123 4567 89
        "gb_tight": f"GB{compact}",  # GB123456789
        "spaced": spaced,  # 123 4567 89
        "gb_dashed": f"GB-{a}-{b}-{c}" + (f"-{rest}" if rest else ""),  # GB-123-4567-89
        "plain": compact,  # 123456789
        "gb_space_plain": f"GB {compact}",  # GB 123456789
    }[style]


def fmt_rate(rate: Decimal | None) -> str:
    if rate is None:
        return "Exempt"
    return f"{rate.normalize():f}%"
