"""Line items: description, amount, VAT rate, and quantity and unit price when printed.

Why read from the right: whatever the layout, an item line ends with its
amount (perhaps followed by a till's VAT code), and the columns before it are
the rate, the unit price and the quantity. A quantity and unit price are kept
only when they multiply to the amount, which is what tells "3  £24.50" (a
quantity and price) from "pump 4, 38.42 L" (part of the description). An
amount column whose point OCR lost ("1800" after "£18.00") is read in pence
when the line has another figure with pence; quantity x price, or the totals,
then referee it (parse._repair).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations

from .money import Amount, find_amounts, parse_amount, to_money
from .text import TextLine, clean_value
from .totals import RATE_TOKEN, Totals, classify, rate_value

ITEM_HEADER = re.compile(r"\b(description|qty|quantity|details|item)\b", re.IGNORECASE)
_INLINE = re.compile(
    r"(?P<qty>\d+(?:\.\d+)?)\s*(?:x|×|@)\s*(?P<unit>[£€]?\s?\d[\d,]*[.,]\d{2}(?:\s?(?:GBP|EUR))?)", re.IGNORECASE
)
_TAIL = re.compile(r"^\s*(?:(?P<code>[A-Z])|\(?(?P<rate>\d{1,2}(?:\.\d)?\s?%)\)?|(?P<word>exempt|zero))?\s*$", re.I)
_LOST_POINT = re.compile(r"\s{2,}(?P<int>\d{3,7})(?=\s*(?:[A-Z]|\(?\d{1,2}(?:\.\d)?\s?%\)?)?\s*$)")
_BARE = re.compile(r"\s{2,}(?P<int>\d{3,7})\s*(?:[A-Z])?$")
_NUMERIC = re.compile(r"^\(?[-−]?[£€$]?\s?[-−]?[\d.,]+(?:\s?(?:GBP|EUR))?\)?[.:;]?$")


@dataclass(frozen=True)
class RawItem:
    description: str
    amount: Decimal  # as printed (magnitude); may include VAT on a till receipt
    rate: Decimal | None
    quantity: Decimal | None
    unit_price: Decimal | None
    line: TextLine
    alternative: Decimal | None = None  # quantity x unit price, when it disagrees with the printed amount


def _is_header(line: TextLine) -> bool:
    return bool(ITEM_HEADER.search(line.text)) and len(line.segments()) >= 2 and not find_amounts(line.text)


def _strip_garbage(text: str) -> str:
    """Drop OCR debris of a dotted leader: very long 'words' and everything after them."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 22 and not re.search(r"[@/]", word):
            return " ".join(words[:i])
    return text


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip(".,:;"))
    except InvalidOperation:
        return None


def _debris(segment: str) -> bool:
    """A short column of OCR noise ("ee", "i", "S", "7") rather than text."""
    if re.search(r"[A-Z]{2}|\d{2}", segment):
        return False
    return len(segment) <= 2 or (len(segment) <= 3 and not re.search(r"[aeiouy]", segment, re.IGNORECASE))


def _quantity_and_price(qty_text: str, price_text: str, amount: Decimal) -> tuple[Decimal, Decimal, bool] | None:
    """(quantity, unit price, agrees) when both parse; ``agrees`` when they multiply to the amount."""
    qty, price = _decimal(qty_text), parse_amount(price_text.strip(".,:;").replace(" ", ""))
    if qty is None or price is None or qty <= 0 or qty > 100_000:
        return None
    return qty, abs(price), abs(to_money(qty * abs(price)) - amount) <= Decimal("0.01")


def parse_item_line(line: TextLine, codes: dict[str, Decimal]) -> RawItem | None:
    """One item from one line, or None when the line is not shaped like an item."""
    amounts = find_amounts(line.text)
    if not amounts:
        return None
    last = amounts[-1]
    if (lost := _LOST_POINT.search(line.text, last.end)) is not None:
        # "Desk lamp  1  £18.00  20%  1800": the amount column lost its point; every other figure has pence
        value = to_money(Decimal(lost.group("int")) / 100)
        last = Amount(value, lost.start("int"), lost.end("int"), None, False, ocr_fixed=True)
        amounts = [*amounts, last]
    tail = _TAIL.match(line.text[last.end :])
    if not tail:
        return None
    rate = None
    if tail.group("code"):
        rate = codes.get(tail.group("code").upper())
    elif tail.group("rate") or tail.group("word"):
        rate = rate_value(tail.group(0))
    head = line.text[: last.start]
    segments = [seg for seg in re.split(r"\s{2,}", head.strip()) if re.search(r"[A-Za-z0-9%£€]", seg)]
    if segments and len(segments[-1]) <= 8 and (segment_rate := rate_value(segments[-1])) is not None:
        rate = segment_rate if rate is None else rate
        segments.pop()
    quantity = unit = alternative = None
    head = "  ".join(segments)
    description = head
    inline = _INLINE.search(head)
    if inline and (found := _quantity_and_price(inline.group("qty"), inline.group("unit"), last.magnitude)):
        quantity, unit, agrees = found
        description = head[: inline.start()]
        if not agrees:
            alternative = to_money(quantity * unit)
    elif len(segments) >= 2:
        numeric: list[str] = []
        while len(segments) > 1 and len(numeric) < 2 and _NUMERIC.match(segments[-1]):
            numeric.insert(0, segments.pop())
        if len(numeric) == 2 and (found := _quantity_and_price(numeric[0], numeric[1], last.magnitude)):
            quantity, unit, agrees = found
            if not agrees:
                alternative = to_money(quantity * unit)
        while len(segments) > 1 and _debris(segments[-1]):
            segments.pop()
        description = "  ".join(segments)
    description = clean_value(_strip_garbage(clean_value(description)))
    return RawItem(description, last.magnitude, rate, quantity, unit, line, alternative)


def _bare(line: TextLine) -> RawItem | None:
    """'Gate repairs   1250': a described line ending in a figure with no point (its pence, if anything)."""
    match = _BARE.search(line.text)
    description = line.text[: match.start()] if match else ""
    if match is None or not re.search(r"[A-Za-z]{2}", description) or classify(description) is not None:
        return None
    amount = to_money(Decimal(match.group("int")) / 100)
    return RawItem(clean_value(description), amount, None, None, None, line)


def find_items(lines: Sequence[TextLine], totals: Totals, *, targets: Sequence[Decimal | None] = ()) -> list[RawItem]:
    """Item lines between each page's item header (if any) and the start of the totals block.

    ``targets``: the net and gross read. An item whose amount lost its decimal point ("Gate repairs   1250"
    among figures with pence) is taken, in pence, only when that makes the lines add up to one of them.
    """
    headers = {line.page: line.index for line in lines if _is_header(line)}
    stop = totals.first_total_index
    items: list[RawItem] = []
    pointless: list[RawItem] = []
    previous: TextLine | None = None
    for line in lines:
        if stop is not None and line.index >= stop:
            break
        header_at = headers.get(line.page)
        if header_at is not None and line.index <= header_at:
            previous = None
            continue
        amounts = find_amounts(line.text)
        if not amounts and (bare := _bare(line)) is not None:
            pointless.append(bare)
        if not amounts or classify(line.text[: amounts[-1].start]) is not None:
            previous = line if not amounts else None
            continue
        item = parse_item_line(line, totals.codes)
        if item is None:
            previous = None
            continue
        if not re.search(r"[A-Za-z]{2}", item.description) and previous is not None:
            item = RawItem(
                clean_value(previous.text),
                item.amount,
                item.rate,
                item.quantity,
                item.unit_price,
                line,
                item.alternative,
            )
        if re.search(r"[A-Za-z]{2}", item.description) and not RATE_TOKEN.fullmatch(item.description):
            items.append(item)
        previous = None
    return _with_pointless(items, pointless, [t for t in targets if t is not None])


def _with_pointless(items: list[RawItem], pointless: list[RawItem], targets: list[Decimal]) -> list[RawItem]:
    """Add the amounts that lost their point only when the arithmetic asks for them (and nothing else fits)."""
    if not pointless or not items or not targets or len(pointless) > 6:
        return items
    printed = sum((i.amount for i in items), Decimal("0.00"))
    # Exact first: with penny amounts a 1p tolerance would call "£0.01 of £0.02" adding up and drop the line
    # that lost its point; the tolerance only serves lines that add up to a penny of a rounded total.
    for tolerance in (Decimal("0.00"), Decimal("0.01")):
        near = lambda total, tol=tolerance: any(abs(total - t) <= tol for t in targets)  # noqa: E731
        if near(printed):
            return items
        fits = [
            chosen
            for size in range(1, len(pointless) + 1)
            for chosen in combinations(pointless, size)
            if near(printed + sum((i.amount for i in chosen), Decimal("0.00")))
        ]
        if len(fits) > 1:
            return items  # more than one way to make it add up: the arithmetic check flags the document
        if fits:
            return sorted([*items, *fits[0]], key=lambda i: i.line.index)
    return items
