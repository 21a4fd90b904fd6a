"""Finding and parsing money amounts in printed or OCRed text.

Why a hand-written scanner: invoices print amounts as "£1,234.56",
"1234.56 GBP", "(12.00)" or "-£12.00", and the same lines carry dates
("05.03.2026"), VAT numbers, sort codes and quantities that must not be read
as money. An amount here has exactly two decimals (a currency sign alone is
not enough inside running text).

Why repair by shape: OCR reads a decimal point as "," ";" "'" (or ":" after a
currency sign), a "£" as "$" or "S", a "5" as "S" and a "0" as "O". Such
prints are read as money with ``ocr_fixed`` set (their confidence is lowered)
and, where the shape allows two readings ("S12.50": £12.50 or 512.50), the
other one in ``alternatives``. On a labelled totals line (``repair=True``),
where a figure must be printed, "12:50", "12 50" and "1250" are read too; the
arithmetic (totals.choose) then referees between the readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
SYMBOLS = {"£": "GBP", "€": "EUR", "GBP": "GBP", "EUR": "EUR"}  # "$" on a UK document is a misread "£": no currency
_MINUS = "-−–"

_AMOUNT = re.compile(
    r"""
    (?P<open>\()?\s?
    (?P<sign>[-−–])?\s?
    (?P<cur>£|€|GBP|EUR|\$)?\s?
    (?P<sign2>[-−–])?
    (?P<int>(?:(?<=[£€$])|(?<=[£€$]\s))\d{1,3}(?:\s\d{3})+(?=[.,]\d\d)|\d{1,3}(?:,\d{3}){1,4}|\d{1,12})
    (?P<sep>[.,;'’]|(?<=[£€$]\d)[:]|(?<=[£€$]\d\d)[:]|(?<=[£€$]\d\d\d)[:])(?P<dec>\d{2})(?!\d)
    (?:\s?(?P<suffix>GBP|EUR)\b)?
    (?P<close>\))?
    (?P<trail>-(?![\d£€$]))?
    (?:\s?(?P<cr>CR)\b)?
    """,
    re.VERBOSE,
)
# Letters OCR prints for digits inside a number ("1S.5O" is 15.50); a leading S before digits is a misread £.
_LOOKALIKE = re.compile(r"(?<![A-Za-z])[\dSOolI|][\dSOolI|,.:;']*[\dSOolI|](?![A-Za-z])")
_TO_DIGIT = str.maketrans({"S": "5", "O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
# Totals lines only (repair=True): a point read as ":" or a space, or lost altogether ("Total  1250").
_LOOSE = re.compile(
    r"(?<![\w.,:/£€$-])(?P<cur>[£€$]\s?)?(?P<int>\d{1,6})(?:(?P<sep>[:\s])(?P<dec>\d{2}))?"
    r"(?P<trail>-)?(?=\s{2,}|\s*$|\s?CR\b)"
)


@dataclass(frozen=True)
class Amount:
    value: Decimal  # signed, two places
    start: int
    end: int
    currency: str | None  # "GBP", "EUR" when a sign or code was printed
    negative: bool
    ocr_fixed: bool = False  # repaired by shape: a decimal point read as other punctuation, a letter for a digit
    alternatives: tuple[Decimal, ...] = ()  # other readings of the same print (magnitudes), for arithmetic to weigh

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


def _lookalikes(text: str) -> tuple[str, set[int]]:
    """``text`` with digit-shaped letters inside numbers read as digits (same length), and where that was done."""
    chars, changed = list(text), set()
    for match in _LOOKALIKE.finditer(text):
        token = match.group(0)
        if sum(c.isdigit() for c in token) < 2 or token.isdigit():
            continue
        if not re.search(r"[.,:;']\d\d$", token.translate(_TO_DIGIT)):
            continue
        for i, c in enumerate(token, start=match.start()):
            if not c.isdigit() and c not in ",.:;'":
                chars[i] = "$" if c == "S" and i == match.start() and token[1:2].isdigit() else c.translate(_TO_DIGIT)
                changed.add(i)
    return "".join(chars), changed


def find_amounts(text: str, *, repair: bool = False) -> list[Amount]:
    """Every money amount in ``text``, left to right.

    ``repair``: the line is a labelled total, where a figure is certain to be printed, so a point read as
    ":" or a space, or lost ("1250" for 12.50), is read too, with the other reading kept as an alternative.
    """
    fixed, changed = _lookalikes(text)
    found: list[Amount] = []
    for match in _AMOUNT.finditer(fixed):
        opened = bool(match.group("open") and match.group("close"))
        groups = ("open", "sign", "cur", "sign2", "int") if opened else ("sign", "cur", "sign2", "int")
        start = min(match.start(g) for g in groups if match.group(g))
        end = match.end()
        while end > start and fixed[end - 1].isspace():
            end -= 1
        if not _context_ok(fixed, start, end):
            continue
        integer, sep = match.group("int"), match.group("sep")
        if sep == "," and "," in integer:
            continue  # "1,234,56": not an amount we can trust
        value = Decimal(re.sub(r"[,\s]", "", integer) + "." + match.group("dec"))
        negative = bool(
            match.group("sign") or match.group("sign2") or match.group("cr") or match.group("trail") or opened
        )
        cur = match.group("cur") or match.group("suffix")
        letters = any(i in changed for i in range(start, end))  # (a set lookup per character of the match)
        repaired = sep not in ".," or sep == "," or letters
        alternatives = ()
        if letters and fixed[start:end].lstrip("(-−– ").startswith("$"):
            alternatives = (Decimal("5" + integer.replace(",", "") + "." + match.group("dec")),)  # S was a 5
        found.append(_amount(value, start, end, cur, negative, repaired, alternatives))
    if repair:
        found.extend(_loose(fixed, found))
    return sorted(found, key=lambda a: a.start)


_SPLIT = re.compile(r"(?:^|\s{2,}|[£€$]\s?)(?P<head>\d{1,3}) $")


def split_reading(text: str, amount: Amount) -> Decimal | None:
    """OCR split a figure at a space ("Total  1 2.50"): the joined magnitude, when the shape allows it."""
    start = amount.start
    window = ("x" if start > 10 else "") + text[max(0, start - 10) : start]  # "x": not the line's start
    match = _SPLIT.search(window)
    if match is None or amount.magnitude >= 1000:
        return None
    return Decimal(match.group("head") + f"{amount.magnitude:.2f}".zfill(4))


def _amount(value: Decimal, start: int, end: int, cur: str | None, negative: bool, repaired: bool,
            alternatives: tuple[Decimal, ...] = ()) -> Amount:  # fmt: skip
    currency = SYMBOLS.get(cur.strip()) if cur else None
    return Amount(-value if negative else value, start, end, currency, negative, repaired, alternatives)


def _loose(text: str, strict: list[Amount]) -> list[Amount]:
    """Figures of a totals line the strict pattern refused: "12:50", "12 50", "1250", "£12"."""
    out: list[Amount] = []
    for match in _LOOSE.finditer(text):
        start, end = match.start(), match.end()
        if any(a.start < end and start < a.end for a in strict) or not _context_ok(text, start, end):
            continue
        integer, dec, cur = match.group("int"), match.group("dec"), match.group("cur")
        negative = bool(match.group("trail"))
        if dec is not None:
            if match.group("sep").isspace() and not (cur or start == 0 or text[max(0, start - 2) : start] == "  "):
                continue  # "2 50" inside running text is two numbers
            value, alternatives = Decimal(f"{integer}.{dec}"), ()
        elif cur:
            value, alternatives = to_money(Decimal(integer)), (to_money(Decimal(integer) / 100),)  # "£12"
        elif len(integer) <= 2:
            continue  # "Total qty 3": a count, not money
        else:
            value, alternatives = to_money(Decimal(integer) / 100), (to_money(Decimal(integer)),)  # point lost
        out.append(_amount(value, start, end, cur, negative, True, alternatives))
    return out


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
