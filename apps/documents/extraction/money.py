"""Finding and parsing money amounts in printed or OCRed text.

Why a hand-written scanner: invoices print amounts as "£1,234.56",
"1234.56 GBP", "(12.00)" or "-£12.00", and the same lines carry dates
("05.03.2026"), VAT numbers, sort codes and quantities that must not be read
as money. An amount here has exactly two decimals (a currency sign alone is
not enough inside running text); a comma before two final digits ("24,00")
is read as a decimal point, a common OCR slip, and flagged as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
SYMBOLS = {"£": "GBP", "€": "EUR", "GBP": "GBP", "EUR": "EUR"}
_MINUS = "-−–"

_AMOUNT = re.compile(
    r"""
    (?P<open>\()?\s?
    (?P<sign>[-−–])?\s?
    (?P<cur>£|€|GBP|EUR)?\s?
    (?P<sign2>[-−–])?
    (?P<int>\d{1,3}(?:,\d{3}){1,4}|\d{1,12})
    (?P<sep>[.,])(?P<dec>\d{2})(?!\d)
    (?:\s?(?P<suffix>GBP|EUR)\b)?
    (?P<close>\))?
    (?:\s?(?P<cr>CR)\b)?
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Amount:
    value: Decimal  # signed, two places
    start: int
    end: int
    currency: str | None  # "GBP", "EUR" when a sign or code was printed
    negative: bool
    ocr_fixed: bool = False  # a decimal comma was read as a point

    @property
    def magnitude(self) -> Decimal:
        return abs(self.value)


def to_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _context_ok(text: str, start: int, end: int) -> bool:
    """Reject pieces of dates, times, codes and longer numbers."""
    before = text[start - 1] if start > 0 else " "
    before2 = text[start - 2] if start > 1 else " "
    after = text[end] if end < len(text) else " "
    after2 = text[end + 1] if end + 1 < len(text) else " "
    if before.isalnum() or before in "/:" or (before in ".," and before2.isdigit()):
        return False
    if after == "%" or (after.isalpha() and after not in "CG"):
        return False
    return not (after.isdigit() or (after in ".,/:" and after2.isdigit()))


def find_amounts(text: str) -> list[Amount]:
    """Every money amount in ``text``, left to right."""
    found: list[Amount] = []
    for match in _AMOUNT.finditer(text):
        opened = bool(match.group("open") and match.group("close"))
        groups = ("open", "sign", "cur", "sign2", "int") if opened else ("sign", "cur", "sign2", "int")
        start = min(match.start(g) for g in groups if match.group(g))
        end = match.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        if not _context_ok(text, start, end):
            continue
        integer, sep = match.group("int"), match.group("sep")
        if sep == "," and "," in integer:
            continue  # "1,234,56": not an amount we can trust
        try:
            value = Decimal(integer.replace(",", "") + "." + match.group("dec"))
        except InvalidOperation:  # pragma: no cover - the pattern only admits digits
            continue
        negative = bool(match.group("sign") or match.group("sign2") or match.group("cr") or opened)
        cur = match.group("cur") or match.group("suffix")
        found.append(
            Amount(
                value=-value if negative else value,
                start=start,
                end=end,
                currency=SYMBOLS.get(cur) if cur else None,
                negative=negative,
                ocr_fixed=sep == ",",
            )
        )
    return found


_WHOLE = re.compile(
    r"^\(?\s*[-−–]?\s*(£|€|GBP|EUR)?\s*[-−–]?\s*(\d{1,3}(?:,\d{3}){1,4}|\d{1,12})(\.\d{1,2})?\s*(GBP|EUR)?\s*\)?\s*(CR)?$"
)


def parse_amount(text: str) -> Decimal | None:
    """Parse one amount ("£1,234.56", "1234.56 GBP", "(12.00)", "-12.00", "£12"); None when it is not one."""
    if not isinstance(text, str):
        return None
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 40 or not _WHOLE.match(cleaned):
        return None
    match = _WHOLE.match(cleaned)
    digits = match.group(2).replace(",", "") + (match.group(3) or "")
    if not match.group(3) and not (match.group(1) or match.group(4)):
        return None  # a bare integer is a quantity or a reference, not money
    negative = (
        any(c in cleaned for c in _MINUS) or (cleaned.startswith("(") and cleaned.endswith(")")) or bool(match.group(5))
    )
    try:
        value = to_money(Decimal(digits))
    except InvalidOperation:  # pragma: no cover
        return None
    return -value if negative else value


def format_money(value: Decimal | None, currency: str = "GBP") -> str:
    """For warnings: £1,234.56 (or €, or the ISO code)."""
    if value is None:
        return "nothing"
    sign = "-" if value < 0 else ""
    symbol = {"GBP": "£", "EUR": "€"}.get(currency, "")
    body = f"{abs(value):,.2f}"
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"
